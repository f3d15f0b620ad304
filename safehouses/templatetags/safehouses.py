"""{% nearest_safe_house lat lon %}: the SOS pages' hint of the nearest open safe house. A template
tag, so the tips app shows it without importing this app (the template loads it)."""

from django import template

from safehouses import selectors

register = template.Library()


@register.inclusion_tag("safehouses/_nearest.html")
def nearest_safe_house(lat: float | None, lon: float | None) -> dict[str, object]:
    """The nearest safe house open now within 10 km of (lat, lon), or a line saying there is none."""
    house = None
    if lat is not None and lon is not None:
        house = selectors.safe_house_nearest_open(lat=float(lat), lon=float(lon))
    return {"house": house}
