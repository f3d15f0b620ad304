"""Each staff role's home page (its workspace) and the choice between it and the citizen's view.

Staff keep the citizen role, so one person has two homes: the citizen's home page and their
workspace. They land on the workspace after logging in and when they open the home page, until they
switch to the citizen's view in the top bar (a choice kept in the session, undone by switching back).
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# In this order: a person with several staff roles lands on the first one's page (the top bar's
# staff navigation links the others).
WORKSPACES = (
    ("grid_staff", "/staff/cases/", _("Case queue")),
    ("agency_staff", "/staff/tasks/", _("Agency tasks")),
    ("clerk", "/staff/fulfil/", _("Pickup counter")),
    ("auditor", "/audit/", _("Audit")),
    ("admin", "/audit/", _("Audit")),
)
CITIZEN_VIEW_KEY = "fubi_citizen_view"
FIRST_VISIT_KEY = "fubi_first_visit"


def workspace_of(user: Any) -> dict | None:
    """{"role", "url", "label"} of the user's workspace, or None for citizens and visitors."""
    if user is None or not user.is_authenticated:
        return None
    roles = set(getattr(user, "roles", None) or [])
    if getattr(user, "is_superuser", False):
        roles.add("admin")
    for role, url, label in WORKSPACES:
        if role in roles:
            return {"role": role, "url": url, "label": label}
    return None


def citizen_view_chosen(request: HttpRequest) -> bool:
    """Whether this staff member switched to the citizen's view in this session."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(CITIZEN_VIEW_KEY))
