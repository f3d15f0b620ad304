import json

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError
from tips import routing, services
from tips.errors import NotGridStaffError
from tips.models import CaseEvent, PartnerApiKey, PlaceCode, RoutingRule, Tip, TipCategory, TipPhoto
from tips.selectors import staff_grid_ids


@admin.register(TipCategory)
class TipCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "accept_minutes",
        "verify_hours",
        "default_reward_points",
        "is_public",
        "public_from",
    ]
    list_editable = ["public_from"]


class PlaceCodeAdminForm(forms.ModelForm):
    """The rules of tips.services.place_code_check: a slug code, a point inside the code's grid
    (a new code belongs to the innermost grid containing its point), only the grid's own staff."""

    actor: User | None = None  # set per request by PlaceCodeAdmin.get_form

    class Meta:
        model = PlaceCode
        fields = ["code", "name", "lat", "lon", "is_active"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors or self.actor is None:
            return data
        place = self.instance if self.instance.pk else None
        try:
            self.instance.grid = services.place_code_check(
                actor=self.actor,
                place=place,
                code=data.get("code", ""),
                name=data.get("name"),
                lat=data.get("lat"),
                lon=data.get("lon"),
            )
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code=error.code) from error
        return data


@admin.register(PlaceCode)
class PlaceCodeAdmin(admin.ModelAdmin):
    """Place codes go through tips.services like the staff page and the API; a printed code never
    changes, and staff who reach the admin see and change only the codes of their grids."""

    form = PlaceCodeAdminForm
    list_display = ["code", "name", "grid", "lat", "lon", "is_active"]
    list_filter = ["grid"]
    search_fields = ["code", "name"]

    def get_form(self, request: HttpRequest, obj: PlaceCode | None = None, **kwargs: object) -> type:
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a fresh class per request (modelform_factory)
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: PlaceCode | None = None) -> list[str]:
        return ["code", "grid"] if obj is not None else ["grid"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlaceCode]:
        codes = super().get_queryset(request).select_related("grid")
        try:
            return codes.filter(grid_id__in=staff_grid_ids(user=request.user))
        except NotGridStaffError:
            return codes.none()

    def save_model(self, request: HttpRequest, obj: PlaceCode, form: forms.ModelForm, change: bool) -> None:
        if change:
            services.place_code_update(
                actor=request.user, place=obj, name=obj.name, lat=obj.lat, lon=obj.lon, is_active=obj.is_active
            )
            return
        made = services.place_code_create(actor=request.user, code=obj.code, name=obj.name, lat=obj.lat, lon=obj.lon)
        if not obj.is_active:
            made = services.place_code_update(actor=request.user, place=made, is_active=False)
        obj.pk, obj.grid, obj.created_at, obj.updated_at = made.pk, made.grid, made.created_at, made.updated_at


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["action", "actor", "from_status", "to_status", "note", "data_shown", "created_at"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("data"))
    def data_shown(self, event: CaseEvent) -> str:
        data = dict(event.data or {})
        if event.tip.anonymous:
            data.pop("transaction_id", None)  # the reward's transaction would lead to the wallet
        return json.dumps(data, ensure_ascii=False)


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    """Tips; for an anonymous tip the reporter (and the reward's transaction, which leads to the
    reporter's wallet) is not shown, and it cannot be made non-anonymous here."""

    list_display = ["reference", "status", "kind", "category", "grid", "created_at"]
    list_filter = ["status", "kind", "category", "grid"]
    search_fields = ["reference"]
    readonly_fields = ["reward_transaction_id", "reward_paid_at"]
    inlines = [CaseEventInline]

    def get_exclude(self, request: HttpRequest, obj: Tip | None = None) -> list[str]:
        if obj is not None and obj.anonymous:
            return ["reporter"]
        return list(super().get_exclude(request, obj) or [])

    def get_readonly_fields(self, request: HttpRequest, obj: Tip | None = None) -> list[str]:
        if obj is not None and obj.anonymous:
            return ["reporter_shown", "anonymous", "reward_paid_at"]
        return list(super().get_readonly_fields(request, obj))

    @admin.display(description=_("reporter"))
    def reporter_shown(self, tip: Tip) -> str:
        return str(_("Anonymous"))


@admin.register(TipPhoto)
class TipPhotoAdmin(admin.ModelAdmin):
    list_display = ["tip", "position", "width", "height", "byte_size"]


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "is_active", "last_used_at"]
    readonly_fields = ["prefix", "key_hash"]


class RoutingRuleAdminForm(forms.ModelForm):
    """The rules of tips.routing.routing_rule_check: a grid of the actor's, an active category and
    department, a place code inside the rule's grid."""

    actor: User | None = None  # set per request by RoutingRuleAdmin.get_form

    class Meta:
        model = RoutingRule
        fields = ["grid", "category", "place_code", "agency"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors or self.actor is None:
            return data
        place = data.get("place_code")
        try:
            routing.routing_rule_check(
                actor=self.actor,
                grid_id=data["grid"].pk,
                category_code=data["category"].code,
                agency_id=data["agency"].pk,
                place_code=place.code if place else None,
            )
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code=error.code) from error
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Routing rules (立码办) under the API's rules; staff who reach the admin see only their grids'."""

    form = RoutingRuleAdminForm
    list_display = ["grid", "category", "place_code", "agency", "created_at"]
    list_filter = ["grid", "category", "agency"]
    raw_id_fields = ["place_code"]

    def get_form(self, request: HttpRequest, obj: RoutingRule | None = None, **kwargs: object) -> type:
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingRule]:
        rules = super().get_queryset(request).select_related("grid", "category", "place_code", "agency")
        try:
            return rules.filter(grid_id__in=staff_grid_ids(user=request.user))
        except NotGridStaffError:
            return rules.none()

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
