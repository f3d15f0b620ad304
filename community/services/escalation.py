"""Unanswered requests climb, as case SLAs do (tips.services.escalation): past respond_by to the
station's duty desk (whoever is on duty, else every staff member of the station), then, still
unanswered one more respond period later or unresolved past resolve_by, to the station's lead."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from community import events
from community.models import DutyDesk, Request, RequestStage, RequestStatus
from community.selectors import desk_on_duty

CHUNK = 200


def _due_filter(now: datetime) -> Q:
    respond = timedelta(hours=settings.FUBI_GROUP_RESPOND_HOURS)
    to_desk = Q(status=RequestStatus.OPEN, escalation_stage=RequestStage.NONE, respond_by__lt=now)
    to_lead = Q(status=RequestStatus.OPEN, escalation_stage=RequestStage.DESK, respond_by__lt=now - respond) | (
        ~Q(status=RequestStatus.RESOLVED) & ~Q(escalation_stage=RequestStage.LEAD) & Q(resolve_by__lt=now)
    )
    return to_desk | to_lead


def request_stage_due(request: Request, now: datetime) -> str | None:
    """The stage a request has reached by `now`, if it is past its current one."""
    respond = timedelta(hours=settings.FUBI_GROUP_RESPOND_HOURS)
    if request.status == RequestStatus.RESOLVED or request.escalation_stage == RequestStage.LEAD:
        return None
    late_answer = request.status == RequestStatus.OPEN and request.respond_by < now - respond
    if (request.escalation_stage == RequestStage.DESK and late_answer) or request.resolve_by < now:
        return RequestStage.LEAD
    if (
        request.status == RequestStatus.OPEN
        and request.escalation_stage == RequestStage.NONE
        and request.respond_by < now
    ):
        return RequestStage.DESK
    return None


def request_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every request past its clock, once per stage; returns how many moved. Safe to run
    twice: a request already at its stage is skipped."""
    now = now or timezone.now()
    ids = list(Request.objects.filter(_due_filter(now)).order_by("id").values_list("id", flat=True))
    return sum(_escalate_chunk(ids[first : first + CHUNK], now) for first in range(0, len(ids), CHUNK))


def _station_staff(station_id: int | None) -> list[User]:
    if station_id is None:
        return []
    return list(User.objects.filter(agency_memberships__agency_id=station_id, is_active=True).order_by("id"))


def _targets(request: Request, stage: str, now: datetime) -> list[User]:
    station_id = request.group.station_id
    if stage == RequestStage.LEAD:
        desk = DutyDesk.objects.filter(station_id=station_id).select_related("lead").first()
        if desk is not None and desk.lead is not None:
            return [desk.lead]
        return _station_staff(station_id)
    return desk_on_duty(station_id=station_id, at=now) or _station_staff(station_id)


@transaction.atomic
def _escalate_chunk(ids: list[int], now: datetime) -> int:
    # skip_locked: a request an officer is answering right now is looked at again next minute
    requests = list(
        Request.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("group", "post", "assignee")
        .filter(pk__in=ids)
        .order_by("id")
    )
    moved = 0
    for request in requests:
        stage = request_stage_due(request, now)
        if stage is None:
            continue
        users = _targets(request, stage, now)
        request.escalation_stage, request.escalated_at = stage, now
        fields = ["escalation_stage", "escalated_at", "updated_at"]
        if stage == RequestStage.DESK and users:
            request.assignee, request.via_desk = users[0], True
            fields += ["assignee", "via_desk"]
        request.save(update_fields=fields)
        events.request_event_on_commit("request.escalated", request, users=users, stage=stage)
        moved += 1
    return moved
