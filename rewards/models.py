"""The reward shop: a catalogue of rewards, pools of voucher codes, and the orders (redemptions).

Stock is a counter on the reward row that only ever moves by a conditional UPDATE, so it can never
go below zero (a CHECK constraint refuses it too). Points never move here: an order holds them through
ledger.services and captures or releases the hold.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from core.models import TimeStampedModel


class RewardKind(models.TextChoices):
    VIRTUAL = "virtual", _("Virtual (code delivered at once)")
    PHYSICAL = "physical", _("Physical (picked up at a pickup point)")


class RewardQuerySet(models.QuerySet):
    def available(self, now=None) -> "RewardQuerySet":
        """Active and inside their sales window."""
        now = now or timezone.now()
        return self.filter(is_active=True).filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Reward(TimeStampedModel):
    """One item of the catalogue."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices)
    price_points = models.PositiveIntegerField(_("price (FZB)"))
    cost = MoneyField(
        _("real cost"), max_digits=10, decimal_places=2, default_currency="CNY", currency_choices=[("CNY", "CNY")]
    )
    stock_left = models.PositiveIntegerField(
        _("stock left"),
        default=0,
        help_text=_("Virtual rewards also need unused voucher codes: uploading codes adds them to the stock."),
    )
    per_user_limit = models.PositiveIntegerField(
        _("limit per person"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    starts_at = models.DateTimeField(_("on sale from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("on sale until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    image = models.ImageField(_("image"), upload_to="rewards/", blank=True)
    pickup_points = models.ManyToManyField(
        "accounts.PickupPoint", blank=True, related_name="rewards", verbose_name=_("pickup points")
    )
    sort_order = models.IntegerField(_("sort order"), default=0)

    objects = RewardQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(condition=Q(price_points__gt=0), name="reward_price_positive"),
            models.CheckConstraint(condition=Q(stock_left__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(per_user_limit__isnull=True) | Q(per_user_limit__gt=0), name="reward_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="reward_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name in the current language (English when asked for and given)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def shown_description(self) -> str:
        if self.description_en and (get_language() or "").startswith("en"):
            return self.description_en
        return self.description

    @property
    def is_virtual(self) -> bool:
        return self.kind == RewardKind.VIRTUAL


class VoucherCode(TimeStampedModel):
    """One code of a virtual reward's pool; taken by exactly one order."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="codes", verbose_name=_("reward"))
    code = models.CharField(_("code"), max_length=200)
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    assigned_at = models.DateTimeField(_("handed out at"), null=True, blank=True)

    class Meta:
        ordering = ["reward", "id"]
        verbose_name = _("voucher code")
        verbose_name_plural = _("voucher codes")
        constraints = [models.UniqueConstraint(fields=["reward", "code"], name="voucher_code_unique_per_reward")]
        indexes = [
            # the pool of unused codes, read with FOR UPDATE SKIP LOCKED
            models.Index(fields=["reward", "id"], condition=Q(redemption__isnull=True), name="voucher_code_free"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id}:{self.code[:4]}…"


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved: waiting for pickup")
    DELIVERED = "delivered", _("Delivered")
    FULFILLED = "fulfilled", _("Picked up")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# Orders in these states count against the per-person limit.
COUNTED_STATUSES = (RedemptionStatus.RESERVED, RedemptionStatus.DELIVERED, RedemptionStatus.FULFILLED)


class Redemption(TimeStampedModel):
    """A citizen's order: points held (physical, until pickup) or spent (virtual, at once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("citizen")
    )
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward"))
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=10, choices=RedemptionStatus.choices, db_index=True)
    code = models.CharField(_("pickup code"), max_length=12, unique=True)
    pickup_point = models.ForeignKey(
        "accounts.PickupPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("pickup point"),
    )
    hold = models.OneToOneField(
        "ledger.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("hold")
    )
    request_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("pickup deadline"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("cancelled or expired at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="redemption_quantity_positive"),
            models.UniqueConstraint(
                fields=["user", "request_key"], condition=Q(request_key__isnull=False), name="redemption_request_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="reserved") | (Q(pickup_point__isnull=False) & Q(expires_at__isnull=False)),
                name="redemption_reserved_has_point",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(status="reserved"), name="redemption_reserved_expiry"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.code} ({self.status})"

    @cached_property
    def voucher_codes(self) -> list[str]:
        return [voucher.code for voucher in self.vouchers.all()]


class RedemptionTally(TimeStampedModel):
    """How many of a reward a citizen holds in open or completed orders.

    Its row is locked by every order of that citizen for that reward, so one citizen racing himself
    is serialised and cannot pass the per-person limit.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="tallies")
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["reward", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "reward"], name="redemption_tally_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="redemption_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}×{self.reward_id}={self.quantity}"
