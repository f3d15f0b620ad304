from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
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


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    autocomplete_fields = ["agency"]


class GridMembershipInline(admin.TabularInline):
    model = GridMembership
    extra = 0
    autocomplete_fields = ["grid"]


class PickupPointMembershipInline(admin.TabularInline):
    model = PickupPointMembership
    extra = 0
    autocomplete_fields = ["pickup_point"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
    list_display = ["name", "code", "level", "parent", "handling_agency"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "grid", "is_active"]
    search_fields = ["name", "address"]
