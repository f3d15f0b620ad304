"""Reads of the reward shop: the catalogue on sale, a citizen's orders, a clerk's counter."""

from django.db.models import Prefetch, QuerySet

from accounts.models import PickupPoint, User
from accounts.selectors import pickup_points_for_clerk
from rewards.errors import RedemptionNotFoundError, RewardNotFoundError
from rewards.models import Redemption, RedemptionStatus, RedemptionTally, Reward, VoucherCode

_ACTIVE_POINTS = Prefetch("pickup_points", queryset=PickupPoint.objects.filter(is_active=True).order_by("name"))


def reward_list_available() -> QuerySet[Reward]:
    """Rewards on sale now (active, inside their window), catalogue order, pickup points prefetched."""
    return Reward.objects.available().prefetch_related(_ACTIVE_POINTS)


def reward_get_available(*, reward_id: int) -> Reward:
    """One reward on sale now. Raises RewardNotFoundError (also for inactive or out-of-window ones)."""
    reward = reward_list_available().filter(pk=reward_id).first()
    if reward is None:
        raise RewardNotFoundError(reward_id=reward_id)
    return reward


def reward_quantity_choices(*, reward: Reward, user: User | None, most: int = 5) -> list[int]:
    """The quantities the order form offers this citizen: 1.. the least of `most`, the stock left and
    what the per-person limit still allows them (their open and completed orders count, as in
    reward_redeem). Empty when they may order none."""
    allowed = min(most, reward.stock_left)
    if reward.per_user_limit is not None:
        held = 0
        if user is not None and user.is_authenticated:
            tally = RedemptionTally.objects.filter(user=user, reward=reward).values_list("quantity", flat=True).first()
            held = tally or 0
        allowed = min(allowed, reward.per_user_limit - held)
    return list(range(1, max(0, allowed) + 1))


def _orders() -> QuerySet[Redemption]:
    return Redemption.objects.select_related("reward", "pickup_point").prefetch_related(
        Prefetch("vouchers", queryset=VoucherCode.objects.order_by("id"))
    )


def redemption_list_for_user(*, user: User) -> QuerySet[Redemption]:
    """The citizen's orders, newest first."""
    return _orders().filter(user=user)


def redemption_get_for_user(*, user: User, redemption_id: int) -> Redemption:
    """One of the citizen's orders. Raises RedemptionNotFoundError (also when it is someone else's)."""
    redemption = _orders().filter(user=user, pk=redemption_id).first()
    if redemption is None:
        raise RedemptionNotFoundError(redemption_id=redemption_id)
    return redemption


def redemption_list_for_clerk(*, user: User, status: str | None = None) -> QuerySet[Redemption]:
    """Orders at the clerk's pickup points (none for anybody else), newest first."""
    point_ids = [point.pk for point in pickup_points_for_clerk(user=user)]
    orders = _orders().select_related("user").filter(pickup_point_id__in=point_ids)
    return orders.filter(status=status) if status else orders


def redemption_counts_for_clerk(*, user: User) -> dict[str, int]:
    """How many orders wait for pickup and how many were handed over at the clerk's points."""
    orders = redemption_list_for_clerk(user=user)
    return {
        "reserved": orders.filter(status=RedemptionStatus.RESERVED).count(),
        "fulfilled": orders.filter(status=RedemptionStatus.FULFILLED).count(),
    }
