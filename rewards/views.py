"""The shop's HTML pages: the catalogue, an item, my orders (phone-first) and the clerk's counter."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import pickup_points_for_clerk
from core.errors import DomainError
from ledger import selectors as ledger_selectors
from rewards import selectors, services
from rewards.errors import RewardNotFoundError
from rewards.models import RedemptionStatus
from rewards.qr import pickup_qr_svg


def _my_points(request: HttpRequest) -> int | None:
    """The logged-in citizen's available points, for the pages to show next to prices."""
    if not request.user.is_authenticated:
        return None
    return ledger_selectors.citizen_wallet(user=request.user)["available"]


def shop_page(request: HttpRequest) -> HttpResponse:
    """The catalogue at phone size."""
    return render(
        request, "rewards/shop.html", {"rewards": selectors.reward_list_available(), "my_points": _my_points(request)}
    )


def reward_page(request: HttpRequest, reward_id: int) -> HttpResponse:
    """One item with the order form; POST places the order and goes to my orders."""
    try:
        reward = selectors.reward_get_available(reward_id=reward_id)
    except RewardNotFoundError as error:
        raise Http404(str(error.message)) from error
    points = list(reward.pickup_points.all())
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next=/rewards/{reward.pk}/")
        try:
            quantity = int(request.POST.get("quantity") or 1)
            point = request.POST.get("pickup_point_id")
            redemption = services.reward_redeem(
                reward_id=reward.pk,
                user=request.user,
                quantity=quantity,
                pickup_point_id=int(point) if point else None,
                request_key=f"form:{request.POST.get('form_key', '')}" if request.POST.get("form_key") else None,
            )
        except ValueError:
            messages.error(request, _("Choose a quantity and a pickup point."))
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            if redemption.status == RedemptionStatus.DELIVERED:
                messages.success(request, _("Done! Your code is below."))
            else:
                messages.success(request, _("Reserved! Show the code at the pickup point."))
            return redirect(f"/rewards/orders/#order-{redemption.pk}")
    return render(
        request,
        "rewards/reward.html",
        {
            "reward": reward,
            "pickup_points": points,
            "form_key": uuid.uuid4().hex,
            "quantities": selectors.reward_quantity_choices(reward=reward, user=request.user),
            "my_points": _my_points(request),
        },
    )


@login_required
def orders_page(request: HttpRequest) -> HttpResponse:
    """My orders: voucher codes of virtual ones, pickup code and QR code of reserved ones."""
    orders = list(selectors.redemption_list_for_user(user=request.user)[:100])
    for order in orders:
        order.qr_svg = pickup_qr_svg(order.code) if order.status == RedemptionStatus.RESERVED else ""
    return render(request, "rewards/orders.html", {"orders": orders})


@login_required
@require_POST
def order_cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    """Cancel a reserved order of mine from the orders page."""
    try:
        services.redemption_cancel(redemption_id=redemption_id, user=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Order cancelled: your points are back."))
    return redirect("/rewards/orders/")


@login_required
def fulfil_page(request: HttpRequest) -> HttpResponse:
    """The clerk's counter: type or scan a pickup code, hand over the goods."""
    points = pickup_points_for_clerk(user=request.user)
    if not points:
        raise PermissionDenied(_("Only clerks of a pickup point can use this page."))
    fulfilled = None
    if request.method == "POST":
        try:
            fulfilled = services.redemption_fulfil(code=request.POST.get("code", ""), clerk=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Hand over: %(reward)s × %(quantity)d to %(citizen)s.")
                % {
                    "reward": fulfilled.reward.shown_name,
                    "quantity": fulfilled.quantity,
                    "citizen": fulfilled.user.shown_name,
                },
            )
    context = {
        "points": points,
        "fulfilled": fulfilled,
        "counts": selectors.redemption_counts_for_clerk(user=request.user),
        "recent": selectors.redemption_list_for_clerk(user=request.user, status=RedemptionStatus.FULFILLED)[:20],
    }
    return render(request, "rewards/fulfil.html", context)
