"""Admin for the shop: the catalogue and its stock, voucher-code CSV uploads, and the orders."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from rewards import services
from rewards.models import Redemption, RedemptionStatus, Reward, VoucherCode

MAX_CSV_BYTES = 5 * 1024 * 1024


class RewardAdminForm(forms.ModelForm):
    add_stock = forms.IntegerField(
        label=_("add to stock"),
        required=False,
        help_text=_(
            "Restock by this many (negative to write off). Applied atomically, so orders placed meanwhile count."
        ),
    )

    class Meta:
        model = Reward
        fields = "__all__"  # noqa: DJ007 - the admin shows every field of the catalogue


class VoucherCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("One code per row in the first column; a header row named 'code' is skipped.")
    )


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "price_points",
        "cost",
        "stock_left",
        "codes_free",
        "per_user_limit",
        "is_active",
        "starts_at",
        "ends_at",
    ]
    form = RewardAdminForm
    list_filter = ["kind", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "name_en"]
    filter_horizontal = ["pickup_points"]
    readonly_fields = ["codes_free", "orders_open", "upload_link"]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "description", "description_en", "kind", "image", "sort_order"]}),
        (_("Price and stock"), {"fields": ["price_points", "cost", "stock_left", "add_stock", "per_user_limit"]}),
        (_("On sale"), {"fields": ["is_active", "starts_at", "ends_at", "pickup_points"]}),
        (_("Status"), {"fields": ["codes_free", "orders_open", "upload_link"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Reward | None = None) -> list[str]:
        # Orders move stock_left with conditional UPDATEs; a form saving a number it read a minute
        # ago would undo them. After creation the stock changes only through add_stock.
        return [*self.readonly_fields, "stock_left"] if obj is not None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Reward, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.save()
        else:
            skip = {"id", "stock_left", "created_at"}
            obj.save(update_fields=[f.name for f in obj._meta.concrete_fields if f.name not in skip])
        delta = form.cleaned_data.get("add_stock") or 0
        if delta and change:
            changed = Reward.objects.filter(pk=obj.pk, stock_left__gte=-delta).update(
                stock_left=F("stock_left") + delta, updated_at=timezone.now()
            )
            if not changed:
                self.message_user(request, _("Not enough stock left to write off that many."), messages.ERROR)
        obj.refresh_from_db(fields=["stock_left"])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reward]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                free_codes=Count("codes", filter=Q(codes__redemption__isnull=True), distinct=True),
            )
        )

    @admin.display(description=_("unused codes"), ordering="free_codes")
    def codes_free(self, obj: Reward) -> int | str:
        if not obj.is_virtual:
            return "—"
        return getattr(obj, "free_codes", None) or obj.codes.filter(redemption__isnull=True).count()

    @admin.display(description=_("orders waiting for pickup"))
    def orders_open(self, obj: Reward) -> int:
        return obj.redemptions.filter(status=RedemptionStatus.RESERVED).count() if obj.pk else 0

    @admin.display(description=_("voucher codes"))
    def upload_link(self, obj: Reward) -> str:
        from django.utils.html import format_html

        if not obj.pk or not obj.is_virtual:
            return "—"
        url = reverse("admin:rewards_reward_upload_codes", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Upload codes (CSV)"))

    def get_urls(self) -> list:
        extra = [
            path(
                "<int:reward_id>/upload-codes/",
                self.admin_site.admin_view(self.upload_codes_view),
                name="rewards_reward_upload_codes",
            ),
        ]
        return extra + super().get_urls()

    def upload_codes_view(self, request: HttpRequest, reward_id: int) -> HttpResponse:
        """Upload a CSV of voucher codes: new codes join the pool and the stock."""
        reward = get_object_or_404(Reward, pk=reward_id)
        if not self.has_change_permission(request, reward):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = VoucherCsvForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_CSV_BYTES:
                form.add_error("file", _("The file is larger than 5 MB."))
            else:
                try:
                    codes = services.voucher_codes_from_csv(upload.read())
                    added = services.voucher_codes_add(reward=reward, codes=codes)
                except DomainError as error:
                    form.add_error("file", str(error.message))
                else:
                    self.message_user(
                        request,
                        _("%(added)d new codes added (%(skipped)d already known); stock is now %(stock)d.")
                        % {
                            "added": added,
                            "skipped": len(set(codes)) - added,
                            "stock": Reward.objects.get(pk=reward.pk).stock_left,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:rewards_reward_change", args=[reward.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Upload voucher codes for %(name)s") % {"name": reward.name},
            "reward": reward,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "rewards/admin_upload_codes.html", context)


@admin.register(VoucherCode)
class VoucherCodeAdmin(admin.ModelAdmin):
    list_display = ["reward", "masked", "redemption", "assigned_at", "created_at"]
    list_filter = ["reward", ("redemption", admin.EmptyFieldListFilter)]
    raw_id_fields = ["redemption"]
    readonly_fields = ["redemption", "assigned_at"]

    @admin.display(description=_("code"))
    def masked(self, obj: VoucherCode) -> str:
        # Unused codes are worth money: the list shows only their start.
        return obj.code if obj.redemption_id else f"{obj.code[:4]}…"


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    """Orders are changed only by the shop's services (they move points); here they are read."""

    list_display = [
        "id",
        "code",
        "user",
        "reward",
        "quantity",
        "points",
        "status",
        "pickup_point",
        "created_at",
        "expires_at",
        "fulfilled_at",
    ]
    list_filter = ["status", "reward", "pickup_point"]
    search_fields = ["code", "user__email", "user__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "reward", "pickup_point"]
    actions = ["expire_overdue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Redemption | None = None) -> bool:
        return False

    @admin.action(description=_("Expire the selected orders that are past their pickup deadline"))
    def expire_overdue(self, request: HttpRequest, queryset: QuerySet[Redemption]) -> None:
        expired = sum(1 for pk in queryset.values_list("pk", flat=True) if services.redemption_expire(redemption_id=pk))
        self.message_user(request, _("%(n)d orders expired and refunded.") % {"n": expired}, messages.SUCCESS)
