"""Pages of teams: a citizen's teams and invitations (phone), an agency's teams and members (desktop).

They write through the JSON API (static/js/tasks_app-actions.js), whose rules the persona matrix holds.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Agency
from core.errors import ForbiddenError
from tasks_app import selectors


@login_required
def my_teams_page(request: HttpRequest) -> HttpResponse:
    """My teams, invitations waiting for me, and open teams I may join."""
    teams = list(selectors.teams_visible(user=request.user))
    context = {
        "mine": [team for team in teams if team.is_member],
        "open_teams": [team for team in teams if team.is_open and not team.is_member],
        "invitations": list(selectors.invitation_list_for_user(user=request.user)),
        "staff_agency_ids": set(request.user.agency_memberships.values_list("agency_id", flat=True)),
    }
    return render(request, "tasks_app/my_teams.html", context)


@login_required
def staff_teams_page(request: HttpRequest) -> HttpResponse:
    """The agency's teams with their members and pending invitations; make, invite, remove."""
    try:
        agency_ids = selectors.staff_agency_ids(user=request.user)
    except ForbiddenError:
        return render(request, "tasks_app/forbidden.html", status=403)
    teams = list(selectors.teams_visible(user=request.user).filter(agency_id__in=agency_ids))
    for team in teams:
        team.member_rows = list(selectors.team_members(team=team))
        team.pending = list(selectors.team_invitations_pending(team=team))
    agencies = list(Agency.objects.filter(pk__in=agency_ids).order_by("name"))
    return render(request, "tasks_app/staff_teams.html", {"teams": teams, "agencies": agencies})
