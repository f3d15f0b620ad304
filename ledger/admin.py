"""The ledger in Django admin: everything read-only except funding, which goes through agency_fund."""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from core.errors import DomainError
from ledger import services
from ledger.models import Account, AccountKind, ChainSeal, Funding, Hold, Posting, ReconciliationRun, Transaction


class ReadOnlyAdmin(admin.ModelAdmin):
    """The books are changed only by services; admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FundActionForm(forms.Form):
    points = forms.IntegerField(min_value=1, max_value=10**12, label=_("points (FZB) for each agency"))
    cny_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=16,
        decimal_places=2,
        label=_("CNY paid for each agency"),
        help_text=_("Empty: points × the FZB:CNY rate setting."),
    )
    memo = forms.CharField(required=False, max_length=500, label=_("memo"))
    nonce = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, max_length=64)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "user", "agency", "shard", "posted", "held", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__email", "agency__name"]
    actions = ["fund_agencies"]

    @admin.action(description=_("Fund the selected agency budgets…"), permissions=["view"])
    def fund_agencies(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        """An intermediate form (points, CNY, memo), then agency_fund for each selected budget."""
        if not request.user.is_superuser and not request.user.has_perm("ledger.add_funding"):
            self.message_user(request, _("Only administrators may fund agencies."), messages.ERROR)
            return None
        budgets = list(queryset.filter(kind=AccountKind.AGENCY_BUDGET).select_related("agency"))
        if not budgets:
            self.message_user(request, _("Select at least one agency budget."), messages.WARNING)
            return None
        form = FundActionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            for budget in budgets:
                services.agency_fund(
                    agency=budget.agency,
                    amount=data["points"],
                    cny=data.get("cny_amount"),
                    memo=data.get("memo") or "",
                    idempotency_key=f"admin:fund:{data['nonce']}:{budget.agency_id}",
                    initiated_by=request.user,
                )
            self.message_user(request, _("Funded %(count)d agencies.") % {"count": len(budgets)}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Fund agency budgets"),
            "budgets": budgets,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ledger/fund_agencies.html", context)


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ["account", "amount", "currency", "balance_after"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "memo", "idempotency_key", "ref_type", "ref_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "memo"]
    inlines = [PostingInline]
    actions = ["reverse_transactions"]

    @admin.action(description=_("Reverse the selected transactions (post their opposite)"), permissions=["view"])
    def reverse_transactions(self, request: HttpRequest, queryset: Any) -> None:
        """Corrections are reversal transactions: one per selected transaction, at most once each."""
        if not request.user.is_superuser:
            self.message_user(request, _("Only administrators may reverse transactions."), messages.ERROR)
            return
        for tx in queryset.order_by("id"):
            try:
                services.transaction_reverse(
                    transaction_=tx, initiated_by=request.user, memo=f"Reversal of #{tx.pk} by admin"
                )
            except DomainError as exc:
                self.message_user(request, f"#{tx.pk}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, _("Reversed #%(id)d.") % {"id": tx.pk}, messages.SUCCESS)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "amount", "status", "idempotency_key", "created_at"]
    list_select_related = ["account"]
    list_filter = ["status"]


@admin.register(ChainSeal)
class ChainSealAdmin(ReadOnlyAdmin):
    list_display = ["seq", "transaction", "hash", "created_at"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "ok", "chain_ok", "duration_ms"]


class FundingForm(forms.ModelForm):
    """Fund an agency: points from the district's funding source, with the CNY paid for them."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True), label=_("agency"))
    points = forms.IntegerField(min_value=1, max_value=10**12, label=_("points (FZB)"))
    cny_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=16,
        decimal_places=2,
        label=_("CNY paid"),
        help_text=_("Empty: points × the FZB:CNY rate setting."),
    )
    memo = forms.CharField(required=False, max_length=500, label=_("memo"))
    # A nonce rendered into the form makes a double-submitted form fund once (the idempotency key).
    nonce = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, max_length=64)

    class Meta:
        model = Funding
        fields: list[str] = []


@admin.register(Funding)
class FundingAdmin(admin.ModelAdmin):
    """Add = fund an agency through ledger.services.agency_fund. Existing fundings cannot change."""

    form = FundingForm
    list_display = ["id", "agency", "points", "cny", "rate", "transaction", "created_at"]
    list_select_related = ["agency", "transaction"]
    search_fields = ["agency__name"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Funding, form: FundingForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            tx = services.agency_fund(
                agency=data["agency"],
                amount=data["points"],
                cny=data.get("cny_amount"),
                memo=data.get("memo") or "",
                idempotency_key=f"admin:fund:{data['nonce']}",
                initiated_by=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            raise
        funding = Funding.objects.get(transaction=tx)
        obj.__dict__.update({k: v for k, v in funding.__dict__.items() if k != "_state"})
        obj._state.adding = False
