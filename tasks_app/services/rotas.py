"""Standing rotas: a recurring patrol whose shifts become tasks ahead of time, each funded as it is made.

rota_make_tasks makes the shifts of the next settings.FUBI_ROTA_DAYS_AHEAD days of the city's
calendar through the same services as a hand-made task (task_create, then task_publish: the budget
check and the escrow are theirs). Each shift is inserted once: the unique constraint on
(rota, shift_date, shift_kind) decides, so running the job twice, or from two connections at once,
makes each shift's task once. A shift the budget cannot cover stops the run; the rota keeps why
(funding_stopped_at, funding_note) until a later run funds a shift again.

Pausing stops making shifts and keeps those already made (they are funded and may be claimed);
ending also cancels the made shifts that have not started, their escrow back to the agency.
"""

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, User
from accounts.selectors import grid_innermost_containing
from core.outbox import outbox_enqueue
from ledger.errors import InsufficientFundsError
from tasks_app.errors import RotaEndedError, RotaInvalidError
from tasks_app.models import Audience, Category, Rota, RotaShift, RotaStatus, ShiftKind, Task, TaskStatus, Team
from tasks_app.services.tasks import task_cancel, task_create, task_publish

logger = logging.getLogger(__name__)
SHIFT_CONSTRAINT = "task_rota_shift_once"
MAKE_TASK = "tasks_app.tasks.rota_make_tasks_task"


def _city() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def rota_validate(*, fields: dict[str, Any], shifts: list[dict], team: Team | None, agency: Agency) -> None:
    """Checks the schema cannot express; raises RotaInvalidError naming the field."""
    weekdays = fields["weekdays"]
    if not weekdays or len(set(weekdays)) != len(weekdays) or not all(1 <= day <= 7 for day in weekdays):
        raise RotaInvalidError(_("Choose days of the week, each once (1 Monday … 7 Sunday)."), field="weekdays")
    kinds = [shift["kind"] for shift in shifts]
    if not shifts or len(set(kinds)) != len(kinds) or not set(kinds) <= set(ShiftKind.values):
        raise RotaInvalidError(_("Give each shift kind (day, evening, night) at most once."), field="shifts")
    for shift in shifts:
        if shift["starts"] == shift["ends"]:
            raise RotaInvalidError(_("A shift must end at another time than it starts."), field="shifts")
        if fields.get("min_minutes", 0) > _shift_minutes(shift["starts"], shift["ends"]):
            raise RotaInvalidError(_("The minimum time on site is longer than a shift."), field="min_minutes")
    if fields.get("ends_on") and fields["ends_on"] < fields["starts_on"]:
        raise RotaInvalidError(_("The last day comes before the first."), field="ends_on")
    if fields.get("category", Category.NIGHT_PATROL) not in Category.values:
        raise RotaInvalidError(_("Unknown category."), field="category")
    if team is not None and team.agency_id != agency.pk:
        raise RotaInvalidError(_("The team must be one of the agency's."), field="team_id")


def _shift_minutes(starts: Any, ends: Any) -> int:
    start = starts.hour * 60 + starts.minute
    end = ends.hour * 60 + ends.minute
    return (end - start) % (24 * 60)


@transaction.atomic
def rota_create(
    *, agency: Agency, created_by: User | None, shifts: list[dict], team: Team | None = None, **fields: Any
) -> Rota:
    """A standing rota of the agency with its shifts; its first shifts are made after commit.

    Raises RotaInvalidError.
    """
    rota_validate(fields=fields, shifts=shifts, team=team, agency=agency)
    grid = grid_innermost_containing(lat=fields["lat"], lon=fields["lon"])
    rota = Rota.objects.create(agency=agency, created_by=created_by, team=team, grid=grid, **fields)
    RotaShift.objects.bulk_create(RotaShift(rota=rota, **shift) for shift in shifts)
    outbox_enqueue(task=MAKE_TASK, key=f"rota:{rota.pk}:created", args=[rota.pk])
    return rota


def shift_window(*, day: date, shift: RotaShift) -> tuple[datetime, datetime]:
    """A shift's start and end on the given day of the city's calendar (a night shift ends next day)."""
    starts_at = datetime.combine(day, shift.starts, tzinfo=_city())
    ends_day = day if shift.ends > shift.starts else day + timedelta(days=1)
    return starts_at, datetime.combine(ends_day, shift.ends, tzinfo=_city())


def rota_days_ahead(*, rota: Rota, now: datetime) -> list[date]:
    """The rota's days among the next FUBI_ROTA_DAYS_AHEAD days of the city's calendar, today first."""
    today = timezone.localtime(now, _city()).date()
    days = (today + timedelta(days=offset) for offset in range(settings.FUBI_ROTA_DAYS_AHEAD))
    return [
        day
        for day in days
        if day.isoweekday() in rota.weekdays and day >= rota.starts_on and (rota.ends_on is None or day <= rota.ends_on)
    ]


def _shift_task_make(*, rota: Rota, day: date, shift: RotaShift, starts_at: datetime, ends_at: datetime) -> bool:
    """Make and fund one shift's task; False when it exists already (the unique constraint says so).

    Raises InsufficientFundsError (nothing of the shift is kept then).
    """
    try:
        with transaction.atomic():
            task = task_create(
                agency=rota.agency,
                created_by=rota.created_by,
                title=rota.title,
                description=rota.description,
                category=rota.category,
                lat=rota.lat,
                lon=rota.lon,
                address=rota.address,
                radius_m=rota.radius_m,
                starts_at=starts_at,
                ends_at=ends_at,
                headcount=rota.headcount,
                points=rota.points,
                min_minutes=rota.min_minutes,
                auto_approve=rota.auto_approve,
                team=rota.team,
                audience=Audience.TEAM if rota.team_id else Audience.ALL,
                rota=rota,
                shift_date=day,
                shift_kind=shift.kind,
            )
            task_publish(task=task)
    except IntegrityError as error:
        if SHIFT_CONSTRAINT not in str(error):
            raise
        return False
    return True


def rota_make_tasks(*, rota_id: int, now: datetime | None = None) -> int:
    """Make the rota's missing shifts of the days ahead (each in its own transaction); returns how many.

    Safe to run twice and concurrently. A shift the budget cannot cover stops the run and is recorded
    on the rota; a later run that funds a shift clears it.
    """
    now = now or timezone.now()
    rota = Rota.objects.select_related("agency", "team", "created_by").filter(pk=rota_id).first()
    if rota is None or rota.status != RotaStatus.ACTIVE:
        return 0
    shifts = list(rota.shifts.all())
    made = 0
    for day in rota_days_ahead(rota=rota, now=now):
        for shift in shifts:
            starts_at, ends_at = shift_window(day=day, shift=shift)
            if ends_at <= now:
                continue
            try:
                made += _shift_task_make(rota=rota, day=day, shift=shift, starts_at=starts_at, ends_at=ends_at)
            except InsufficientFundsError:
                _funding_stopped(rota=rota, day=day, shift=shift, now=now)
                return made
    if rota.funding_stopped_at is not None:
        Rota.objects.filter(pk=rota.pk).update(funding_stopped_at=None, funding_note="", updated_at=now)
    return made


def _funding_stopped(*, rota: Rota, day: date, shift: RotaShift, now: datetime) -> None:
    note = f"{day.isoformat()} {shift.kind}"
    logger.warning("rota %s: the agency's budget cannot fund the shift %s", rota.pk, note)
    Rota.objects.filter(pk=rota.pk).update(funding_stopped_at=now, funding_note=note, updated_at=now)


def rotas_active_ids() -> list[int]:
    """Every active rota, for the beat job."""
    return list(Rota.objects.filter(status=RotaStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))


def _rota_status_set(*, rota: Rota, status: str) -> tuple[Rota, bool]:
    """Lock the rota and move it to `status`; (rota, whether it changed). Raises RotaEndedError."""
    rota = Rota.objects.select_for_update().get(pk=rota.pk)
    if rota.status == RotaStatus.ENDED:
        raise RotaEndedError(rota_id=rota.pk)
    if rota.status == status:
        return rota, False
    rota.status = status
    rota.save(update_fields=["status", "updated_at"])
    return rota, True


@transaction.atomic
def rota_pause(*, rota: Rota) -> Rota:
    """Stop making shifts; those made stay. Pausing a paused rota changes nothing. Raises RotaEndedError."""
    return _rota_status_set(rota=rota, status=RotaStatus.PAUSED)[0]


@transaction.atomic
def rota_resume(*, rota: Rota) -> Rota:
    """Make shifts again (the missing ones of the days ahead are made after commit). Raises RotaEndedError."""
    rota, changed = _rota_status_set(rota=rota, status=RotaStatus.ACTIVE)
    if changed:
        outbox_enqueue(task=MAKE_TASK, key=f"rota:{rota.pk}:resumed:{timezone.now().isoformat()}", args=[rota.pk])
    return rota


@transaction.atomic
def rota_end(*, rota: Rota, user: User | None = None, now: datetime | None = None) -> Rota:
    """End the rota for good: no more shifts, and its shifts that have not started are cancelled
    (claims on them cancelled, escrow back to the agency). Shifts under way run to their end.
    Ending an ended rota changes nothing."""
    now = now or timezone.now()
    rota = Rota.objects.select_for_update().get(pk=rota.pk)
    if rota.status == RotaStatus.ENDED:
        return rota
    rota.status = RotaStatus.ENDED
    rota.save(update_fields=["status", "updated_at"])
    upcoming = Task.objects.filter(rota=rota, status__in=[TaskStatus.DRAFT, TaskStatus.OPEN], starts_at__gt=now)
    for task in upcoming.order_by("pk"):
        task_cancel(task=task, user=user)
    return rota
