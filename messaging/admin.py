from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import DeliveryAttempt, OutboundDelivery, WebhookEvent
from .services import delivery_retry, webhook_event_enqueue


class DeliveryAttemptInline(admin.TabularInline):
    """Every try to send the message, oldest first: what the provider said each time."""

    model = DeliveryAttempt
    fields = ["number", "started_at", "finished_at", "ok", "error", "provider_message_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "message_link", "channel", "status", "attempts", "short_error", "recipient", "created_at",
                    "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "provider_message_id", "last_error", "message__text"]
    readonly_fields = ["message", "channel", "backend", "status", "attempts", "last_error", "recipient",
                       "provider_message_id", "created_at", "last_attempt_at", "sent_at"]
    actions = ["retry"]
    list_select_related = ["message"]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="message")
    def message_link(self, obj):
        url = reverse("admin:conversations_message_change", args=[obj.message_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.message_id, obj.message.text[:40])

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description="Retry delivery of the selected messages")
    def retry(self, request, queryset):
        queued = skipped = 0
        for delivery in queryset:
            if delivery.status == OutboundDelivery.Status.SENT:
                skipped += 1
            elif delivery_retry(delivery=delivery):
                queued += 1
        self.message_user(request, f"{queued} delivery(ies) queued again"
                                   + (f"; {skipped} already sent, left alone" if skipped else "") + ".",
                          messages.SUCCESS if queued else messages.WARNING)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "channel", "event_id", "status", "attempts", "received_at", "processed_at",
                    "message"]
    list_filter = ["status", "provider", "channel"]
    search_fields = ["event_id", "error"]
    readonly_fields = ["provider", "event_id", "channel", "payload", "status", "attempts", "error", "received_at",
                       "processed_at", "message"]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Process the selected failed events again")
    def reprocess(self, request, queryset):
        count = 0
        for event in queryset.filter(status=WebhookEvent.Status.FAILED):
            WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.RECEIVED, attempts=0)
            count += int(webhook_event_enqueue(event=event))
        self.message_user(request, f"{count} event(s) queued again.")
