"""Volunteer tasks, the places citizens claim on them, their GPS check-ins, and urgent dispatch.

Invariants the database holds:
- a task never has more places taken than its headcount (CheckConstraint on slots_taken);
- one citizen holds at most one live (not cancelled) claim per task (partial UniqueConstraint);
- a task's escrow mirror never goes negative.

``Task.location`` is a PostgreSQL ``point`` column that Django does not model: a generated column
(see migration 0002) projecting (lon, lat) so that euclidean distance approximates ground distance
near the district, with a partial GiST index over open tasks for KNN ("nearest first") search.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class Category(models.TextChoices):
    NIGHT_PATROL = "night_patrol", _("Night patrol")
    TRAFFIC_GUIDANCE = "traffic_guidance", _("Traffic guidance")
    ELDER_CARE = "elder_care", _("Elder care")
    SAFETY_PUBLICITY = "safety_publicity", _("Safety publicity")
    EVENT_STEWARDING = "event_stewarding", _("Event stewarding")
    ANTI_FRAUD_QUIZ = "anti_fraud_quiz", _("Anti-fraud quiz")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("task status", "Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Task(TimeStampedModel):
    """A small piece of public-safety work an agency pays points for."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="tasks")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("meeting point"), max_length=200, blank=True)
    radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    headcount = models.PositiveIntegerField(_("people needed"))
    points = models.PositiveIntegerField(_("points per person"))
    min_minutes = models.PositiveIntegerField(_("minimum minutes on site"), default=0)
    auto_approve = models.BooleanField(_("approve automatically"), default=False)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    # Urgent dispatch: offers go to this many nearest on-call volunteers per round, and the next
    # round widens to the next nearest once a round has timed out.
    dispatch_size = models.PositiveSmallIntegerField(default=5)
    dispatch_timeout_minutes = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    # Places taken by claims that are not cancelled (live, paid, rejected, no-show): a settled
    # place is never offered again because its escrow has left.
    slots_taken = models.PositiveIntegerField(default=0)
    # Mirror of the points this task still holds in the agency's escrow account; moved in the same
    # transaction as every ledger transfer of the task.
    escrow_points = models.BigIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(condition=Q(slots_taken__lte=F("headcount")), name="task_slots_within_headcount"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="task_headcount_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="task_points_positive"),
            models.CheckConstraint(condition=Q(escrow_points__gte=0), name="task_escrow_not_negative"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="task_window_positive"),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180), name="task_position_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_at"], name="task_status_ends_idx"),
            models.Index(fields=["agency", "status"], name="task_agency_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slots_left(self) -> int:
        return max(0, self.headcount - self.slots_taken) if self.status == TaskStatus.OPEN else 0

    @property
    def escrow_total(self) -> int:
        return self.headcount * self.points


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")
    NO_SHOW = "no_show", _("No-show")


LIVE_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.COMPLETED)


class Claim(TimeStampedModel):
    """One citizen's place on one task, from claiming to payment."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_claims")
    status = models.CharField(_("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reject_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    points_paid = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "user"], condition=~Q(status="cancelled"), name="claim_one_live_per_user_task"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "task"], name="claim_status_task_idx"),
            models.Index(fields=["user", "-created_at"], name="claim_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.task_id} ({self.status})"


class CheckInKind(models.TextChoices):
    IN = "in", _("Check in")
    OUT = "out", _("Check out")
    PING = "ping", _("Position")


class CheckInFlag(models.TextChoices):
    OUTSIDE_GEOFENCE = "outside_geofence", _("Outside the geofence")
    POOR_ACCURACY = "poor_accuracy", _("Poor accuracy")
    IMPOSSIBLE_SPEED = "impossible_speed", _("Impossible speed")
    CLOCK_SKEW = "clock_skew", _("Device clock skew")
    TOO_SHORT = "too_short_on_site", _("Too short on site")


class CheckIn(TimeStampedModel):
    """One GPS fix a claimant's phone sent, kept as evidence with the server's judgement."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="checkins")
    kind = models.CharField(max_length=4, choices=CheckInKind.choices)
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField()
    recorded_at = models.DateTimeField(help_text=_("Device time"))
    received_at = models.DateTimeField(help_text=_("Server time"))
    distance_m = models.FloatField()
    speed_mps = models.FloatField(null=True, blank=True, help_text=_("Speed implied by the previous fix"))
    accepted = models.BooleanField()
    flags = ArrayField(models.CharField(max_length=24, choices=CheckInFlag.choices), default=list, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["claim", "received_at"], name="checkin_claim_received_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.claim_id} {self.received_at:%H:%M:%S}"


class VolunteerStatus(TimeStampedModel):
    """A citizen's on-call state for urgent dispatch, with their last shared position."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_status")
    on_call = models.BooleanField(default=False)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    position_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id"]
        indexes = [models.Index(fields=["on_call", "lat", "lon"], name="volunteer_oncall_pos_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on call={self.on_call}"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DispatchOffer(TimeStampedModel):
    """An urgent task offered to one on-call volunteer, in rounds widening outwards."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="offers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dispatch_offers")
    round = models.PositiveSmallIntegerField(default=1)
    distance_m = models.FloatField()
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["task", "round", "distance_m"]
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="offer_once_per_user_task")]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expires_idx")]

    def __str__(self) -> str:
        return f"offer {self.task_id} → {self.user_id} ({self.status})"
