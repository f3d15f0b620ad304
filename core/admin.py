"""Admin: the outbox (core.outbox), read-only, so staff see what waits for the broker and why."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from core.outbox import outbox_stats


class SentFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("pending", _("waiting for the broker")), ("sent", _("handed over"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "key", "task", "created_at", "attempts", "available_at", "sent_at", "last_error")
    list_filter = (SentFilter, "task")
    search_fields = ("key",)
    ordering = ("-id",)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        stats = outbox_stats()
        title = _("Outbox: %(depth)d waiting, the oldest for %(lag)s s") % {
            "depth": stats["depth"],
            "lag": stats["lag_seconds"],
        }
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False
