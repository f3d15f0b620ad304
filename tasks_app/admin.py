"""Admin: read-mostly views of tasks, claims and their evidence. Points move only through the
services (publish, approve…), so escrow-relevant fields are read-only here."""

from django.contrib import admin

from tasks_app.models import CheckIn, Claim, DispatchOffer, Task, VolunteerStatus


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    fields = ("user", "status", "checked_in_at", "checked_out_at", "points_paid")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "category", "status", "starts_at", "slots_taken", "headcount", "points")
    list_filter = ("status", "category", "agency", "is_urgent")
    search_fields = ("title", "address")
    readonly_fields = ("status", "slots_taken", "escrow_points", "published_at", "closed_at", "cancelled_at")
    inlines = [ClaimInline]


class CheckInInline(admin.TabularInline):
    model = CheckIn
    extra = 0
    fields = ("kind", "received_at", "recorded_at", "lat", "lon", "accuracy_m", "distance_m", "accepted", "flags")
    readonly_fields = fields
    can_delete = False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "user", "status", "checked_in_at", "checked_out_at", "points_paid")
    list_filter = ("status",)
    search_fields = ("user__email", "task__title")
    readonly_fields = ("task", "user", "status", "points_paid", "decided_at", "decided_by")
    inlines = [CheckInInline]


@admin.register(DispatchOffer)
class DispatchOfferAdmin(admin.ModelAdmin):
    list_display = ("task", "user", "round", "distance_m", "status", "expires_at")
    list_filter = ("status",)


@admin.register(VolunteerStatus)
class VolunteerStatusAdmin(admin.ModelAdmin):
    list_display = ("user", "on_call", "position_at")
    list_filter = ("on_call",)
