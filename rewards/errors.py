"""The reward shop's domain errors; config/api.py maps them to the contract's status and body."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError


class RewardNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such reward on sale.")


class RedemptionNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such order.")


class OutOfStockError(ConflictError):
    code = "out_of_stock"
    default_message = _("Sorry, this reward is out of stock.")


class InsufficientPointsError(ConflictError):
    code = "insufficient_points"
    default_message = _("You do not have enough points for this.")


class LimitReachedError(ConflictError):
    code = "limit_reached"
    default_message = _("You have reached the limit per person for this reward.")


class AlreadyFulfilledError(ConflictError):
    code = "already_fulfilled"
    default_message = _("This order was already picked up.")


class RedemptionNotReservedError(ConflictError):
    code = "not_reserved"
    default_message = _("This order is no longer waiting for pickup.")


class RedemptionExpiredError(ConflictError):
    code = "redemption_expired"
    default_message = _("The pickup deadline of this order has passed.")


class InvalidQuantityError(InvalidError):
    code = "invalid_quantity"
    default_message = _("Choose a quantity of at least 1.")


class InvalidPickupPointError(InvalidError):
    code = "invalid_pickup_point"
    default_message = _("Choose one of this reward's pickup points.")


class NotCitizenError(ForbiddenError):
    code = "forbidden"
    default_message = _("Only citizens can redeem rewards.")


class NotClerkError(ForbiddenError):
    code = "forbidden"
    default_message = _("Only clerks of a pickup point can hand over orders.")
