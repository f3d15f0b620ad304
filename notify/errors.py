"""What the notification endpoints refuse."""

from django.utils.translation import gettext_lazy as _

from core.errors import InvalidError, NotFoundError


class PushSubscriptionNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such push subscription of yours.")


class PushEndpointRefusedError(InvalidError):
    code = "push_endpoint_refused"
    default_message = _("This push endpoint is not one of the push services this server sends to.")


class PushKeysInvalidError(InvalidError):
    code = "invalid"
    default_message = _("The subscription's keys are not a P-256 public key and a 16-byte auth secret.")


class PushError(Exception):
    """A push service did not take a message (not 404/410): the delivery job tries again later."""


class PushNotConfiguredError(Exception):
    """No VAPID keys: set FUBI_VAPID_PUBLIC_KEY and FUBI_VAPID_PRIVATE_KEY (manage.py vapid_keys)."""
