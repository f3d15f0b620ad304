from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from core.pagination import PageParams, paginate
from rewards import selectors, services
from rewards.schemas import FulfilIn, FulfilOut, RedeemIn, RedemptionListOut, RedemptionOut, RewardListOut, RewardOut

router = Router(tags=["rewards"])


@router.get("/rewards", response=RewardListOut, auth=None)
def reward_list_api(request: HttpRequest, page: Query[PageParams]) -> dict:
    """The rewards on sale now."""
    return paginate(selectors.reward_list_available(), limit=page.limit, offset=page.offset)


@router.get("/rewards/{reward_id}", response=RewardOut, auth=None)
def reward_get_api(request: HttpRequest, reward_id: int) -> object:
    """One reward on sale."""
    return selectors.reward_get_available(reward_id=reward_id)


@router.post("/rewards/{reward_id}/redemptions", response={201: RedemptionOut})
def reward_redeem_api(request: HttpRequest, reward_id: int, payload: RedeemIn) -> Status:
    """Order a reward: 201 delivered (virtual, with the voucher) or reserved (physical, with a pickup code)."""
    redemption = services.reward_redeem(
        reward_id=reward_id,
        user=request.auth,
        quantity=payload.quantity,
        pickup_point_id=payload.pickup_point_id,
        request_key=request.headers.get("Idempotency-Key") or None,
    )
    return Status(201, redemption)


@router.get("/redemptions", response=RedemptionListOut)
def redemption_list_api(request: HttpRequest, page: Query[PageParams]) -> dict:
    """My orders, newest first."""
    return paginate(selectors.redemption_list_for_user(user=request.auth), limit=page.limit, offset=page.offset)


@router.post("/redemptions/fulfil", response=FulfilOut)
def redemption_fulfil_api(request: HttpRequest, payload: FulfilIn) -> object:
    """The clerk hands over the order with this pickup code at their pickup point."""
    return services.redemption_fulfil(code=payload.code, clerk=request.auth)


@router.get("/redemptions/{redemption_id}", response=RedemptionOut)
def redemption_get_api(request: HttpRequest, redemption_id: int) -> object:
    """One of my orders."""
    return selectors.redemption_get_for_user(user=request.auth, redemption_id=redemption_id)


@router.post("/redemptions/{redemption_id}/cancel", response=RedemptionOut)
def redemption_cancel_api(request: HttpRequest, redemption_id: int) -> object:
    """Cancel my reserved order: points and stock come back."""
    services.redemption_cancel(redemption_id=redemption_id, user=request.auth)
    return selectors.redemption_get_for_user(user=request.auth, redemption_id=redemption_id)
