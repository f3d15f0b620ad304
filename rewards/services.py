"""Every write of the reward shop: redeem, cancel, expire, fulfil, and voucher-code uploads.

Lock order, the same in every service so two of them never wait on each other in a circle:
the order row → the citizen's tally row → (ledger: the citizen's account) → the reward row.
The reward row is the hot one when thousands race for one item, so it is taken last, by a single
conditional UPDATE, and held only for the rest of a short transaction.
"""

import csv
import io
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import pickup_points_for_clerk, user_phone_verified_require
from core.errors import InvalidError
from core.events import publish
from ledger import services as ledger_services
from rewards.errors import (
    AlreadyFulfilledError,
    InsufficientPointsError,
    InvalidPickupPointError,
    InvalidQuantityError,
    LimitReachedError,
    NotCitizenError,
    NotClerkError,
    OutOfStockError,
    RedemptionExpiredError,
    RedemptionNotFoundError,
    RedemptionNotReservedError,
    RewardNotFoundError,
)
from rewards.models import Redemption, RedemptionStatus, Reward, VoucherCode
from rewards.queries import (
    order_stock_take,
    redemption_insert,
    reward_on_sale,
    reward_stock_and_replay,
    tally_lock,
)

MAX_QUANTITY = 10
# Pickup codes: no 0/O, 1/I/L, so a clerk can type what a citizen reads out.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_VOUCHER_CODE_LENGTH = 200


def pickup_code_new() -> str:
    """A fresh random pickup code (31^8 ≈ 8.5e11 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def pickup_code_normalise(code: str) -> str:
    """What a clerk typed or scanned, as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _insert_with_fresh_code(redemption: Redemption, attempts: int = 5) -> None:
    """Insert the new order under a fresh random pickup code. Codes collide rarely (one in ~10^7 per
    order at 100,000 orders): then the insert does nothing and the next code is tried."""
    now = timezone.now()
    for _attempt in range(attempts):
        redemption.code = pickup_code_new()
        if redemption_insert(redemption=redemption, now=now):
            return
    raise IntegrityError(f"no free pickup code after {attempts} attempts")


def _hold_key(redemption: Redemption) -> str:
    return f"redemption:{redemption.pk}:hold"


def _capture_key(redemption: Redemption) -> str:
    return f"redemption:{redemption.pk}:capture"


def _release_key(redemption: Redemption) -> str:
    return f"redemption:{redemption.pk}:release"


def reward_redeem(
    *,
    reward_id: int,
    user: User,
    quantity: int = 1,
    pickup_point_id: int | None = None,
    request_key: str | None = None,
) -> Redemption:
    """Order `quantity` of a reward: take stock and hold the points in one transaction.

    A virtual reward captures the points and hands out voucher codes at once (status delivered); a
    physical one is reserved at a pickup point until the clerk hands it over or the order expires.
    The same request_key from the same citizen returns the first order and changes nothing.
    Raises NotCitizenError, RewardNotFoundError, InvalidQuantityError, InvalidPickupPointError,
    LimitReachedError, OutOfStockError, InsufficientPointsError, PhoneUnverifiedError (403
    phone_unverified, when FUBI_REQUIRE_VERIFIED_PHONE is on and the phone is not verified).
    """
    if not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    # A real person orders (FUBI_REQUIRE_VERIFIED_PHONE): read from the loaded user row, no statement.
    user_phone_verified_require(user=user)
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        raise InvalidQuantityError(
            _("Choose a quantity from 1 to %(max)d.") % {"max": MAX_QUANTITY}, quantity=quantity, max=MAX_QUANTITY
        )
    sale = reward_on_sale(
        reward_id=reward_id,
        user_id=user.pk,
        request_key=request_key,
        pickup_point_id=pickup_point_id,
        now=timezone.now(),
    )
    if sale is None:
        raise RewardNotFoundError(reward_id=reward_id)
    reward = sale.reward
    if reward.stock_left < quantity:
        # The thousands who arrive after the last item leave here, after one prepared read and
        # without a lock or a write; the conditional UPDATE in _redeem_locked decides for the rest.
        if sale.replayed_id is not None:
            return Redemption.objects.get(pk=sale.replayed_id)
        raise OutOfStockError(stock_left=reward.stock_left)
    if not reward.is_virtual and sale.pickup_point is None:
        raise InvalidPickupPointError(pickup_point_id=pickup_point_id)
    pickup_point = None if reward.is_virtual else sale.pickup_point
    return _redeem_locked(reward=reward, user=user, quantity=quantity, pickup_point=pickup_point, key=request_key)


@transaction.atomic
def _redeem_locked(*, reward: Reward, user: User, quantity: int, pickup_point, key: str | None) -> Redemption:
    tally = tally_lock(user_id=user.pk, reward_id=reward.pk, now=timezone.now())
    # Now that the citizen's tally row is ours: an order this key already made, and the stock as it
    # stands — those who arrive as the last items go stop here, before the ledger hold, rather than
    # at the final UPDATE (which still decides).
    stock_left, replayed_id = reward_stock_and_replay(reward_id=reward.pk, user_id=user.pk, request_key=key)
    if replayed_id is not None:
        return Redemption.objects.get(pk=replayed_id)
    if stock_left < quantity:
        raise OutOfStockError(stock_left=stock_left)
    if reward.per_user_limit is not None and tally.quantity + quantity > reward.per_user_limit:
        raise LimitReachedError(limit=reward.per_user_limit, already=tally.quantity)

    now = timezone.now()
    points = reward.price_points * quantity
    redemption = Redemption(
        user=user,
        reward=reward,
        quantity=quantity,
        points=points,
        status=RedemptionStatus.DELIVERED if reward.is_virtual else RedemptionStatus.RESERVED,
        pickup_point=pickup_point,
        request_key=key or None,
        expires_at=None if reward.is_virtual else now + timedelta(hours=settings.FUBI_PICKUP_HOURS),
    )
    _insert_with_fresh_code(redemption)
    hold = ledger_services.hold_place(
        account=ledger_services.citizen_account(user),
        amount=points,
        idempotency_key=_hold_key(redemption),
        memo=f"{reward.name} × {quantity}",
        ref=redemption,
        error_class=InsufficientPointsError,
    )
    if reward.is_virtual:
        # SKIP LOCKED: racers take different codes instead of queueing on the first free one.
        codes = list(
            VoucherCode.objects.select_for_update(skip_locked=True)
            .filter(reward=reward, redemption__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)[:quantity]
        )
        if len(codes) < quantity:
            raise OutOfStockError(stock_left=0, codes_left=len(codes))
        VoucherCode.objects.filter(pk__in=codes).update(redemption=redemption, assigned_at=now, updated_at=now)
        ledger_services.hold_capture(hold=hold, idempotency_key=_capture_key(redemption), memo=reward.name)
    redemption.hold = hold
    # Last: the hot reward row stays locked only from here to the commit. When its conditional
    # UPDATE takes nothing, everything above rolls back.
    taken = order_stock_take(
        reward_id=reward.pk, quantity=quantity, tally_id=tally.pk, redemption_id=redemption.pk, hold_id=hold.pk, now=now
    )
    if not taken:
        raise OutOfStockError(stock_left=0)
    tally.quantity += quantity
    if not reward.is_virtual:
        transaction.on_commit(lambda: publish("redemption.ready", user=user, obj=redemption))
    return redemption


@transaction.atomic
def prize_reserve(*, reward_id: int, user: User, pickup_point_id: int, request_key: str) -> Redemption:
    """Reserve one of a physical reward at a pickup point as a prize: the shop's order at price 0.

    The order is the shop's own (a pickup code, the clerk's counter, expiry after FUBI_PICKUP_HOURS)
    but holds no points and does not count against the per-person limit (it was won, not bought).
    The same request_key for the same citizen returns the first order (a prize is reserved once).
    Raises RewardNotFoundError, InvalidPickupPointError, OutOfStockError.
    """
    replayed = Redemption.objects.filter(user=user, request_key=request_key).first()
    if replayed is not None:
        return replayed
    now = timezone.now()
    sale = reward_on_sale(
        reward_id=reward_id, user_id=user.pk, request_key=request_key, pickup_point_id=pickup_point_id, now=now
    )
    if sale is None or sale.reward.is_virtual:
        raise RewardNotFoundError(reward_id=reward_id)
    reward = sale.reward
    if sale.pickup_point is None:
        raise InvalidPickupPointError(pickup_point_id=pickup_point_id)
    redemption = Redemption(
        user=user,
        reward=reward,
        quantity=1,
        points=0,
        status=RedemptionStatus.RESERVED,
        pickup_point=sale.pickup_point,
        request_key=request_key,
        expires_at=now + timedelta(hours=settings.FUBI_PICKUP_HOURS),
    )
    _insert_with_fresh_code(redemption)
    in_stock = Reward.objects.filter(pk=reward.pk, stock_left__gte=1)
    taken = in_stock.update(stock_left=F("stock_left") - 1, updated_at=now)
    if not taken:
        raise OutOfStockError(stock_left=0)
    transaction.on_commit(lambda: publish("redemption.ready", user=user, obj=redemption))
    return redemption


def _give_back(redemption: Redemption, status: str, now: datetime) -> None:
    """Release the held points and return stock and allowance; the order row is locked by the caller.
    A prize (prize_reserve: no hold, no allowance used) only returns its stock."""
    if redemption.hold_id is not None:
        tally = tally_lock(user_id=redemption.user_id, reward_id=redemption.reward_id, now=timezone.now())
        ledger_services.hold_release(hold=redemption.hold, idempotency_key=_release_key(redemption), memo=str(status))
        tally.quantity = max(0, tally.quantity - redemption.quantity)
        tally.save(update_fields=["quantity", "updated_at"])
    Reward.objects.filter(pk=redemption.reward_id).update(
        stock_left=F("stock_left") + redemption.quantity, updated_at=now
    )
    redemption.status = status
    redemption.closed_at = now
    if status == RedemptionStatus.EXPIRED:
        transaction.on_commit(lambda: publish("redemption.expired", user=redemption.user, obj=redemption))
    redemption.save(update_fields=["status", "closed_at", "updated_at"])


@transaction.atomic
def redemption_cancel(*, redemption_id: int, user: User) -> Redemption:
    """The citizen takes back a reserved order: points, stock and allowance return.

    Cancelling a cancelled order changes nothing. Raises RedemptionNotFoundError (not theirs too),
    RedemptionNotReservedError.
    """
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "hold", "user")
        .filter(pk=redemption_id, user=user)
        .first()
    )
    if redemption is None:
        raise RedemptionNotFoundError(redemption_id=redemption_id)
    if redemption.status == RedemptionStatus.CANCELLED:
        return redemption
    if redemption.status != RedemptionStatus.RESERVED:
        raise RedemptionNotReservedError(status=redemption.status)
    _give_back(redemption, RedemptionStatus.CANCELLED, timezone.now())
    return redemption


@transaction.atomic
def redemption_expire(*, redemption_id: int, now: datetime | None = None) -> bool:
    """Expire one reserved order whose pickup deadline has passed; False when there is nothing to do."""
    now = now or timezone.now()
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "hold", "user")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None or redemption.status != RedemptionStatus.RESERVED or redemption.expires_at > now:
        return False
    _give_back(redemption, RedemptionStatus.EXPIRED, now)
    return True


def redemptions_expire(*, now: datetime | None = None) -> int:
    """Expire every overdue reserved order, each in its own transaction; safe to run twice at once."""
    now = now or timezone.now()
    overdue = list(
        Redemption.objects.filter(status=RedemptionStatus.RESERVED, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in overdue if redemption_expire(redemption_id=pk, now=now))


@transaction.atomic
def redemption_fulfil(*, code: str, clerk: User) -> Redemption:
    """The clerk hands over a reserved order at their pickup point: the held points are spent.

    Raises NotClerkError, RedemptionNotFoundError (unknown code, or another point's order),
    AlreadyFulfilledError, RedemptionNotReservedError, RedemptionExpiredError.
    """
    point_ids = [point.pk for point in pickup_points_for_clerk(user=clerk)]
    if not point_ids:
        raise NotClerkError()
    normalised = pickup_code_normalise(code)
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "hold", "user", "pickup_point")
        .filter(code=normalised, pickup_point_id__in=point_ids)
        .first()
        if normalised
        else None
    )
    if redemption is None:
        raise RedemptionNotFoundError(_("No order with this code at your pickup point."), code=normalised)
    if redemption.status == RedemptionStatus.FULFILLED:
        raise AlreadyFulfilledError(fulfilled_at=redemption.fulfilled_at.isoformat())
    if redemption.status != RedemptionStatus.RESERVED:
        raise RedemptionNotReservedError(status=redemption.status)
    now = timezone.now()
    if redemption.expires_at <= now:
        raise RedemptionExpiredError(expires_at=redemption.expires_at.isoformat())
    if redemption.hold_id is not None:  # a prize (prize_reserve) holds no points
        ledger_services.hold_capture(
            hold=redemption.hold, idempotency_key=_capture_key(redemption), memo=redemption.reward.name
        )
    redemption.status = RedemptionStatus.FULFILLED
    redemption.fulfilled_at = now
    redemption.fulfilled_by = clerk
    redemption.save(update_fields=["status", "fulfilled_at", "fulfilled_by", "updated_at"])
    transaction.on_commit(lambda: publish("redemption.fulfilled", user=redemption.user, obj=redemption))
    return redemption


def voucher_codes_from_csv(data: bytes) -> list[str]:
    """The codes of an uploaded CSV: the first column of each row, blank rows and a "code" header skipped.

    Raises InvalidError for a file that is not UTF-8 text or a code longer than 200 characters.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidError(_("The file must be a UTF-8 CSV.")) from error
    codes: list[str] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip():
            continue
        value = row[0].strip()
        if not codes and value.lower() in {"code", "codes", "voucher", "券码", "兑换码"}:
            continue
        if len(value) > MAX_VOUCHER_CODE_LENGTH:
            raise InvalidError(_("A code is longer than 200 characters."), code=value[:20])
        codes.append(value)
    return codes


@transaction.atomic
def voucher_codes_add(*, reward: Reward, codes: Iterable[str]) -> int:
    """Add codes to a virtual reward's pool and its stock; codes already in the pool are skipped.

    Returns how many were new. Raises InvalidError for a physical reward.
    """
    reward = Reward.objects.select_for_update().get(pk=reward.pk)  # serialises uploads for one reward
    if not reward.is_virtual:
        raise InvalidError(_("Only virtual rewards have voucher codes."))
    unique = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    known = set(VoucherCode.objects.filter(reward=reward, code__in=unique).values_list("code", flat=True))
    new = [VoucherCode(reward=reward, code=code) for code in unique if code not in known]
    VoucherCode.objects.bulk_create(new, batch_size=1000)
    if new:
        Reward.objects.filter(pk=reward.pk).update(stock_left=F("stock_left") + len(new), updated_at=timezone.now())
    return len(new)
