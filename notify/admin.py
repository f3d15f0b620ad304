from django.contrib import admin

from notify.models import NotifyChoice, PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "endpoint", "created_at", "last_sent_at")
    raw_id_fields = ("user",)
    readonly_fields = ("endpoint", "p256dh", "auth", "last_sent_at")


@admin.register(NotifyChoice)
class NotifyChoiceAdmin(admin.ModelAdmin):
    list_display = ("user", "push", "sms_alarms", "quiet_start", "quiet_end")
    raw_id_fields = ("user",)
