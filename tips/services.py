"""Every write of the tips app: submitting tips, moving cases through their states, escalating
overdue cases, paying rewards (through the ledger), place codes and partner keys.

Nobody is notified from here directly: domain events (core.events, after commit) tell the reporter
("tip.submitted", "tip.status_changed", "tip.verified") and staff ("case.sos", "case.escalated", one
per staff member, obj the tip: an anonymous reporter is never part of them); engagement turns them
into inbox messages and emails.

Locks: a transition locks its tip row; mark_duplicate locks both tips in id order. Points move only
through ledger.services, with idempotency keys derived from the tip (f"tip:{id}:reward").
"""

import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, AgencyKind, Grid, GridMembership, Role, User
from accounts.selectors import grid_innermost_containing
from core.errors import InvalidError
from core.events import publish
from tips import photos as photo_checks
from tips.errors import (
    InvalidTransitionError,
    LocationRequiredError,
    NotCitizenError,
    OutsideServiceAreaError,
    RewardBudgetMissingError,
    TooManyPhotosError,
    UnknownCategoryError,
    UnknownPlaceCodeError,
)
from tips.models import (
    OPEN_STATES,
    CaseAction,
    CaseEvent,
    EscalationStage,
    PartnerApiKey,
    PlaceCode,
    Tip,
    TipCategory,
    TipKind,
    TipPhoto,
    TipSource,
    TipStatus,
    private_storage,
)

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
MAX_NOTE = 2000
MAX_REWARD_POINTS = 100_000
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone

# action → (states it starts from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    CaseAction.ACCEPT: ((TipStatus.SUBMITTED,), TipStatus.ACCEPTED),
    CaseAction.ASSIGN: ((TipStatus.ACCEPTED,), TipStatus.ASSIGNED),
    CaseAction.VERIFY: ((TipStatus.ASSIGNED,), TipStatus.VERIFIED),
    CaseAction.RESOLVE: ((TipStatus.VERIFIED,), TipStatus.RESOLVED),
    CaseAction.REJECT: (OPEN_STATES, TipStatus.REJECTED),
    CaseAction.MARK_DUPLICATE: (OPEN_STATES, TipStatus.DUPLICATE),
}


# The issue's categories (the data migration 0002 holds the same list): code, zh, en, accept
# minutes, verify hours, default reward, listed publicly in Open311.
DEFAULT_CATEGORIES = [
    ("drugs", "涉毒线索", "Drug activity", 15, 24, 500, False),
    ("fighting", "打架斗殴", "Fighting", 10, 12, 200, False),
    ("mental_health", "疑似未登记精神障碍患者", "Possibly unregistered mentally ill person", 15, 24, 10000, False),
    ("suspicious_person", "可疑或在逃人员", "Suspicious or wanted person", 15, 24, 1000, False),
    ("urban_management", "城市管理问题", "Urban-management problem", 60, 72, 50, True),
    ("fire_hazard", "消防安全隐患", "Fire or safety hazard", 30, 24, 100, True),
    ("other", "其他", "Other", 60, 72, 20, True),
]


def categories_ensure() -> int:
    """Create the default categories that are missing (an administrator's edits are kept)."""
    created = 0
    for position, (code, zh, en, accept, verify, reward, public) in enumerate(DEFAULT_CATEGORIES):
        _category, made = TipCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "accept_minutes": accept,
                "verify_hours": verify,
                "default_reward_points": reward,
                "is_public": public,
                "position": position,
            },
        )
        created += made
    return created


def sos_accept_minutes() -> int:
    return int(getattr(settings, "FUBI_SOS_ACCEPT_MINUTES", 5))


# --- submission -----------------------------------------------------------------------------------


def _refuse_nul(field: str, value: str | None) -> None:
    # PostgreSQL text cannot hold NUL: refuse it as bad input instead of failing in the driver.
    if value and "\x00" in value:
        raise InvalidError(f"{field} contains a NUL character.", field=field)


def _new_reference(now) -> str:
    return f"T{now:%y%m%d}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def tip_submit(
    *,
    reporter: User,
    category_code: str,
    description: str,
    lat: float | None,
    lon: float | None,
    anonymous: bool = False,
    place_code: str | None = None,
    kind: str = TipKind.NORMAL,
    photos: Sequence[UploadedFile] = (),
    source: str = TipSource.APP,
    address: str = "",
) -> Tip:
    """Report a tip: check everything (photos included) first, then write the tip, its photos and
    its first event in one transaction, routed to the innermost grid containing the location.

    Raises NotCitizenError, UnknownCategoryError, UnknownPlaceCodeError, LocationRequiredError,
    OutsideServiceAreaError, TooManyPhotosError, InvalidError, and the photo errors (413/415/422).
    Nothing is stored when any check fails.
    """
    if source == TipSource.APP and not reporter.has_role(Role.CITIZEN):
        raise NotCitizenError()
    for name, value in (("category", category_code), ("description", description), ("place_code", place_code)):
        _refuse_nul(name, value)
    category = TipCategory.objects.filter(code=category_code, is_active=True).first()
    if category is None:
        raise UnknownCategoryError(f"No such tip category: {category_code!r}.", category=category_code)
    if kind not in TipKind.values:
        raise InvalidError("kind must be normal or sos.", field="kind")
    description = (description or "").strip()
    if not description and kind != TipKind.SOS:
        raise InvalidError(_("Describe what you saw."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidError(f"The description is longer than {MAX_DESCRIPTION} characters.", field="description")
    place = None
    if place_code:
        place = PlaceCode.objects.filter(code=place_code.strip(), is_active=True).first()
        if place is None:
            raise UnknownPlaceCodeError(f"No such place code: {place_code!r}.", place_code=place_code)
    if (lat is None) != (lon is None):
        raise LocationRequiredError("Give both lat and lon, or neither with a place code.")
    if lat is None:
        if place is None:
            raise LocationRequiredError()
        lat, lon = place.lat, place.lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidError("lat must be within ±90 and lon within ±180.", field="lat")
    grid = grid_innermost_containing(lat=lat, lon=lon)
    if grid is None:
        raise OutsideServiceAreaError(lat=lat, lon=lon)
    if len(photos) > photo_checks.MAX_PHOTOS:
        raise TooManyPhotosError(max_photos=photo_checks.MAX_PHOTOS, got=len(photos))
    # Every photo is checked and re-encoded in memory before a single row or file is written.
    cleaned = [photo_checks.photo_clean(upload, index=i) for i, upload in enumerate(photos)]

    now = timezone.now()
    accept_minutes = category.accept_minutes
    if kind == TipKind.SOS:
        accept_minutes = min(accept_minutes, sos_accept_minutes())
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            tip = _tip_create(
                reporter=reporter,
                anonymous=anonymous,
                kind=kind,
                source=source,
                category=category,
                description=description,
                lat=lat,
                lon=lon,
                address=address or (place.name if place else ""),
                place_code=place,
                grid=grid,
                accept_due_at=now + timedelta(minutes=accept_minutes),
                verify_due_at=now + timedelta(hours=category.verify_hours),
            )
            for position, clean in enumerate(cleaned):
                name = private_storage.save(f"{tip.id}/{uuid.uuid4().hex}.jpg", ContentFile(clean.content))
                saved_files.append(name)
                photo = TipPhoto.objects.create(
                    tip=tip,
                    position=position,
                    image=name,
                    width=clean.width,
                    height=clean.height,
                    byte_size=len(clean.content),
                    sha256=clean.sha256,
                    original_format=clean.original_format,
                )
                _thumbnail_on_commit(photo.id)
            CaseEvent.objects.create(
                tip=tip,
                action=CaseAction.SUBMIT,
                # An anonymous reporter is not recorded as the actor, so no event can reveal them.
                actor=None if anonymous else reporter,
                from_status="",
                to_status=TipStatus.SUBMITTED,
                note="",
                data={"kind": kind, "source": source},
            )
            _notify_status(tip)
            if kind == TipKind.SOS:
                _sos_alert(tip)
    except BaseException:
        for name in saved_files:  # the rows rolled back: do not leave their files behind
            private_storage.delete(name)
        raise
    return tip


def _tip_create(**fields: object) -> Tip:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Tip.objects.create(reference=_new_reference(timezone.now()), **fields)
        except IntegrityError as exc:
            if "reference" not in str(exc):
                raise
    raise RuntimeError("could not draw a unique tip reference")


def _thumbnail_on_commit(photo_id: int) -> None:
    from tips.tasks import make_photo_thumbnail_task

    transaction.on_commit(lambda: make_photo_thumbnail_task.delay(photo_id))


def photo_thumbnail_make(*, photo_id: int) -> bool:
    """Make the photo's thumbnail; skip when it already exists (safe to run twice)."""
    photo = TipPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return False
    if photo.thumbnail and private_storage.exists(photo.thumbnail.name):
        return False
    with private_storage.open(photo.image.name, "rb") as handle:
        content = handle.read()
    small = photo_checks.thumbnail_bytes(content)
    name = photo.image.name.rsplit(".", 1)[0] + "_thumb.jpg"
    if private_storage.exists(name):
        private_storage.delete(name)  # a half-finished earlier run
    name = private_storage.save(name, ContentFile(small))
    TipPhoto.objects.filter(pk=photo.pk).update(thumbnail=name, updated_at=timezone.now())
    return True


def photo_orphans_delete(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Delete photo files no row points to (left by a crash between writing a file and committing
    its row), once they are older than `older_than`; returns how many were deleted."""
    root = Path(private_storage.location)
    if not root.exists():
        return 0
    known = set(TipPhoto.objects.values_list("image", flat=True))
    known |= set(TipPhoto.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    deleted = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


# --- SOS --------------------------------------------------------------------------------------------


def grid_staff_users(grid: Grid, *, with_ancestors: bool = True) -> list[User]:
    """Staff who are members of the grid (and of the grids above it, who see it too)."""
    grids = [grid, *grid.ancestors()] if with_ancestors else [grid]
    ids = GridMembership.objects.filter(grid__in=grids).values_list("user_id", flat=True)
    return list(User.objects.filter(id__in=ids, is_active=True).order_by("id"))


def _sos_alert(tip: Tip) -> None:
    """After commit, alert every staff member of the grid (and the grids above) at once."""
    from tips.tasks import sos_alert_task

    transaction.on_commit(lambda: sos_alert_task.delay(tip.id))


def sos_alert_send(*, tip_id: int) -> int:
    """Publish "case.sos" to each of the grid's staff once per tip; returns how many were alerted.

    Engagement puts it in their inbox and emails it whatever their email opt-in (an alarm is part of
    the job). The events go out before the tip is marked, so a crash in between alerts twice rather
    than never; the inbox's cause key (one per tip and staff member) absorbs the repeat.
    """
    tip = Tip.objects.select_related("grid", "category").filter(pk=tip_id).first()
    if tip is None or tip.sos_alerted_at is not None:
        return 0
    staff = grid_staff_users(tip.grid)
    for user in staff:
        publish("case.sos", user=user, obj=tip)
    Tip.objects.filter(pk=tip.pk, sos_alerted_at__isnull=True).update(sos_alerted_at=timezone.now())
    return len(staff)


# --- the case queue ---------------------------------------------------------------------------------


def case_transition(
    *,
    tip: Tip,
    actor: User,
    action: str,
    note: str = "",
    assignee_id: int | None = None,
    duplicate_of: Tip | None = None,
    reward_points: int | None = None,
) -> Tip:
    """Move a case by one action (API.md), record the step, notify reporters, pay on verify.

    Assumes the caller checked the actor may act on this case (and on duplicate_of).
    Raises InvalidTransitionError (409), InvalidError (422), RewardBudgetMissingError and the
    ledger's InsufficientFundsError (409); on any error nothing changes.
    """
    if action not in TRANSITIONS:
        raise InvalidError(f"Unknown action {action!r}.", field="action", allowed=list(TRANSITIONS))
    note = (note or "").strip()
    _refuse_nul("note", note)
    _refuse_nul("action", action)
    if len(note) > MAX_NOTE:
        raise InvalidError(f"The note is longer than {MAX_NOTE} characters.", field="note")
    if reward_points is not None and not 0 <= reward_points <= MAX_REWARD_POINTS:
        raise InvalidError(f"reward_points must be between 0 and {MAX_REWARD_POINTS}.", field="reward_points")
    with transaction.atomic():
        if action == CaseAction.MARK_DUPLICATE:
            return _mark_duplicate(tip=tip, actor=actor, note=note, duplicate_of=duplicate_of, points=reward_points)
        tip = Tip.objects.select_for_update().select_related("category", "grid").get(pk=tip.pk)
        sources, target = TRANSITIONS[action]
        _check_from(tip, action, sources)
        now = timezone.now()
        data: dict[str, object] = {}
        fields = ["status", "updated_at"]
        if action == CaseAction.ACCEPT:
            tip.accepted_at = now
            fields.append("accepted_at")
        elif action == CaseAction.ASSIGN:
            agency = _assignee(tip, assignee_id)
            tip.assignee = agency
            fields.append("assignee")
            data["assignee"] = {"id": agency.id, "name": agency.name}
        elif action == CaseAction.VERIFY:
            tip.verified_at = now
            fields.append("verified_at")
        elif action in (CaseAction.RESOLVE, CaseAction.REJECT):
            tip.closed_at = now
            fields.append("closed_at")
        from_status = tip.status
        tip.status = target
        tip.save(update_fields=fields)
        CaseEvent.objects.create(
            tip=tip, action=action, actor=actor, from_status=from_status, to_status=target, note=note, data=data
        )
        _notify_status(tip)
        if action == CaseAction.VERIFY:
            points = reward_points
            if points is None:
                points = tip.category.default_reward_points if tip.source == TipSource.APP else 0
            _reward_pay(tip=tip, points=points, actor=actor, grid=tip.grid)
            for duplicate in tip.duplicates.select_for_update().order_by("id"):
                if duplicate.reward_points and duplicate.reward_paid_at is None:
                    _reward_pay(tip=duplicate, points=duplicate.reward_points, actor=actor, grid=tip.grid)
    return tip


def _check_from(tip: Tip, action: str, sources: tuple[str, ...]) -> None:
    if tip.status not in sources:
        raise InvalidTransitionError(
            f"Cannot {action} a case that is {tip.status}.",
            action=action,
            status=tip.status,
            allowed_from=list(sources),
        )


def _assignee(tip: Tip, assignee_id: int | None) -> Agency:
    if assignee_id is not None:
        agency = Agency.objects.filter(pk=assignee_id, is_active=True).first()
        if agency is None:
            raise InvalidError("No such agency to assign to.", field="assignee", assignee=assignee_id)
        return agency
    for grid in [tip.grid, *tip.grid.ancestors()]:
        if grid.handling_agency_id and grid.handling_agency.is_active:
            return grid.handling_agency
    raise InvalidError("This grid has no default handling agency: name an assignee.", field="assignee")


def _mark_duplicate(*, tip: Tip, actor: User, note: str, duplicate_of: Tip | None, points: int | None) -> Tip:
    if duplicate_of is None:
        raise InvalidError("Say which case this duplicates (duplicate_of).", field="duplicate_of")
    if duplicate_of.pk == tip.pk:
        raise InvalidError("A case cannot duplicate itself.", field="duplicate_of")
    # Both rows, in id order, so two opposite merges cannot deadlock.
    locked = {t.pk: t for t in Tip.objects.select_for_update().filter(pk__in=[tip.pk, duplicate_of.pk]).order_by("pk")}
    tip, primary = locked[tip.pk], locked[duplicate_of.pk]
    _check_from(tip, CaseAction.MARK_DUPLICATE, TRANSITIONS[CaseAction.MARK_DUPLICATE][0])
    if primary.status in (TipStatus.DUPLICATE, TipStatus.REJECTED):
        raise InvalidTransitionError(
            f"Case {primary.reference} is {primary.status}; merge into the case it belongs to.",
            action=CaseAction.MARK_DUPLICATE,
            duplicate_of=primary.pk,
            duplicate_of_status=primary.status,
        )
    now = timezone.now()
    from_status = tip.status
    tip.status = TipStatus.DUPLICATE
    tip.duplicate_of = primary
    tip.closed_at = now
    tip.reward_points = points or 0
    tip.save(update_fields=["status", "duplicate_of", "closed_at", "reward_points", "updated_at"])
    # Its own duplicates follow it to the primary, so every reporter stays informed.
    moved = list(Tip.objects.filter(duplicate_of=tip).values_list("id", flat=True))
    if moved:
        Tip.objects.filter(id__in=moved).update(duplicate_of=primary, updated_at=now)
    CaseEvent.objects.create(
        tip=tip,
        action=CaseAction.MARK_DUPLICATE,
        actor=actor,
        from_status=from_status,
        to_status=TipStatus.DUPLICATE,
        note=note,
        data={
            "duplicate_of": primary.pk,
            "duplicate_of_reference": primary.reference,
            "reward_points": tip.reward_points,
            "moved": moved,
        },
    )
    _notify_status(tip)
    if tip.reward_points and primary.status in (TipStatus.VERIFIED, TipStatus.RESOLVED):
        _reward_pay(tip=tip, points=tip.reward_points, actor=actor, grid=primary.grid)
    return tip


def reward_agency_for_grid(grid: Grid) -> Agency:
    """The grid centre that pays a grid's tip rewards: the first handling agency of kind grid_centre
    up the grid tree, else a grid-centre agency placed on one of those grids, else the top grid's
    handling agency.

    Raises RewardBudgetMissingError when there is none.
    """
    chain = [grid, *grid.ancestors()]
    for node in chain:
        agency = node.handling_agency
        if agency is not None and agency.kind == AgencyKind.GRID_CENTRE and agency.is_active:
            return agency
    for node in chain:
        agency = Agency.objects.filter(grid=node, kind=AgencyKind.GRID_CENTRE, is_active=True).order_by("id").first()
        if agency is not None:
            return agency
    top = chain[-1].handling_agency
    if top is not None and top.is_active:
        return top
    raise RewardBudgetMissingError(grid=grid.code)


def _reward_pay(*, tip: Tip, points: int, actor: User | None, grid: Grid) -> None:
    """Pay the tip's reporter once (the ledger key is the tip's); 0 points records the decision."""
    from ledger import services as ledger_services

    if tip.reward_paid_at is not None:
        return  # paid already: the ledger key would refuse a second payment anyway
    tip.reward_points = points
    fields = ["reward_points", "updated_at"]
    if points > 0:
        agency = reward_agency_for_grid(grid)
        txn = ledger_services.transfer_post(
            kind="tip_reward",
            source=ledger_services.agency_budget_account(agency),
            destination=ledger_services.citizen_account(tip.reporter),
            amount=points,
            idempotency_key=f"tip:{tip.id}:reward",
            memo=f"Tip {tip.reference} reward",
            ref=tip,
            initiated_by=actor,
        )
        tip.reward_transaction_id = txn.id
        tip.reward_paid_at = timezone.now()
        fields += ["reward_transaction_id", "reward_paid_at"]
        CaseEvent.objects.create(
            tip=tip,
            action=CaseAction.REWARD,
            actor=actor,
            from_status=tip.status,
            to_status=tip.status,
            note=f"+{points} FZB",
            data={"points": points, "transaction_id": txn.id, "agency_id": agency.id},
        )
        transaction.on_commit(lambda: publish("tip.verified", user=tip.reporter, obj=tip, points=points))
    tip.save(update_fields=fields)


def _notify_status(tip: Tip) -> None:
    """The reporter hears of every change; so do the reporters of tips merged into this one.

    Domain events (core.events, for engagement) after commit: "tip.submitted" or
    "tip.status_changed" to the reporter; to each merged tip's reporter a "tip.status_changed"
    about their own tip (obj) carrying the primary's status and reference.
    """
    event = "tip.submitted" if tip.status == TipStatus.SUBMITTED else "tip.status_changed"
    status = tip.status
    transaction.on_commit(lambda: publish(event, user=tip.reporter, obj=tip, status=status))
    if tip.status == TipStatus.DUPLICATE:
        return
    duplicates = list(Tip.objects.filter(duplicate_of=tip).select_related("reporter").order_by("id"))
    if duplicates:
        transaction.on_commit(lambda: _merged_status_publish(duplicates, primary=tip, status=status))


def _merged_status_publish(duplicates: list[Tip], *, primary: Tip, status: str) -> None:
    for duplicate in duplicates:
        publish(
            "tip.status_changed",
            user=duplicate.reporter,
            obj=duplicate,
            status=status,
            primary_id=primary.id,
            primary_reference=primary.reference,
        )


# --- SLA escalation ---------------------------------------------------------------------------------


def case_escalate_overdue(*, now=None) -> int:
    """Escalate every case past its SLA clock to the parent grid's staff, once per stage.

    Accept overdue: submitted past accept_due_at. Verify overdue: accepted or assigned past
    verify_due_at. Safe to run twice: a case already escalated for its stage is skipped.
    """
    from tips.selectors import overdue_filter

    now = now or timezone.now()
    # Only cases not yet escalated for the clock they missed: a second sweep is one cheap query.
    pending = Q(status=TipStatus.SUBMITTED) & ~Q(escalation_stage=EscalationStage.ACCEPT) | Q(
        status__in=[TipStatus.ACCEPTED, TipStatus.ASSIGNED]
    ) & ~Q(escalation_stage=EscalationStage.VERIFY)
    ids = list(Tip.objects.filter(overdue_filter(now) & pending).values_list("id", flat=True).order_by("id"))
    staff_by_grid: dict[int, list[User]] = {}
    done = 0
    for first in range(0, len(ids), ESCALATION_CHUNK):
        done += _escalate_chunk(ids[first : first + ESCALATION_CHUNK], now, staff_by_grid)
    return done


ESCALATION_CHUNK = 200


@transaction.atomic
def _escalate_chunk(ids: list[int], now, staff_by_grid: dict[int, list[User]]) -> int:
    # Lock the chunk's tips (not their grids); a tip a staff member is moving right now is skipped
    # and caught by the next sweep a minute later.
    tips = list(
        Tip.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("grid__parent")
        .filter(pk__in=ids)
        .order_by("id")
    )
    changed, events, alerts = [], [], []
    for tip in tips:
        stage = overdue_stage(tip, now)
        if stage is None or tip.escalation_stage == stage:
            continue  # moved or escalated meanwhile
        target = tip.grid.parent or tip.grid
        tip.escalation_stage, tip.escalated_to, tip.escalated_at, tip.updated_at = stage, target, now, now
        changed.append(tip)
        due = tip.accept_due_at if stage == EscalationStage.ACCEPT else tip.verify_due_at
        events.append(
            CaseEvent(
                tip=tip,
                action=CaseAction.ESCALATE,
                actor=None,
                from_status=tip.status,
                to_status=tip.status,
                note=f"{stage} deadline {due.isoformat()} missed; escalated to {target.name}",
                data={"stage": stage, "grid_id": target.id, "due_at": due.isoformat()},
            )
        )
        if target.id not in staff_by_grid:
            staff_by_grid[target.id] = grid_staff_users(target, with_ancestors=False)
        alerts += [(user, tip, stage, target.id) for user in staff_by_grid[target.id]]
    Tip.objects.bulk_update(changed, ["escalation_stage", "escalated_to", "escalated_at", "updated_at"])
    CaseEvent.objects.bulk_create(events)
    # One "case.escalated" per staff member of the target grid, after commit (the cause key in the
    # inbox is per tip, stage and staff member, so a replayed sweep adds nothing).
    transaction.on_commit(lambda: _escalation_publish(alerts))
    return len(changed)


def _escalation_publish(alerts: list[tuple[User, Tip, str, int]]) -> None:
    for user, tip, stage, grid_id in alerts:
        publish("case.escalated", user=user, obj=tip, stage=stage, grid_id=grid_id)


def overdue_stage(tip: Tip, now) -> str | None:
    """Which SLA clock the case has missed right now, if any."""
    if tip.status == TipStatus.SUBMITTED and tip.accept_due_at < now:
        return EscalationStage.ACCEPT
    if tip.status in (TipStatus.ACCEPTED, TipStatus.ASSIGNED) and tip.verify_due_at < now:
        return EscalationStage.VERIFY
    return None


# --- place codes, partner keys ----------------------------------------------------------------------


@transaction.atomic
def place_code_create(*, code: str, name: str, lat: float, lon: float) -> PlaceCode:
    """Create or update a printed place code, routed to the grid containing it (idempotent).

    Raises OutsideServiceAreaError.
    """
    grid = grid_innermost_containing(lat=lat, lon=lon)
    if grid is None:
        raise OutsideServiceAreaError(lat=lat, lon=lon)
    place, _ = PlaceCode.objects.update_or_create(
        code=code, defaults={"name": name, "lat": lat, "lon": lon, "grid": grid, "is_active": True}
    )
    return place


def partner_api_key_issue(*, name: str, user: User) -> tuple[PartnerApiKey, str]:
    """Issue an Open311 key for a partner system; the raw key is returned once and never stored."""
    raw = "fk_" + secrets.token_urlsafe(24)
    key = PartnerApiKey.objects.create(name=name, prefix=raw[:10], key_hash=PartnerApiKey.hash_key(raw), user=user)
    return key, raw
