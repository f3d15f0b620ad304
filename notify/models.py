"""Where a user's notifications go beyond the inbox: their phones' Web Push subscriptions, their
choices (push on or off, SMS for alarms, quiet hours), and what was delivered (so a job run twice
sends nothing twice). The inbox itself is engagement's Notification; this app never imports it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class PushSubscription(TimeStampedModel):
    """One browser's Web Push subscription (RFC 8030/8291): where to post, and its keys."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    # The push service's URL for this browser: unique, so a phone that signs in as someone else
    # moves to them instead of receiving both people's notifications.
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100, help_text=_("The browser's P-256 public key (base64url)"))
    auth = models.CharField(max_length=40, help_text=_("The browser's auth secret (base64url)"))
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "id"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:60]}"


class NotifyChoice(TimeStampedModel):
    """What a user chose; without a row: push on, SMS for alarms on, no quiet hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_choice")
    push = models.BooleanField(_("push to my phones"), default=True)
    sms_alarms = models.BooleanField(_("text me urgent offers and SOS alerts"), default=True)
    # Quiet hours on the city's clock; past midnight when start > end. Alarms ignore them.
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("notification choice")
        verbose_name_plural = _("notification choices")

    def __str__(self) -> str:
        return f"{self.user_id} push={self.push} sms={self.sms_alarms}"


class DeliveryChannel(models.TextChoices):
    PUSH = "push", _("Web Push")
    SMS = "sms", _("SMS")


class Delivery(TimeStampedModel):
    """A notification handed to one channel and target: the delivery job skips what is here."""

    notification_id = models.BigIntegerField()
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    target = models.CharField(max_length=40, help_text=_("sub:<subscription id>, or the SMS"))

    class Meta:
        ordering = ["notification_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notification_id", "channel", "target"], name="notify_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.target}"
