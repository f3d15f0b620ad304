"""What every page's layout needs: which navigation to show."""

from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    roles = set(getattr(user, "roles", None) or []) if user is not None and user.is_authenticated else set()
    staff_roles = roles & {"agency_staff", "grid_staff", "clerk", "auditor", "admin"}
    return {
        "nav_staff_roles": staff_roles,
        "nav_is_staff_page": request.path.startswith(("/staff/", "/audit/")),
        "fubi_tile_url": settings.FUBI_TILE_URL,
        "district_center": settings.FUBI_DISTRICT_CENTER,
    }
