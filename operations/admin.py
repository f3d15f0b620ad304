from django.contrib import admin

from operations.models import CaseDispatch


@admin.register(CaseDispatch)
class CaseDispatchAdmin(admin.ModelAdmin):
    list_display = ("tip", "task", "count", "points", "created_by", "created_at")
    raw_id_fields = ("tip", "task", "created_by")
    readonly_fields = ("tip", "task", "created_by", "count", "points")
