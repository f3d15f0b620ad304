"""The admin of community groups: groups and officers, the duty desks and their roster, the
service directory; posts and the moderation record read-only (hidden posts are kept, not deleted)."""

from django.contrib import admin

from community.models import DeskShift, DutyDesk, Group, Membership, ModerationStep, ServiceEntry


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "hours_from", "hours_to", "muted_until", "removed_at"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "grid", "station", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["grid", "station", "created_by"]
    inlines = [MembershipInline]


class DeskShiftInline(admin.TabularInline):
    model = DeskShift
    extra = 1
    raw_id_fields = ["user"]


@admin.register(DutyDesk)
class DutyDeskAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "lead"]
    raw_id_fields = ["station", "lead"]
    inlines = [DeskShiftInline]


@admin.register(DeskShift)
class DeskShiftAdmin(admin.ModelAdmin):
    list_display = ["desk", "user", "starts_at", "ends_at"]
    list_filter = ["desk"]
    raw_id_fields = ["user"]


@admin.register(ServiceEntry)
class ServiceEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "phone", "group"]
    search_fields = ["name"]


@admin.register(ModerationStep)
class ModerationStepAdmin(admin.ModelAdmin):
    list_display = ["created_at", "group", "action", "actor", "post", "member", "until"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None) -> bool:  # the record is not edited
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
