"""The registry in the admin: safe houses with their opening hours, duty shifts, roll calls (read-only).
A non-superuser sees and keeps only the safe houses of the stations (agencies) they are staff of."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from safehouses.models import DutyShift, OpeningHours, RollCall, SafeHouse


def _agency_ids(request: HttpRequest) -> list[int]:
    return list(request.user.agency_memberships.values_list("agency_id", flat=True))


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(SafeHouse)
class SafeHouseAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "agency", "address", "phone", "is_24h", "is_active")
    list_filter = ("agency", "is_24h", "is_active")
    search_fields = ("name_zh", "name_en", "address")
    inlines = (OpeningHoursInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SafeHouse]:
        queryset = super().get_queryset(request).select_related("agency")
        return queryset if request.user.is_superuser else queryset.filter(agency_id__in=_agency_ids(request))


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("safe_house", "kind", "guard", "starts_at", "ends_at", "roll_call_count")
    list_filter = ("kind", "safe_house__agency")
    raw_id_fields = ("guard",)
    date_hierarchy = "starts_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DutyShift]:
        queryset = super().get_queryset(request).select_related("safe_house", "guard")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(safe_house__agency_id__in=_agency_ids(request))


@admin.register(RollCall)
class RollCallAdmin(admin.ModelAdmin):
    list_display = ("shift", "number", "status", "ask_at", "asked_at", "due_at", "answered_at", "distance_m")
    list_filter = ("status",)
    readonly_fields = [f.name for f in RollCall._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RollCall]:
        queryset = super().get_queryset(request).select_related("shift__safe_house")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(shift__safe_house__agency_id__in=_agency_ids(request))
