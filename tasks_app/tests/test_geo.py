"""Nearby search's geometry: the inner circle that spares the exact distance test, and the radius's
edge answered to the metre by GET /tasks."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.geo import EARTH_RADIUS_M, haversine_m
from tasks_app.geo_sql import KM_PER_DEGREE, LAT0, LAT0_COS, inner_circle_degrees


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The position `km` from (lat, lon) along `bearing_deg` on the sphere haversine measures on."""
    phi, lmb, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km * 1000 / EARTH_RADIUS_M
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lmb2 = lmb + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lmb2)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(LAT0 - 1.5, LAT0 + 1.5),
    radius_km=st.floats(0.05, 50),
    angle=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 1),
)
def test_every_position_inside_the_inner_circle_is_within_the_radius(lat, radius_km, angle, fraction) -> None:
    # given a position anywhere inside the inner circle, in the projection's coordinates
    inner = inner_circle_degrees(lat, radius_km)
    dx, dy = inner * fraction * math.cos(angle), inner * fraction * math.sin(angle)
    lon = 119.3
    other_lat, other_lon = lat + dy, lon + dx / LAT0_COS
    # then haversine puts it within the radius (so skipping that test changes no answer)
    assert haversine_m(lat, lon, other_lat, other_lon) <= radius_km * 1000
    # and the circle is not needlessly small: within 1 % of the radius
    assert inner >= radius_km / KM_PER_DEGREE * 0.99 or abs(lat - LAT0) > 0.6


@pytest.mark.django_db
@pytest.mark.parametrize("lat_offset", [-0.5, 0.5])  # where the projection stretches most, in a city
def test_the_radius_edge_is_exact_to_the_metre(api_as, make_task, lat_offset) -> None:
    # given tasks 4.9 km, 4.995 km and 5.005 km away on 12 bearings, around a point half a degree
    # from the projection's latitude
    centre = (LAT0 + lat_offset, 119.3)
    inside = set()
    for bearing in range(0, 360, 30):
        for km in (4.9, 4.995, 5.005):
            lat, lon = destination(*centre, bearing, km)
            task = make_task(title=f"{bearing}° {km} km", lat=lat, lon=lon)
            if km < 5:
                inside.add(task.id)
    # when a citizen there searches within 5 km
    data = api_as(None).get("/tasks", {"lat": centre[0], "lon": centre[1], "radius_km": 5}).json()
    # then exactly the tasks inside 5 km by haversine are counted and listed
    assert data["count"] == len(inside) == 24
    assert {item["id"] for item in data["items"]} == inside
    assert max(item["distance_km"] for item in data["items"]) == pytest.approx(4.995, abs=0.001)
