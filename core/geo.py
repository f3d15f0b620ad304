"""Plain geometry on WGS84 coordinates: distances and point-in-polygon."""

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...] as GeoJSON orders them


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def point_in_ring(lat: float, lon: float, ring: Ring) -> bool:
    """Ray casting: is (lat, lon) inside the closed ring of [lon, lat] pairs? Edges count as inside."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if _on_segment(lon, lat, x1, y1, x2, y2):
            return True
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _on_segment(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (px - x1) * (y2 - y1) - (py - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= px <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= py <= max(y1, y2) + 1e-12


def ring_bbox(ring: Ring) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a ring of [lon, lat] pairs."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


def ring_area_deg2(ring: Ring) -> float:
    """Shoelace area in square degrees: only to order nested rings by size."""
    total = 0.0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def box_ring(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> list[list[float]]:
    """A closed rectangular ring of [lon, lat] pairs, as grid boundaries are stored."""
    return [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
