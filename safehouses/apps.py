from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafehousesConfig(AppConfig):
    name = "safehouses"
    verbose_name = _("Safe houses")

    def ready(self) -> None:
        from core.places import PLACE_SOURCES

        if _safe_house_places not in PLACE_SOURCES:
            PLACE_SOURCES.append(_safe_house_places)


def _safe_house_places() -> list:
    from safehouses.models import SafeHouse

    kind = str(_("Safe house"))
    return [
        {"name": house.name, "kind": kind, "lat": house.lat, "lon": house.lon}
        for house in SafeHouse.objects.filter(is_active=True)
    ]
