"""The ledger's domain errors."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError


class InsufficientFundsError(ConflictError):
    code = "insufficient_funds"
    default_message = _("Not enough points available.")


class HoldClosedError(ConflictError):
    code = "hold_closed"
    default_message = _("This hold is already captured or released.")


class IdempotencyConflictError(ConflictError):
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different movement.")


class AlreadyReversedError(ConflictError):
    code = "already_reversed"
    default_message = _("This transaction was already reversed.")


class NotReversibleError(ConflictError):
    code = "not_reversible"
    default_message = _("This transaction cannot be reversed; release or refund it instead.")


class OwnTransactionError(ForbiddenError):
    # Corrections are a staff decision: nobody posts one that credits their own wallet.
    code = "own_transaction"
    default_message = _("This correction would credit your own account: another administrator must make it.")


class InvalidAmountError(InvalidError):
    code = "invalid_amount"
    default_message = _("The amount must be a positive whole number of points.")


class InvalidTransferError(InvalidError):
    code = "invalid_transfer"
    default_message = _("Source and destination must be two different accounts in the same currency.")


class AccountNotFoundError(NotFoundError):
    code = "account_not_found"
    default_message = _("No such ledger account.")
