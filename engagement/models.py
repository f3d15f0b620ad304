"""Engagement: a citizen's engagement profile (nickname, opt-ins, home community), the badges they
earned, and their in-app inbox.

Levels, streaks, leaderboards and the safety index are computed from the other apps' data on read
(engagement/selectors.py); only what cannot be recomputed (choices, awards, messages) is stored here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class EngagementProfile(TimeStampedModel):
    """What a citizen chose: how they appear on leaderboards (if at all), email, home community."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement_profile")
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    leaderboard_opt_in = models.BooleanField(_("show me on leaderboards"), default=False)
    email_opt_in = models.BooleanField(_("email me my notifications"), default=False)
    home_grid = models.ForeignKey(
        "accounts.Grid",
        verbose_name=_("home community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # True when the citizen picked home_grid themselves; False when it was derived from where most
    # of their paid tasks and verified tips lie (re-derived on every evaluation until they choose).
    home_grid_chosen = models.BooleanField(default=False)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("engagement profile")
        verbose_name_plural = _("engagement profiles")
        constraints = [
            # Two people can never appear under the same name on a leaderboard.
            models.UniqueConstraint(
                models.functions.Lower("nickname"), condition=~Q(nickname=""), name="engagement_nickname_unique"
            ),
        ]
        indexes = [models.Index(fields=["leaderboard_opt_in", "home_grid"], name="engagement_profile_board_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.nickname or '-'}"

    @property
    def on_leaderboard(self) -> bool:
        return self.leaderboard_opt_in and bool(self.nickname)


class UserBadge(TimeStampedModel):
    """A badge a citizen earned; awarded once (unique per user and badge), never taken back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.CharField(_("badge"), max_length=40)
    awarded_at = models.DateTimeField(_("awarded at"))

    class Meta:
        ordering = ["awarded_at", "id"]
        verbose_name = _("awarded badge")
        verbose_name_plural = _("awarded badges")
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="engagement_badge_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.badge}"


class NotificationKind(models.TextChoices):
    CLAIM_APPROVED = "claim_approved", _("Task approved")
    CLAIM_REJECTED = "claim_rejected", _("Task not approved")
    CLAIM_NO_SHOW = "claim_no_show", _("Missed task")
    TASK_REMINDER = "task_reminder", _("Task reminder")
    DISPATCH_OFFER = "dispatch_offer", _("Urgent task offer")
    TIP_STATUS = "tip_status", _("Tip status changed")
    REDEMPTION_READY = "redemption_ready", _("Order ready")
    REDEMPTION_FULFILLED = "redemption_fulfilled", _("Order handed over")
    REDEMPTION_EXPIRED = "redemption_expired", _("Order expired")
    BADGE = "badge", _("Badge earned")
    LEVEL_UP = "level_up", _("New level")
    CASE_SOS = "case_sos", _("SOS in your grid")
    CASE_ESCALATED = "case_escalated", _("Case escalated to you")
    ROLL_CALL = "roll_call", _("Roll call")
    GROUP_REQUEST = "group_request", _("Community request")
    BROADCAST = "broadcast", _("Alert to your community")


# Alerts to staff about their work: emailed whatever the citizen-facing email opt-in says.
STAFF_ALERT_KINDS = frozenset({NotificationKind.CASE_SOS, NotificationKind.CASE_ESCALATED, NotificationKind.ROLL_CALL})
# Alarms (notify): also texted to a verified number, and pushed even in quiet hours.
ALARM_KINDS = frozenset({NotificationKind.DISPATCH_OFFER, NotificationKind.CASE_SOS})


class Notification(TimeStampedModel):
    """One message of the in-app inbox. `cause` makes it unique per event, so replays add nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement_inbox")
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    cause = models.CharField(max_length=120, unique=True, help_text=_("e.g. claim:12:approved"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    # The message as a code and its parameters (engagement.messages), rendered in the reader's
    # language when shown; title and body above are its rendering in the recipient's language at
    # sending (the email, and what is shown for a message without a code).
    message = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)  # after the send succeeded
    # A worker sending the email holds it until then; a second delivery of the job meanwhile waits.
    email_claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="engagement_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.title}"

    def _shown(self) -> tuple[str, str]:
        from engagement.messages import message_render

        rendered = message_render(self.message, self.params) if self.message else None
        return rendered or (self.title, self.body)

    @property
    def shown_title(self) -> str:
        """The title in the active language (as stored when the message has no code)."""
        return self._shown()[0]

    @property
    def shown_body(self) -> str:
        return self._shown()[1]
