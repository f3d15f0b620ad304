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
    # An urgent task staff send from a case (operations.case_dispatch): go to the case's place now.
    URGENT_RESPONSE = "urgent_response", _("Urgent response")


class ProofKind(models.TextChoices):
    """How a claimant shows the work is done: on site by GPS, or online (no place) by one of the others."""

    GPS = "gps", _("GPS check-in on site")
    LINK = "link", _("A link")
    CONFIRMATION = "confirmation", _("A confirmation")
    QUIZ = "quiz", _("A quiz result")


ONLINE_PROOFS = (ProofKind.LINK, ProofKind.CONFIRMATION, ProofKind.QUIZ)


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    TEAM = "team", _("A team")
    GRID = "grid", _("A grid")


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
    # NULL for an online task (no place): its generated location is NULL too, so no nearby search finds it.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("meeting point"), max_length=200, blank=True)
    radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=200)
    proof = models.CharField(_("proof"), max_length=12, choices=ProofKind.choices, default=ProofKind.GPS)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices, default=Audience.ALL)
    grid = models.ForeignKey("accounts.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    online_url = models.URLField(_("link to share or read"), max_length=500, blank=True)
    quiz_id = models.PositiveIntegerField(null=True, blank=True, help_text=_("The quiz whose pass completes it"))
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
    # Only the members of this team see and claim the task (a team's rota shift, a team's online task);
    # such tasks never appear in the public nearby search.
    team = models.ForeignKey("Team", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    # A shift made from a standing rota: (rota, shift_date, shift_kind) is unique, so the beat job that
    # makes shifts ahead of time inserts each one once however often, and however concurrently, it runs.
    rota = models.ForeignKey("Rota", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    shift_date = models.DateField(null=True, blank=True)
    shift_kind = models.CharField(max_length=8, blank=True)

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
            models.CheckConstraint(
                condition=(Q(proof="gps") & Q(lat__isnull=False, lon__isnull=False))
                | (~Q(proof="gps") & Q(lat__isnull=True, lon__isnull=True)),
                name="task_place_unless_online",
            ),
            models.CheckConstraint(
                condition=Q(audience="all", grid__isnull=True, team__isnull=True)
                | Q(audience="team", team__isnull=False)
                | Q(audience="grid", grid__isnull=False, team__isnull=True),
                name="task_audience_named",
            ),
            models.UniqueConstraint(
                fields=["rota", "shift_date", "shift_kind"],
                condition=Q(rota__isnull=False),
                name="task_rota_shift_once",
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
    # An online task's proof: the link submitted, or when the claimant confirmed; a quiz's score.
    proof_url = models.URLField(max_length=500, blank=True)
    proof_at = models.DateTimeField(null=True, blank=True)
    quiz_score = models.IntegerField(null=True, blank=True)

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
    # Judged across the citizen's claims (services.presence): evidence in CheckInConflict.
    OVERLAPPING_CLAIMS = "overlapping_claims", _("On site at another task at the same time")
    IMPOSSIBLE_TRAVEL = "impossible_travel", _("Impossible travel from another task")
    # Made without signal and kept on the phone (the on-site page's offline queue), sent later: judged
    # on arrival like any fix, the device's times kept as evidence, not believed (services.checkins).
    SYNCED_LATE = "synced_late", _("Sent late from a phone without signal")


# Flags that compare a fix with the same citizen's fixes on other tasks.
CONFLICT_FLAGS = (CheckInFlag.OVERLAPPING_CLAIMS, CheckInFlag.IMPOSSIBLE_TRAVEL)


class CheckIn(TimeStampedModel):
    """One GPS fix a claimant's phone sent, kept as evidence with the server's judgement."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="checkins")
    kind = models.CharField(max_length=4, choices=CheckInKind.choices)
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField()
    recorded_at = models.DateTimeField(help_text=_("Device time"))
    # The phone's clock when it sent the fix (the position's own timestamp may be old when the phone
    # stood still): clock skew is judged on this one when the page sends it.
    sent_at = models.DateTimeField(null=True, blank=True, help_text=_("Device time at sending"))
    received_at = models.DateTimeField(help_text=_("Server time"))
    distance_m = models.FloatField()
    speed_mps = models.FloatField(null=True, blank=True, help_text=_("Speed implied by the previous fix"))
    accepted = models.BooleanField()
    flags = ArrayField(models.CharField(max_length=24, choices=CheckInFlag.choices), default=list, blank=True)
    # A refused check-in or check-out that the citizen saw and then made good (a later accepted fix
    # of the same kind): kept as evidence, shown greyed, not held against them (claim_is_suspicious).
    corrected = models.BooleanField(default=False)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["claim", "received_at"], name="checkin_claim_received_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.claim_id} {self.received_at:%H:%M:%S}"


class CheckInConflict(TimeStampedModel):
    """Evidence that two fixes of one citizen, on two different tasks, cannot both be true.

    Kept when the later fix is judged (services.presence): the fix that revealed it, the other
    claim's fix it contradicts, and the figures the agency reviews. Both fixes carry the flag.
    """

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="conflicts_with")
    kind = models.CharField(max_length=24, choices=[(flag.value, flag.label) for flag in CONFLICT_FLAGS])
    distance_m = models.FloatField(help_text=_("Between the two fixes"))
    seconds = models.FloatField(help_text=_("Between the two fixes, on the server's clock"))
    speed_kmh = models.FloatField(help_text=_("Implied speed, beyond both fixes' accuracy"))

    class Meta:
        ordering = ["checkin_id", "id"]
        verbose_name = _("check-in conflict")
        verbose_name_plural = _("check-in conflicts")
        constraints = [
            models.UniqueConstraint(fields=["checkin", "other", "kind"], name="checkin_conflict_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.checkin_id} ↔ {self.other_id}"


class ClaimTally(TimeStampedModel):
    """How many places one citizen took on one day of the city's calendar, cancelled ones included.

    Counted in the claim's own transaction (services.claims), so a claim that fails counts nothing,
    and never decremented, so claiming and cancelling cannot get around the daily limit.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    claims = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="claim_tally_one_per_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.claims}"


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


class Team(TimeStampedModel):
    """A named group of volunteers an agency keeps: rota shifts and online tasks can be for it alone.

    Open teams take any citizen who joins; closed ones only those the agency invites.
    """

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    is_open = models.BooleanField(_("open to anyone who joins"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agency_id", "name", "id"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_name_once_per_agency")]

    def __str__(self) -> str:
        return self.name


class TeamMembership(TimeStampedModel):
    """One citizen in one team; removing them deletes the row (they may join or be invited again)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta:
        ordering = ["team_id", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]
        indexes = [models.Index(fields=["user", "team"], name="team_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TeamInvitation(TimeStampedModel):
    """The agency asks one citizen into a team; the citizen accepts or declines."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(status="pending"), name="team_invitation_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.team_id} ({self.status})"


class ShiftKind(models.TextChoices):
    DAY = "day", _("Day")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")


class RotaStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class Rota(TimeStampedModel):
    """A standing patrol: on the given weekdays, each of its shifts becomes a task made ahead of time.

    tasks_app.services.rotas.rota_make_tasks makes the tasks (FUBI_ROTA_DAYS_AHEAD days ahead), each
    funded through escrow as it is made; when the agency's budget cannot cover one, the rota records
    why (funding_note) and makes no more until a later run can fund it.
    """

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="rotas")
    grid = models.ForeignKey("accounts.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="rotas")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="rotas")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices, default=Category.NIGHT_PATROL)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("meeting point"), max_length=200, blank=True)
    radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=200)
    # ISO weekdays on the city's calendar: 1 Monday … 7 Sunday
    weekdays = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("days of the week"))
    headcount = models.PositiveIntegerField(_("people per shift"))
    points = models.PositiveIntegerField(_("points per person"))
    min_minutes = models.PositiveIntegerField(_("minimum minutes on site"), default=0)
    auto_approve = models.BooleanField(_("approve automatically"), default=False)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=RotaStatus.choices, default=RotaStatus.ACTIVE)
    funding_note = models.CharField(max_length=300, blank=True)
    funding_stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency_id", "title", "id"]
        verbose_name = _("rota")
        verbose_name_plural = _("rotas")
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=1), name="rota_headcount_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="rota_points_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="rota_days_in_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "agency"], name="rota_status_agency_idx")]

    def __str__(self) -> str:
        return self.title


class RotaShift(TimeStampedModel):
    """One shift of a rota on the city's clock; a shift that ends at or before its start ends next day."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="shifts")
    kind = models.CharField(max_length=8, choices=ShiftKind.choices)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ["rota_id", "starts", "id"]
        constraints = [models.UniqueConstraint(fields=["rota", "kind"], name="rota_shift_kind_once")]

    def __str__(self) -> str:
        return f"{self.rota_id} {self.kind} {self.starts:%H:%M}-{self.ends:%H:%M}"
