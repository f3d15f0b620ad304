"""The case flow: moving a tip through its states (TRANSITIONS), merging duplicates, and deciding
rewards that wait for a second approval.

Locks: a transition locks its tip row; mark_duplicate locks both tips in id order.

Staff never decide on their own tips: nobody acts on a case they reported, the case their tip was
merged into, or a case with a tip of theirs merged into it (OwnTipError, 403 own_tip). A reward
above the category's default waits for a second staff member (four eyes): verify or mark_duplicate
records the request and pays nothing; approve_reward by someone else (not the one who asked, not a
reporter) pays it or a lower amount.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from core.errors import InvalidError
from tips import department, routing
from tips.errors import FourEyesRequiredError, InvalidTransitionError, OwnTipError
from tips.models import OPEN_STATES, CaseAction, CaseEvent, Tip, TipSource, TipStatus
from tips.services.alerts import _notify_status
from tips.services.rewards import REWARDED_STATES, _reward_pay
from tips.services.submission import _refuse_nul

MAX_NOTE = 2000
MAX_REWARD_POINTS = 100_000


# action → (states it starts from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    CaseAction.ACCEPT: ((TipStatus.SUBMITTED,), TipStatus.ACCEPTED),
    CaseAction.ASSIGN: ((TipStatus.ACCEPTED,), TipStatus.ASSIGNED),
    CaseAction.VERIFY: ((TipStatus.ASSIGNED,), TipStatus.VERIFIED),
    CaseAction.RESOLVE: ((TipStatus.VERIFIED,), TipStatus.RESOLVED),
    CaseAction.REJECT: (OPEN_STATES, TipStatus.REJECTED),
    CaseAction.MARK_DUPLICATE: (OPEN_STATES, TipStatus.DUPLICATE),
    # the assigned department's own steps (tips.department)
    CaseAction.REPORT_BACK: ((TipStatus.ASSIGNED,), TipStatus.ASSIGNED),
    CaseAction.HAND_BACK: ((TipStatus.ASSIGNED,), TipStatus.ACCEPTED),
}
# Every action of POST /cases/{id}/transition: the state changes above, and approve_reward, which
# decides a reward awaiting a second approval and leaves the state as it is.
CASE_ACTIONS: tuple[str, ...] = (*TRANSITIONS, CaseAction.APPROVE_REWARD)


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
    """Move a case by one action (docs/api.md), record the step, notify reporters, pay on verify (a reward
    above the category's default only once a second staff member approves it: approve_reward).

    Assumes the caller checked the actor is staff of this case's grid (and of duplicate_of's).
    Raises OwnTipError (403) when the actor reported the case, the case it is merged into or a tip
    merged into it; FourEyesRequiredError (403) when the one who asked for a reward approves it;
    InvalidTransitionError (409), InvalidError (422), RewardBudgetMissingError and the ledger's
    InsufficientFundsError (409); on any error nothing changes.
    """
    note = _case_input_clean(action=action, note=note, reward_points=reward_points)
    with transaction.atomic():
        if action == CaseAction.MARK_DUPLICATE:
            return _mark_duplicate(tip=tip, actor=actor, note=note, duplicate_of=duplicate_of, points=reward_points)
        if action == CaseAction.APPROVE_REWARD:
            return _approve_reward(tip=tip, actor=actor, note=note, points=reward_points)
        if action in department.DEPARTMENT_ACTIONS:
            return department.case_department_step(tip=tip, actor=actor, action=action, note=note)
        tip = Tip.objects.select_for_update().select_related("category", "grid").get(pk=tip.pk)
        _refuse_own_case(actor=actor, cases=[tip])
        _case_step(tip=tip, actor=actor, action=action, note=note, assignee_id=assignee_id)
        if action == CaseAction.ACCEPT:
            tip = routing.case_route_on_accept(tip=tip, actor=actor)  # a routing rule's department takes it
        _notify_status(tip)
        if action == CaseAction.VERIFY:
            _verified_pay(tip=tip, actor=actor, reward_points=reward_points)
    return tip


def _case_input_clean(*, action: str, note: str, reward_points: int | None) -> str:
    """The note, stripped, once the action, the note and the reward are acceptable (InvalidError)."""
    if action not in CASE_ACTIONS:
        raise InvalidError(f"Unknown action {action!r}.", field="action", allowed=list(CASE_ACTIONS))
    note = (note or "").strip()
    _refuse_nul("note", note)
    _refuse_nul("action", action)
    if len(note) > MAX_NOTE:
        raise InvalidError(f"The note is longer than {MAX_NOTE} characters.", field="note")
    if reward_points is not None and not 0 <= reward_points <= MAX_REWARD_POINTS:
        raise InvalidError(f"reward_points must be between 0 and {MAX_REWARD_POINTS}.", field="reward_points")
    return note


def _case_step(*, tip: Tip, actor: User, action: str, note: str, assignee_id: int | None) -> None:
    """Move the locked case along TRANSITIONS[action], stamp the step's time, record a CaseEvent."""
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
        fields += ["assignee", *department.department_clock_start(tip=tip, now=now)]
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


def _verified_pay(*, tip: Tip, actor: User, reward_points: int | None) -> None:
    """A verified case's reward: paid at once up to the category's default, above it only once a
    second staff member approves; and the rewards of its duplicates still owed."""
    points = reward_points
    if points is None:
        points = tip.category.default_reward_points if tip.source == TipSource.APP else 0
    if points > tip.category.default_reward_points:
        _reward_request(tip=tip, points=points, actor=actor)
    else:
        _reward_pay(tip=tip, points=points, actor=actor, grid=tip.grid)
    # Fresh, locked rows: a duplicate's reward approved meanwhile is seen here and paid once.
    for duplicate in tip.duplicates.select_for_update().order_by("id"):
        if duplicate.reward_points and duplicate.reward_paid_at is None and not duplicate.reward_awaiting_approval:
            _reward_pay(tip=duplicate, points=duplicate.reward_points, actor=actor, grid=tip.grid)


def _refuse_own_case(*, actor: User, cases: Sequence[Tip]) -> None:
    """Nobody acts on a case whose reporter, or a merged duplicate's reporter, they are (403 own_tip).

    Called with the rows locked, so no merge can slip in between the check and the action.
    """
    from tips.selectors import case_reported_by

    if case_reported_by(cases=cases, user=actor):
        raise OwnTipError(case_id=cases[0].pk)


def _reward_request(*, tip: Tip, points: int, actor: User) -> None:
    """Record a reward above the category's default as awaiting a second approval; pay nothing yet."""
    tip.reward_points = points
    tip.reward_requested_by = actor
    tip.save(update_fields=["reward_points", "reward_requested_by", "updated_at"])
    CaseEvent.objects.create(
        tip=tip,
        action=CaseAction.REWARD_REQUEST,
        actor=actor,
        from_status=tip.status,
        to_status=tip.status,
        note="",  # shown from data in the reader's language (tips.selectors._step_summary)
        data={"points": points, "default_points": tip.category.default_reward_points},
    )


def _approve_reward(*, tip: Tip, actor: User, note: str, points: int | None) -> Tip:
    """A second staff member decides a pending reward: the amount asked, or a lower one (0: none).

    Locks only this tip's row. A duplicate is paid now when its primary is verified already;
    otherwise the primary's verify pays it (that loop re-reads its duplicates locked, so an approval
    committed meanwhile is seen). The ledger key is the tip's, so nothing can pay twice.
    """
    tip = Tip.objects.select_for_update().select_related("category", "grid").get(pk=tip.pk)
    _refuse_own_case(actor=actor, cases=[tip])
    if not tip.reward_awaiting_approval:
        raise InvalidTransitionError(
            "No reward awaits approval on this case.", action=CaseAction.APPROVE_REWARD, status=tip.status
        )
    if tip.reward_requested_by_id == actor.pk:
        raise FourEyesRequiredError(case_id=tip.pk)
    requested = tip.reward_points or 0
    if points is None:
        points = requested
    elif points > requested:
        raise InvalidError(
            f"An approval can lower the reward asked for ({requested}), not raise it.",
            field="reward_points",
            requested=requested,
        )
    tip.reward_points = points
    tip.reward_approved_by = actor
    tip.save(update_fields=["reward_points", "reward_approved_by", "updated_at"])
    CaseEvent.objects.create(
        tip=tip,
        action=CaseAction.APPROVE_REWARD,
        actor=actor,
        from_status=tip.status,
        to_status=tip.status,
        note=note,
        data={"points": points, "requested_points": requested, "requested_by": tip.reward_requested_by_id},
    )
    if tip.status != TipStatus.DUPLICATE:
        _reward_pay(tip=tip, points=points, actor=actor, grid=tip.grid)
    elif points:
        primary = Tip.objects.select_related("grid").get(pk=tip.duplicate_of_id)
        if primary.status in REWARDED_STATES:
            _reward_pay(tip=tip, points=points, actor=actor, grid=primary.grid)
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
    routed = routing.routing_agency_for(tip=tip)  # a routing rule's department first (tips.routing)
    if routed is not None:
        return routed[0]
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
    # Neither merging one's own tip away nor merging into (or rewarding a duplicate of) one's own case.
    _refuse_own_case(actor=actor, cases=[tip, primary])
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
    if tip.reward_points > tip.category.default_reward_points:
        _reward_request(tip=tip, points=tip.reward_points, actor=actor)
    elif tip.reward_points and primary.status in REWARDED_STATES:
        _reward_pay(tip=tip, points=tip.reward_points, actor=actor, grid=primary.grid)
    return tip
