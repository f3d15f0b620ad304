from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Agency,
    AgencyMembership,
    Grid,
    GridMembership,
    PickupPoint,
    PickupPointMembership,
    User,
)
from accounts.selectors import user_email_verified
from accounts.services import STAFF_ROLES


def _email_unverified_message() -> str:
    return str(_("Staff roles are given only to accounts whose email address is verified."))


class StaffMembershipFormSet(BaseInlineFormSet):
    """A new membership makes the user staff: only with a verified email address (as the services)."""

    def clean(self) -> None:
        super().clean()
        adds = [form for form in self.forms if form.has_changed() and not form.instance.pk]
        adds = [form for form in adds if not (self.can_delete and self._should_delete_form(form))]
        if adds and (self.instance.pk is None or not user_email_verified(user=self.instance)):
            raise ValidationError(_email_unverified_message(), code="email_unverified")


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    formset = StaffMembershipFormSet
    extra = 0
    autocomplete_fields = ["agency"]


class GridMembershipInline(admin.TabularInline):
    model = GridMembership
    formset = StaffMembershipFormSet
    extra = 0
    autocomplete_fields = ["grid"]


class PickupPointMembershipInline(admin.TabularInline):
    model = PickupPointMembership
    formset = StaffMembershipFormSet
    extra = 0
    autocomplete_fields = ["pickup_point"]


class UserChangeForm(BaseUserChangeForm):
    """Roles that make someone staff are added only to a verified email address."""

    def clean_roles(self) -> list[str]:
        roles = self.cleaned_data.get("roles") or []
        before = set(self.instance.roles or []) if self.instance.pk else set()
        added = (set(roles) - before) & STAFF_ROLES
        if added and (self.instance.pk is None or not user_email_verified(user=self.instance)):
            raise ValidationError(_email_unverified_message(), code="email_unverified")
        return roles


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    ordering = ["email"]
    list_display = ["email", "display_name", "roles", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "preferred_language"]
    search_fields = ["email", "display_name"]
    inlines = [AgencyMembershipInline, GridMembershipInline, PickupPointMembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "preferred_language", "roles")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "grid", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "handling_agency", "population"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "grid", "is_active"]
    search_fields = ["name", "address"]
