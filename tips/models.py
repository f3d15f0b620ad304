"""Tips (随手拍), their photos, the case queue's events, place codes and
the partner keys of the Open311 endpoint.

A *case* is the staff's view of a tip: the same row, with the same id.
"""

import hashlib

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class PrivateTipStorage(LazyObject):
    """Photos live outside MEDIA_ROOT (which DEBUG serves publicly): only tips.views serves them,
    after checking who asks. Lazy so tests can move the folder with settings."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.FUBI_TIPS_PHOTO_ROOT, base_url=None)


private_storage = PrivateTipStorage()


@receiver(setting_changed)
def _photo_root_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "FUBI_TIPS_PHOTO_ROOT":
        private_storage._wrapped = empty  # tests that move the folder get a fresh storage


def _private_storage() -> FileSystemStorage:
    return private_storage


class PublicFrom(models.TextChoices):
    """From which step a tip of a category counts in public figures (the safety index, editions)."""

    ACCEPTED = "accepted", _("Accepted by staff")
    VERIFIED = "verified", _("Verified by staff")


# The steps at which a tip counts publicly, per PublicFrom (rejected and duplicate tips never do).
PUBLIC_STATES = {
    "accepted": ("accepted", "assigned", "verified", "resolved"),
    "verified": ("verified", "resolved"),
}


class TipCategory(TimeStampedModel):
    """What a tip is about, with its SLA clocks and the default reward for a verified tip."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    accept_minutes = models.PositiveIntegerField(_("accept within (minutes)"), default=15)
    verify_hours = models.PositiveIntegerField(_("verify within (hours)"), default=24)
    default_reward_points = models.PositiveIntegerField(_("default reward (points)"), default=0)
    # Public categories are listed to anyone through Open311; sensitive ones (people, drugs) only
    # to partner systems that hold an API key.
    is_public = models.BooleanField(_("listed publicly in Open311"), default=False)
    # An allegation against people or a place (drugs, fighting) is published only once verified:
    # the public pages never name an unchecked accusation. Safe default for a new category.
    public_from = models.CharField(
        _("counted publicly from"), max_length=10, choices=PublicFrom.choices, default=PublicFrom.VERIFIED
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("tip category")
        verbose_name_plural = _("tip categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


PLACE_CODE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"  # school-gate-2: lowercase, digits, single hyphens
PLACE_CODE_MIN_LENGTH = 3
PLACE_CODE_MAX_LENGTH = 40


class PlaceCode(TimeStampedModel):
    """A printed QR door plate (as Minhang's): scanning it opens the tip form at this place.

    It belongs to one grid, the innermost containing its point when it was made; only staff of that
    grid or of a grid above it change it, and its point stays inside that grid (tips.services).
    The code itself never changes once printed.
    """

    code = models.SlugField(
        _("code"),
        max_length=PLACE_CODE_MAX_LENGTH,
        unique=True,
        validators=[
            MinLengthValidator(PLACE_CODE_MIN_LENGTH),
            RegexValidator(PLACE_CODE_PATTERN, _("Use lowercase letters, digits and single hyphens (school-gate-2).")),
        ],
    )
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    grid = models.ForeignKey(
        "accounts.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="place_codes"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["grid", "name"]
        verbose_name = _("place code")
        verbose_name_plural = _("place codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlaceCodeSheetStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class PlaceCodeSheet(TimeStampedModel):
    """A printable PDF of a grid's door plates (QR, code, name), made by a background job that
    counts the plates drawn (done of total) as it goes; served only to staff of the grid."""

    grid = models.ForeignKey(
        "accounts.Grid", verbose_name=_("grid"), on_delete=models.CASCADE, related_name="place_code_sheets"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PlaceCodeSheetStatus.choices, default=PlaceCodeSheetStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    base_url = models.CharField(max_length=200, help_text="The site's origin the QR codes open")
    file = models.FileField(_("file"), storage=_private_storage, max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("plate sheet")
        verbose_name_plural = _("plate sheets")
        constraints = [
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="sheet_done_le_total")
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}: {self.done}/{self.total} {self.status}"


class TipStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    VERIFIED = "verified", _("Verified")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


# Before verification: the states reject and mark_duplicate start from.
OPEN_STATES = (TipStatus.SUBMITTED, TipStatus.ACCEPTED, TipStatus.ASSIGNED)
# Still on the staff's desk (Open311 "open").
ACTIVE_STATES = (*OPEN_STATES, TipStatus.VERIFIED)
CLOSED_STATES = (TipStatus.RESOLVED, TipStatus.REJECTED, TipStatus.DUPLICATE)


class TipKind(models.TextChoices):
    NORMAL = "normal", _("Tip")
    SOS = "sos", _("SOS (一键报警)")


class TipSource(models.TextChoices):
    APP = "app", _("Fubi app")
    OPEN311 = "open311", _("Open311 partner")
    DOOR_PLATE = "door_plate", _("Door plate (guest)")


class EscalationStage(models.TextChoices):
    NONE = "", _("Not escalated")
    ACCEPT = "accept", _("Accept deadline missed")
    VERIFY = "verify", _("Verify deadline missed")


class Tip(TimeStampedModel):
    """A citizen's report, routed to the innermost grid containing it; also the grid's case."""

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips")
    anonymous = models.BooleanField(_("anonymous towards staff"), default=False)
    kind = models.CharField(_("kind"), max_length=10, choices=TipKind.choices, default=TipKind.NORMAL)
    # Queue order: 0 for SOS, 1 for the rest — a column, so "SOS first, oldest first" is an index scan.
    priority = models.PositiveSmallIntegerField(default=1, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=TipSource.choices, default=TipSource.APP)
    category = models.ForeignKey(TipCategory, on_delete=models.PROTECT, related_name="tips")
    description = models.TextField(_("description"), max_length=4000)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    place_code = models.ForeignKey(PlaceCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="tips")
    grid = models.ForeignKey("accounts.Grid", on_delete=models.PROTECT, related_name="tips")
    status = models.CharField(
        _("status"), max_length=12, choices=TipStatus.choices, default=TipStatus.SUBMITTED, db_index=True
    )
    assignee = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_tips"
    )
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    # Points: for a primary tip what verification paid; for a duplicate what staff decided its
    # reporter gets when the primary is verified (0: nothing, the rule's default).
    reward_points = models.PositiveIntegerField(_("reward (points)"), null=True, blank=True)
    reward_transaction_id = models.BigIntegerField(null=True, blank=True, editable=False)
    reward_paid_at = models.DateTimeField(null=True, blank=True)
    # Four eyes: a reward above the category's default is asked for by one staff member (pending
    # until then nothing is paid) and approved, or lowered, by another one.
    reward_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reward_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accept_due_at = models.DateTimeField()
    verify_due_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalation_stage = models.CharField(max_length=8, choices=EscalationStage.choices, default="", blank=True)
    escalated_to = models.ForeignKey(
        "accounts.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalated_tips"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    sos_alerted_at = models.DateTimeField(null=True, blank=True)
    # The assigned department's clock (tips.department): it must report back by respond_due_at;
    # past it, the case is escalated once to the grid centre's staff.
    assigned_at = models.DateTimeField(null=True, blank=True)
    respond_due_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    respond_escalated_at = models.DateTimeField(null=True, blank=True)
    # A guest's report at a door plate (tips.services.guests): the reporter is the shared guest
    # account; the guest follows the case at a secret tracking URL and, when they proved a phone
    # number by SMS, hears of it by text and collects the reward once an account verifies that number.
    # The number is never shown to staff.
    guest_phone = models.CharField(max_length=20, blank=True, editable=False)
    track_token = models.CharField(max_length=43, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["grid", "status", "created_at"], name="tip_queue_idx"),
            models.Index(fields=["category", "created_at"], name="tip_dup_idx"),
            models.Index(fields=["reporter", "created_at"], name="tip_reporter_idx"),
            # a verified number's guest tips, found when an account verifies that number
            models.Index(fields=["guest_phone"], name="tip_guest_phone_idx", condition=~models.Q(guest_phone="")),
            models.Index(
                fields=["priority", "created_at", "id"],
                name="tip_queue_order_idx",
                condition=models.Q(status__in=["submitted", "accepted", "assigned", "verified"]),
            ),
            models.Index(fields=["assignee", "created_at"], name="tip_department_queue_idx"),
            models.Index(
                fields=["respond_due_at"],
                name="tip_respond_due_idx",
                condition=models.Q(status="assigned", responded_at__isnull=True, respond_escalated_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="duplicate") & models.Q(duplicate_of__isnull=False))
                | (~models.Q(status="duplicate") & models.Q(duplicate_of__isnull=True)),
                name="tip_duplicate_of_iff_duplicate",
            ),
            models.CheckConstraint(condition=~models.Q(duplicate_of=models.F("id")), name="tip_not_own_duplicate"),
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180), name="tip_lat_lon_range"
            ),
            # Four eyes, held by the database too: an approval needs a request by someone else, a
            # requested reward is paid only once approved, and the reporter neither asks nor approves.
            models.CheckConstraint(
                condition=models.Q(reward_approved_by__isnull=True)
                | (
                    models.Q(reward_requested_by__isnull=False)
                    & ~models.Q(reward_approved_by=models.F("reward_requested_by"))
                ),
                name="tip_reward_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(reward_requested_by__isnull=True)
                | models.Q(reward_paid_at__isnull=True)
                | models.Q(reward_approved_by__isnull=False),
                name="tip_reward_paid_only_when_approved",
            ),
            models.CheckConstraint(
                condition=~models.Q(reward_requested_by=models.F("reporter"))
                & ~models.Q(reward_approved_by=models.F("reporter")),
                name="tip_reward_not_decided_by_reporter",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        self.priority = 0 if self.kind == TipKind.SOS else 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "priority"}
        super().save(*args, **kwargs)

    @property
    def is_sos(self) -> bool:
        return self.kind == TipKind.SOS

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def reward_awaiting_approval(self) -> bool:
        """A reward above the category's default was asked for and no second staff member decided yet."""
        return self.reward_requested_by_id is not None and self.reward_approved_by_id is None


class TipPhoto(TimeStampedModel):
    """A photo as stored: re-encoded as JPEG, orientation applied, no EXIF/ICC/XMP at all."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0)
    image = models.FileField(storage=_private_storage, max_length=200)
    thumbnail = models.FileField(storage=_private_storage, max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_format = models.CharField(max_length=10)
    # A department's report_back photo belongs to that step; the reporter's own photos have none.
    event = models.ForeignKey(
        "CaseEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="photos", editable=False
    )

    class Meta:
        ordering = ["tip", "position"]
        constraints = [models.UniqueConstraint(fields=["tip", "position"], name="tip_photo_position_unique")]

    def __str__(self) -> str:
        return f"{self.tip_id}#{self.position}"


class CaseAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    ACCEPT = "accept", _("Accepted")
    ASSIGN = "assign", _("Assigned")
    VERIFY = "verify", _("Verified")
    RESOLVE = "resolve", _("Resolved")
    REJECT = "reject", _("Rejected")
    MARK_DUPLICATE = "mark_duplicate", _("Marked as duplicate")
    ESCALATE = "escalate", _("Escalated")
    REWARD = "reward", _("Reward paid")
    REWARD_REQUEST = "reward_request", _("Reward awaiting a second approval")
    APPROVE_REWARD = "approve_reward", _("Reward approved")
    REPORT_BACK = "report_back", _("Department reported back")
    HAND_BACK = "hand_back", _("Handed back by the department")
    # Staff sent on-call volunteers to the case's place (operations.case_dispatch), and one of them
    # accepted: the case's state does not change, the timeline records who and how far.
    DISPATCH = "dispatch", _("Volunteers dispatched")
    DISPATCH_ACCEPT = "dispatch_accept", _("Volunteer on the way")
    # The reporter of a one-tap SOS added its category, text or photos afterwards (tips.services.sos).
    SOS_UPDATE = "sos_update", _("SOS details added")


class CaseEvent(TimeStampedModel):
    """One step in a case's life: who did what, when, from which state to which, and why."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=CaseAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=TipStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TipStatus.choices)
    note = models.TextField(blank=True, max_length=2000)
    # What else the step carried: assignee agency, duplicate_of, points, escalated-to grid.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["tip", "created_at", "id"]
        indexes = [models.Index(fields=["tip", "created_at"], name="case_event_tip_idx")]

    def __str__(self) -> str:
        return f"{self.tip_id} {self.action} {self.from_status}→{self.to_status}"


class SosPing(TimeStampedModel):
    """A position the reporter's phone sent in the minutes after a one-tap SOS (tips.services.sos),
    so staff follow a person who moves. Kept as evidence, like a check-in."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="sos_pings")
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["tip", "received_at", "id"]
        indexes = [models.Index(fields=["tip", "-received_at"], name="sos_ping_tip_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="sos_ping_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tip_id} @ {self.received_at:%H:%M:%S}"


class PartnerApiKey(TimeStampedModel):
    """A key issued to a partner system for Open311: only its sha256 is kept.

    Tips a partner posts are reported in the name of `user` (the partner's service account).
    """

    name = models.CharField(_("partner"), max_length=120)
    prefix = models.CharField(max_length=12, unique=True, help_text=_("First characters, to recognise the key"))
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_api_keys")
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 partner key")
        verbose_name_plural = _("Open311 partner keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class RoutingRule(TimeStampedModel):
    """A grid's rule: tips of this category (at this door plate, when one is named) go to this
    department (立码办) on acceptance, or on assign without an assignee (tips.routing).

    A rule of a grid applies to tips of that grid and of every grid inside it; the innermost grid's
    rule wins, and a rule naming the tip's place code wins over one that does not. Kept by staff of
    the grid or of a grid above it.
    """

    grid = models.ForeignKey(
        "accounts.Grid", verbose_name=_("grid"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    category = models.ForeignKey(
        TipCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    place_code = models.ForeignKey(
        PlaceCode,
        verbose_name=_("place code"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("department"), on_delete=models.PROTECT, related_name="routing_rules"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["grid", "category", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "category"], condition=models.Q(place_code__isnull=True), name="routing_rule_unique"
            ),
            models.UniqueConstraint(
                fields=["grid", "category", "place_code"],
                condition=models.Q(place_code__isnull=False),
                name="routing_rule_place_unique",
            ),
        ]

    def __str__(self) -> str:
        where = f" @ {self.place_code.code}" if self.place_code_id else ""
        return f"{self.grid} · {self.category.code}{where} → {self.agency}"
