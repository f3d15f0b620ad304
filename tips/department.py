"""Departments (立码办): the agency a case is assigned to works it in its own queue.

Staff of the assigned agency see the cases assigned to it (`GET /cases`, `GET /cases/{id}`, the
staff case pages), exactly as grid staff see them (an anonymous reporter hidden), and nothing else:
a case of another department is 404. They take two actions of POST /cases/{id}/transition:

- `report_back` (assigned → assigned): a note, and photos through POST /cases/{id}/report-back
  (the tip photo pipeline: checked, re-encoded, no EXIF); a timeline step the reporter sees;
- `hand_back` (assigned → accepted): the case returns to the grid centre's desk with a note (an
  internal step: the reporter sees no step, as for escalations); the department loses it.

The grid centre verifies and closes as before. Nobody acts on their own tip (403 own_tip).

The department's clock: on assignment it must report back within FUBI_DEPARTMENT_RESPOND_HOURS;
`department_escalate_overdue` (run by the minutely escalation job) escalates a case that missed it,
once, to the staff of the case's grid (the grid centre), as the grid's own SLA escalates upwards.

Locks: a department step locks the tip row, as every transition does.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AgencyMembership, Grid, GridMembership, Role, User
from core.errors import ForbiddenError, InvalidError
from core.events import publish
from tips import photos as photo_checks
from tips import selectors
from tips.errors import CaseNotFoundError, InvalidTransitionError, NotGridStaffError, OwnTipError, TooManyPhotosError
from tips.models import CaseAction, CaseEvent, Tip, TipStatus
from tips.photo_store import photo_files_atomic, tip_photos_store

DEPARTMENT_ACTIONS: tuple[str, ...] = (CaseAction.REPORT_BACK, CaseAction.HAND_BACK)
MAX_NOTE = 2000
ESCALATION_STAGE = "respond"  # the stage named in "case.escalated" and the escalation step's data


class NotDepartmentStaffError(ForbiddenError):
    code = "forbidden"
    default_message = gettext_lazy("Only staff of the department the case is assigned to can do this.")


def respond_hours() -> int:
    return int(getattr(settings, "FUBI_DEPARTMENT_RESPOND_HOURS", 24))


# --- who sees what ----------------------------------------------------------------------------------


def department_agency_ids(*, user: User) -> list[int]:
    """The agencies whose assigned cases this user works: their agencies, as agency staff."""
    if not user.has_role(Role.AGENCY_STAFF):
        return []
    return list(AgencyMembership.objects.filter(user=user, agency__is_active=True).values_list("agency_id", flat=True))


def viewer_grid_ids(*, user: User) -> list[int]:
    """The grids whose cases the user handles as grid staff; [] for a department's staff."""
    try:
        return selectors.staff_grid_ids(user=user)
    except NotGridStaffError:
        return []


def case_scope(*, user: User) -> Q:
    """The cases a staff member sees: those of their grids, and those assigned to their agencies.

    Raises NotGridStaffError (403) for someone who is neither grid staff nor agency staff.
    """
    agency_ids = department_agency_ids(user=user)
    try:
        grid_ids = selectors.staff_grid_ids(user=user)
    except NotGridStaffError:
        if not user.has_role(Role.AGENCY_STAFF):
            raise
        grid_ids = []
    return Q(grid_id__in=grid_ids) | Q(assignee_id__in=agency_ids)


def case_get_for_viewer(*, user: User, case_id: int) -> Tip:
    """One case of the user's grids or assigned to their agency; NotFound for "no such case" and
    "not yours" alike, NotGridStaffError for citizens and other roles."""
    tip = (
        Tip.objects.filter(case_scope(user=user), pk=case_id)
        .select_related("category", "grid", "assignee", "duplicate_of", "escalated_to", "reporter")
        .first()
    )
    if tip is None:
        raise CaseNotFoundError(case_id=case_id)
    return tip


def case_get_for_department(*, user: User, case_id: int) -> Tip:
    """One case assigned to the user's agency: 403 for someone who is no agency staff (grid staff
    included: a department's steps are the department's), 404 for any other case."""
    if not user.has_role(Role.AGENCY_STAFF):
        raise NotDepartmentStaffError()
    tip = (
        Tip.objects.filter(pk=case_id, assignee_id__in=department_agency_ids(user=user))
        .select_related("category", "grid", "assignee", "reporter")
        .first()
    )
    if tip is None:
        raise CaseNotFoundError(case_id=case_id)
    return tip


def case_get_handed_back(*, user: User, case_id: int) -> Tip:
    """A case whose last step is the user's hand_back (the answer to that step); NotFound otherwise."""
    last = CaseEvent.objects.filter(tip_id=case_id).order_by("-created_at", "-id").first()
    if last is None or last.action != CaseAction.HAND_BACK or last.actor_id != user.pk:
        raise CaseNotFoundError(case_id=case_id)
    return Tip.objects.select_related("category", "grid", "assignee", "duplicate_of", "escalated_to", "reporter").get(
        pk=case_id
    )


def case_get_for_action(*, user: User, case_id: int, action: str) -> Tip:
    """The case for one action of POST /cases/{id}/transition: a department's action needs the
    case assigned to the user's agency; every other action needs the case in the user's grids."""
    if action in DEPARTMENT_ACTIONS:
        return case_get_for_department(user=user, case_id=case_id)
    return selectors.case_get_for_staff(user=user, case_id=case_id)


def user_is_case_department(*, user: User, tip: Tip) -> bool:
    return tip.assignee_id is not None and tip.assignee_id in department_agency_ids(user=user)


# --- the department's steps -------------------------------------------------------------------------


def department_clock_start(*, tip: Tip, now: datetime) -> list[str]:
    """Start the assigned department's clock on the tip (not saved); answers the fields changed."""
    tip.assigned_at = now
    tip.respond_due_at = now + timedelta(hours=respond_hours())
    tip.responded_at = None
    tip.respond_escalated_at = None
    return ["assigned_at", "respond_due_at", "responded_at", "respond_escalated_at"]


def case_department_step(
    *, tip: Tip, actor: User, action: str, note: str = "", photos: Sequence[UploadedFile] = ()
) -> Tip:
    """report_back or hand_back by staff of the assigned department (module docstring).

    Photos are checked and re-encoded before anything is written. Raises CaseNotFoundError (404: the
    case is not, or no longer, assigned to the actor's agency), OwnTipError (403),
    InvalidTransitionError (409: the case is not assigned), InvalidError (422: no note), the photo
    errors (413/415/422); on any error nothing changes.
    """
    note = _department_input_clean(action=action, note=note, photos=photos)
    cleaned = [photo_checks.photo_clean(upload, index=i) for i, upload in enumerate(photos)]
    with photo_files_atomic() as saved_files:
        tip = _department_case_lock(tip=tip, actor=actor, action=action)
        event = _department_step_record(tip=tip, actor=actor, action=action, note=note)
        if cleaned:
            tip_photos_store(tip=tip, event=event, cleaned=cleaned, saved=saved_files)
            photo_ids = list(event.photos.order_by("position").values_list("id", flat=True))
            event.data = {**event.data, "photo_ids": photo_ids}
            event.save(update_fields=["data", "updated_at"])
        if action == CaseAction.REPORT_BACK:
            status = tip.status
            transaction.on_commit(lambda: publish("tip.status_changed", user=tip.reporter, obj=tip, status=status))
    return tip


def _department_input_clean(*, action: str, note: str, photos: Sequence[UploadedFile]) -> str:
    """The note, stripped, once the action, the note and the number of photos are acceptable."""
    if action not in DEPARTMENT_ACTIONS:
        raise InvalidError(f"Unknown action {action!r}.", field="action", allowed=list(DEPARTMENT_ACTIONS))
    note = (note or "").strip()
    if "\x00" in note:
        raise InvalidError("note contains a NUL character.", field="note")
    if len(note) > MAX_NOTE:
        raise InvalidError(f"The note is longer than {MAX_NOTE} characters.", field="note")
    if not note:
        raise InvalidError(_("Say what the department found or did (a note)."), field="note")
    if photos and action != CaseAction.REPORT_BACK:
        raise InvalidError(_("Only a report back carries photos."), field="photos")
    if len(photos) > photo_checks.MAX_PHOTOS:
        raise TooManyPhotosError(max_photos=photo_checks.MAX_PHOTOS, got=len(photos))
    return note


def _department_case_lock(*, tip: Tip, actor: User, action: str) -> Tip:
    """The case's row, locked, while it is still assigned to the actor's department and not theirs."""
    tip = Tip.objects.select_for_update(of=("self",)).select_related("category", "grid", "assignee").get(pk=tip.pk)
    if not user_is_case_department(user=actor, tip=tip):
        raise CaseNotFoundError(case_id=tip.pk)  # handed back or reassigned meanwhile
    if selectors.case_reported_by(cases=[tip], user=actor):
        raise OwnTipError(case_id=tip.pk)
    if tip.status != TipStatus.ASSIGNED:
        raise InvalidTransitionError(
            f"Cannot {action} a case that is {tip.status}.",
            action=action,
            status=tip.status,
            allowed_from=[TipStatus.ASSIGNED],
        )
    return tip


def _department_step_record(*, tip: Tip, actor: User, action: str, note: str) -> CaseEvent:
    """A report back stamps the first response; a hand back returns the case to the accepted queue."""
    now = timezone.now()
    agency = tip.assignee
    data: dict[str, Any] = {"agency": {"id": agency.id, "name": agency.name}}
    if action == CaseAction.REPORT_BACK:
        target, fields = TipStatus.ASSIGNED, ["updated_at"]
        if tip.responded_at is None:
            tip.responded_at = now
            fields.append("responded_at")
    else:
        target, fields = TipStatus.ACCEPTED, ["status", "assignee", "respond_due_at", "updated_at"]
        tip.status, tip.assignee, tip.respond_due_at = TipStatus.ACCEPTED, None, None
    tip.save(update_fields=fields)
    return CaseEvent.objects.create(
        tip=tip, action=action, actor=actor, from_status=TipStatus.ASSIGNED, to_status=target, note=note, data=data
    )


# --- the department's clock -------------------------------------------------------------------------


def department_overdue_filter(now: datetime) -> Q:
    """Assigned cases whose department has not reported back in time and were not escalated yet."""
    return Q(
        status=TipStatus.ASSIGNED,
        responded_at__isnull=True,
        respond_escalated_at__isnull=True,
        respond_due_at__lt=now,
    )


def department_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every assigned case whose department missed its clock to the grid centre's staff,
    once per assignment; returns how many. Safe to run twice (escalated cases are skipped)."""
    now = now or timezone.now()
    ids = list(Tip.objects.filter(department_overdue_filter(now)).values_list("id", flat=True).order_by("id"))
    done = 0
    for first in range(0, len(ids), ESCALATION_CHUNK):
        done += _escalate_chunk(ids[first : first + ESCALATION_CHUNK], now)
    return done


ESCALATION_CHUNK = 200


def _grid_centre_staff(grid: Grid) -> tuple[Grid, list[User]]:
    """The staff of the case's grid; when it has none, of the first grid above it that has some."""
    for node in [grid, *grid.ancestors()]:
        ids = GridMembership.objects.filter(grid=node).values_list("user_id", flat=True)
        staff = list(User.objects.filter(id__in=ids, is_active=True).order_by("id"))
        if staff:
            return node, staff
    return grid, []


@transaction.atomic
def _escalate_chunk(ids: list[int], now: datetime) -> int:
    # A tip someone is moving right now is skipped and caught by the next sweep a minute later.
    tips = list(
        Tip.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("grid__parent", "assignee")
        .filter(department_overdue_filter(now), pk__in=ids)
        .order_by("id")
    )
    alerts: list[tuple[User, Tip, int]] = []
    for tip in tips:
        target, staff = _grid_centre_staff(tip.grid)
        tip.respond_escalated_at = now
        tip.save(update_fields=["respond_escalated_at", "updated_at"])
        CaseEvent.objects.create(
            tip=tip,
            action=CaseAction.ESCALATE,
            actor=None,
            from_status=tip.status,
            to_status=tip.status,
            note="",  # shown from data in the reader's language (tips.selectors._step_summary)
            data={
                "stage": ESCALATION_STAGE,
                "grid_id": target.id,
                "agency_id": tip.assignee_id,
                "due_at": tip.respond_due_at.isoformat(),
            },
        )
        alerts += [(user, tip, target.id) for user in staff]
    # One "case.escalated" per staff member (the inbox's cause key is per tip, stage and person).
    transaction.on_commit(lambda: _escalation_publish(alerts))
    return len(tips)


def _escalation_publish(alerts: list[tuple[User, Tip, int]]) -> None:
    for user, tip, grid_id in alerts:
        publish("case.escalated", user=user, obj=tip, stage=ESCALATION_STAGE, grid_id=grid_id)
