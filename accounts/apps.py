from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from accounts.security import token_user, token_user_taking_key
        from core.places import PLACE_SOURCES
        from core.tokens import register_token_resolver

        # How an X-Session-Token becomes a user, for core (core.tokens): allauth's app session.
        register_token_resolver(user=token_user, user_taking_key=token_user_taking_key)

        if _grid_places not in PLACE_SOURCES:
            PLACE_SOURCES.append(_grid_places)


def _grid_places() -> list:
    """Each grid at the middle of its bounding box (a street's or community's name finds it)."""
    from accounts.models import Grid

    kind = _("Grid")
    places = []
    for grid in Grid.objects.only("name", "boundary"):
        ring = grid.boundary or []
        if not ring:
            continue
        lons, lats = [point[0] for point in ring], [point[1] for point in ring]
        middle = ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
        places.append({"name": grid.name, "kind": str(kind), "lat": middle[0], "lon": middle[1]})
    return places
