"""SQL fragments for nearby search over the generated ``location`` point column (migration 0002).

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


# Haversine in SQL (km) between the row's lat/lon and a query point (%s lat, %s lon).
HAVERSINE_KM_SQL = (
    "(2 * 6371.0088 * asin(least(1.0, sqrt("
    "power(sin(radians({table}.lat - %s) / 2), 2) + "
    "cos(radians(%s)) * cos(radians({table}.lat)) * power(sin(radians({table}.lon - %s) / 2), 2)"
    "))))"
)
