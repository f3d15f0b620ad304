"""What every page's layout needs: which navigation to show."""

from django.conf import settings
from django.http import HttpRequest

from core.workspace import citizen_view_chosen, workspace_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    roles = set(getattr(user, "roles", None) or []) if user is not None and user.is_authenticated else set()
    staff_roles = roles & {"agency_staff", "grid_staff", "clerk", "auditor", "admin"}
    return {
        "nav_staff_roles": staff_roles,
        "nav_workspace": workspace_of(user),
        "nav_citizen_view": citizen_view_chosen(request),
        "nav_is_staff_page": request.path.startswith(("/staff/", "/audit/")),
        "fubi_tile_url": settings.FUBI_TILE_URL,
        "fubi_tile_coordinates": settings.FUBI_TILE_COORDINATES,
        "fubi_tile_subdomains": settings.FUBI_TILE_SUBDOMAINS,
        "fubi_tile_attribution": settings.FUBI_TILE_ATTRIBUTION,
        "district_center": settings.FUBI_DISTRICT_CENTER,
    }
