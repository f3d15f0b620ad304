"""Tips (随手拍), their photos, the case queue's events, place codes and
the partner keys of the Open311 endpoint.

A *case* is the staff's view of a tip: the same row, with the same id.
"""

import hashlib

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
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


class PlaceCode(TimeStampedModel):
    """A printed QR door plate (as Minhang's): scanning it opens the tip form at this place."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["grid", "status", "created_at"], name="tip_queue_idx"),
            models.Index(fields=["category", "created_at"], name="tip_dup_idx"),
            models.Index(fields=["reporter", "created_at"], name="tip_reporter_idx"),
            models.Index(
                fields=["priority", "created_at", "id"],
                name="tip_queue_order_idx",
                condition=models.Q(status__in=["submitted", "accepted", "assigned", "verified"]),
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
