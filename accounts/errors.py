"""Errors of the accounts app: phone verification and who may be made staff."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError


class PhoneUnverifiedError(ForbiddenError):
    code = "phone_unverified"
    default_message = _("Verify your phone number first (Me → Phone number).")


class EmailUnverifiedError(ForbiddenError):
    code = "email_unverified"
    default_message = _("Staff roles are given only to accounts whose email address is verified.")


class InvalidPhoneError(InvalidError):
    code = "invalid_phone"
    default_message = _("This is not a mobile phone number we can send a text message to.")


class PhoneTakenError(ConflictError):
    code = "phone_taken"
    default_message = _("This phone number is already verified for another account.")


class NoCodePendingError(ConflictError):
    code = "no_code_pending"
    default_message = _("No code is waiting: ask for a new one.")


class CodeExpiredError(ConflictError):
    code = "code_expired"
    default_message = _("This code has expired or was tried too often: ask for a new one.")


class WrongCodeError(InvalidError):
    code = "wrong_code"
    default_message = _("That is not the code we sent.")
