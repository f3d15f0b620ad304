"""Paying tip rewards. Points move only through ledger.services, with idempotency keys derived from
the tip (f"tip:{id}:reward"; for an anonymous tip an HMAC of it, under an opaque reference: see
_reward_pay), so nothing is paid twice. A reward waits for the reporter's verified phone when the
settings ask for one (tip_rewards_pay_held pays it later).
"""

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, AgencyKind, Grid, User
from accounts.selectors import user_may_be_paid
from core.events import publish
from tips.errors import RewardBudgetMissingError
from tips.models import CaseAction, CaseEvent, Tip, TipStatus

logger = logging.getLogger(__name__)

REWARDED_STATES = (TipStatus.VERIFIED, TipStatus.RESOLVED)


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


# The shared reporter of door-plate guests' tips (tips.services.guests), never paid itself.
GUEST_EMAIL = "door-plate-guests@system.fubi.invalid"

# An anonymous tip's reward is posted under this reference type and a random token (see _reward_pay).
ANONYMOUS_REWARD_REF = "tips.anonymous_reward"


def _reward_pay(*, tip: Tip, points: int, actor: User | None, grid: Grid) -> None:
    """Pay the tip's reporter once (the ledger key is the tip's); 0 points records the decision."""
    from ledger import services as ledger_services
    from ledger.models import TransactionKind

    if tip.reward_paid_at is not None:
        return  # paid already: the ledger key would refuse a second payment anyway
    tip.reward_points = points
    fields = ["reward_points", "updated_at"]
    if points > 0 and (tip.reporter.email == GUEST_EMAIL or not user_may_be_paid(user=tip.reporter)):
        # The reward waits for the reporter's verified phone (FUBI_REQUIRE_VERIFIED_PHONE), or a
        # guest's for an account that verifies the guest's number (tips.services.guests): the amount
        # is recorded and nothing moves; tip_rewards_pay_held pays it once the phone is verified.
        tip.save(update_fields=fields)
        return
    if points > 0:
        agency = reward_agency_for_grid(grid)
        if tip.anonymous:
            # The books must not tie the wallet to the tip: an opaque reference only the ledger
            # follows back, a key nobody can derive from the tip id without SECRET_KEY, a memo
            # without the reference (ledger.services.transfer_post, opaque_as).
            key, memo = ledger_services.opaque_key(f"tip:{tip.id}:reward"), "Reward for an anonymous tip"
            ref_options = {"opaque_as": ANONYMOUS_REWARD_REF}
        else:
            key, memo, ref_options = f"tip:{tip.id}:reward", f"Tip {tip.reference} reward", {}
        txn = ledger_services.transfer_post(
            kind=TransactionKind.TIP_REWARD,
            source=ledger_services.agency_budget_account(agency),
            destination=ledger_services.citizen_account(tip.reporter),
            amount=points,
            idempotency_key=key,
            memo=memo,
            ref=tip,
            initiated_by=actor,
            **ref_options,
        )
        tip.reward_transaction_id = txn.id
        tip.reward_paid_at = timezone.now()
        fields += ["reward_transaction_id", "reward_paid_at"]
        data = {"points": points, "transaction_id": txn.id, "agency_id": agency.id}
        if tip.anonymous:
            del data["transaction_id"]  # staff read the timeline; auditors read transaction ids
        CaseEvent.objects.create(
            tip=tip,
            action=CaseAction.REWARD,
            actor=actor,
            from_status=tip.status,
            to_status=tip.status,
            note="",  # shown from data in the reader's language (tips.selectors._step_summary)
            data=data,
        )
        transaction.on_commit(lambda: publish("tip.verified", user=tip.reporter, obj=tip, points=points))
    tip.save(update_fields=fields)


def tip_rewards_pay_held(*, user_id: int) -> int:
    """Pay the reporter's rewards that waited for their verified phone: verified or resolved tips,
    and duplicates of such tips, with reward points decided (and approved) but unpaid. Each tip in
    its own transaction under its row lock; returns how many were paid. Safe to run twice (the
    ledger key is the tip's); a reward the budget cannot cover stays waiting and is logged.
    """
    from ledger.errors import InsufficientFundsError

    paid = 0
    waiting = Tip.objects.filter(reporter_id=user_id, reward_paid_at__isnull=True, reward_points__gt=0)
    for tip_id in waiting.order_by("id").values_list("id", flat=True):
        try:
            with transaction.atomic():
                tip = Tip.objects.select_for_update().select_related("grid", "reporter").get(pk=tip_id)
                if tip.reward_paid_at is not None or not tip.reward_points or tip.reward_awaiting_approval:
                    continue
                grid = tip.grid
                if tip.status == TipStatus.DUPLICATE:
                    primary = Tip.objects.select_related("grid").get(pk=tip.duplicate_of_id)
                    if primary.status not in REWARDED_STATES:
                        continue  # the primary's verification pays it
                    grid = primary.grid
                elif tip.status not in REWARDED_STATES:
                    continue
                if not user_may_be_paid(user=tip.reporter):
                    continue
                _reward_pay(tip=tip, points=tip.reward_points, actor=None, grid=grid)
                paid += 1
        except (InsufficientFundsError, RewardBudgetMissingError):
            logger.warning("tip %s: the reward that waited for a verified phone cannot be paid yet", tip_id)
    return paid
