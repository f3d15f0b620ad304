"""Safe houses (安全屋/平安屋): a registry of places that shelter people, kept by the station (agency)
that runs each one, with opening hours, the guards' duty shifts and the roll calls (查岗) of a shift.

Opening hours are the city's wall-clock times (settings.TIME_ZONE, Asia/Shanghai); a row whose
`closes` is not after its `opens` runs past midnight into the next day.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class PrivateRollCallStorage(LazyObject):
    """Roll-call photos beside the tips' private photos, never under MEDIA_ROOT: only the station's
    staff see them. Lazy so tests can move the folder with settings."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=Path(settings.FUBI_TIPS_PHOTO_ROOT).parent / "roll-calls")


roll_call_storage = PrivateRollCallStorage()


@receiver(setting_changed)
def _photo_root_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "FUBI_TIPS_PHOTO_ROOT":
        roll_call_storage._wrapped = empty


def _roll_call_storage() -> FileSystemStorage:
    return roll_call_storage


class Equipment(models.TextChoices):
    FIRST_AID = "first_aid", _("First-aid kit")
    AED = "aed", _("Defibrillator (AED)")
    PHONE_CHARGER = "phone_charger", _("Phone charger")
    DRINKING_WATER = "drinking_water", _("Drinking water")
    UMBRELLA = "umbrella", _("Umbrellas")
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    CCTV = "cctv", _("CCTV")
    ALARM = "alarm", _("Alarm button to the police")


class SafeHouse(TimeStampedModel):
    """A place that takes people in (a shop, a kiosk, a police box), kept by one station (agency)."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    is_24h = models.BooleanField(_("open 24 hours"), default=False)
    equipment = ArrayField(
        models.CharField(max_length=20, choices=Equipment.choices),
        verbose_name=_("equipment"),
        default=list,
        blank=True,
    )
    # PROTECT: a station that keeps safe houses is not deleted from under them
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("station"), on_delete=models.PROTECT, related_name="safe_houses"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_zh"]
        verbose_name = _("safe house")
        verbose_name_plural = _("safe houses")
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180), name="safehouse_position_valid"
            ),
        ]
        indexes = [models.Index(fields=["lat", "lon"], name="safehouse_position_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The English name for English readers when there is one; the Chinese name otherwise."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name_zh

    @property
    def equipment_labels(self) -> list[str]:
        labels = dict(Equipment.choices)
        return [str(labels.get(item, item)) for item in self.equipment]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(TimeStampedModel):
    """One opening of a safe house on a weekday, in the city's time. `closes` at or before `opens`
    means the opening runs past midnight (22:00–02:00 is Monday 22:00 to Tuesday 02:00)."""

    safe_house = models.ForeignKey(SafeHouse, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["safe_house", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="openinghours_weekday_valid"),
            # equal times would be either nothing or a whole day: say is_24h instead
            models.CheckConstraint(condition=~Q(opens=F("closes")), name="openinghours_not_empty"),
            models.UniqueConstraint(fields=["safe_house", "weekday", "opens"], name="openinghours_unique_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ShiftKind(models.TextChoices):
    DAY = "day", _("Day")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")


class DutyShift(TimeStampedModel):
    """A guard on duty at a safe house from starts_at to ends_at, with `roll_call_count` roll calls
    at random moments of it."""

    safe_house = models.ForeignKey(SafeHouse, on_delete=models.CASCADE, related_name="shifts")
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guard"), on_delete=models.PROTECT, related_name="safe_house_shifts"
    )
    kind = models.CharField(_("shift"), max_length=10, choices=ShiftKind.choices, default=ShiftKind.DAY)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    roll_call_count = models.PositiveSmallIntegerField(_("roll calls"), default=2)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="dutyshift_ends_after_start"),
            models.CheckConstraint(condition=Q(roll_call_count__lte=12), name="dutyshift_roll_calls_bounded"),
        ]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="dutyshift_window_idx")]

    def __str__(self) -> str:
        return f"{self.safe_house} {self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class RollCallStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ASKED = "asked", _("Asked")
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")


class RollCall(TimeStampedModel):
    """One roll call (查岗) of a shift: planned at a random moment, asked then, answered by the guard
    with a photo and a position before due_at, or missed. (shift, number) is unique, so planning
    twice plans nothing new."""

    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="roll_calls")
    number = models.PositiveSmallIntegerField()
    ask_at = models.DateTimeField(_("ask at"))
    status = models.CharField(
        _("status"), max_length=10, choices=RollCallStatus.choices, default=RollCallStatus.PLANNED
    )
    asked_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    photo = models.FileField(storage=_roll_call_storage, max_length=200, blank=True)

    class Meta:
        ordering = ["-ask_at"]
        verbose_name = _("roll call")
        verbose_name_plural = _("roll calls")
        constraints = [
            models.UniqueConstraint(fields=["shift", "number"], name="rollcall_unique_number"),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False, lat__isnull=False, lon__isnull=False),
                name="rollcall_answer_complete",
            ),
        ]
        indexes = [models.Index(fields=["status", "ask_at"], name="rollcall_status_idx")]

    def __str__(self) -> str:
        return f"{self.shift} #{self.number} {self.status}"
