from django.contrib import admin

from tips.models import CaseEvent, PartnerApiKey, PlaceCode, Tip, TipCategory, TipPhoto


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
    ]


@admin.register(PlaceCode)
class PlaceCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "grid", "lat", "lon", "is_active"]
    list_filter = ["grid"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["action", "actor", "from_status", "to_status", "note", "data", "created_at"]
    can_delete = False


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "kind", "category", "grid", "created_at"]
    list_filter = ["status", "kind", "category", "grid"]
    search_fields = ["reference"]
    readonly_fields = ["reward_transaction_id", "reward_paid_at"]
    inlines = [CaseEventInline]


@admin.register(TipPhoto)
class TipPhotoAdmin(admin.ModelAdmin):
    list_display = ["tip", "position", "width", "height", "byte_size"]


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "is_active", "last_used_at"]
    readonly_fields = ["prefix", "key_hash"]
