"""The projection nearby search uses for the generated ``location`` point column (migration 0002).

LAT0 is fixed once in the migration (the demo district's latitude, Fuzhou 26.08°N): a city spans
far less than a degree, so the projection's error stays well under 1 % there. Changing the city
means a new migration with its latitude.
"""

import math

LAT0 = 26.08
LAT0_COS = math.cos(math.radians(LAT0))
KM_PER_DEGREE = 6371.0088 * math.pi / 180  # 111.195 km along a meridian


def projected(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) of a position in the projection the location column uses."""
    return lon * LAT0_COS, lat


def inner_circle_degrees(lat: float, radius_km: float) -> float:
    """A radius, in the projection's degrees, inside which every position lies within ``radius_km``
    of (lat, ·) by haversine, so a search needs the exact test only for the few rows between this
    circle and the radius (about 1 % of them instead of all).

    The projection keeps north-south distances and scales east-west ones by cos(LAT0) / cos(φ), φ
    the pair's mean latitude; so ground ≤ projected × max(1, cos φ / cos(LAT0)), with φ no further
    from the equator than the circle reaches. The 0.1 % margin covers the flat approximation of
    the sphere, about (d / 6371 km)² (under 10⁻⁴ at 50 km).
    """
    reach = radius_km / KM_PER_DEGREE
    nearest_equator = 0.0 if abs(lat) <= reach else abs(lat) - reach
    stretch = max(1.0, math.cos(math.radians(nearest_equator)) / LAT0_COS)
    return reach / (stretch * 1.001)
