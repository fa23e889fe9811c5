from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import ApiTokenScope, DeliveryAttempt, Notice, OutboundDelivery, UnansweredMessage, WebhookEvent
from .services import (
    Busy,
    delivery_retry,
    inbound_answer_once,
    messages_unanswered,
    webhook_event_enqueue,
    webhook_events_stuck,
)


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


class StuckEventFilter(admin.SimpleListFilter):
    """Events still "received" after MESSAGING_UNANSWERED_AFTER_SECONDS: their task was lost (a worker killed, the
    broker down) or is still retrying (the error column says why). The recovery job queues them again by itself."""

    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", "Stuck (received, not processed)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=webhook_events_stuck().values("pk"))
        return queryset


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Reminders and notices about bookings, each sent once (job notices-send). Read-only: a record of what went out."""

    list_display = ["id", "kind", "booking_id", "chef", "event_date", "slot", "channel", "recipient", "status_now",
                    "attempts", "short_error", "created_at"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["recipient", "booking__id", "chef__name", "last_error"]
    list_select_related = ["chef", "message__delivery"]
    readonly_fields = ["booking", "kind", "chef", "event_date", "slot", "channel", "recipient", "message", "subject",
                       "text", "status", "attempts", "last_error", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="status")
    def status_now(self, obj):
        return obj.delivery_status

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.message.delivery.last_error if obj.message_id and hasattr(obj.message, "delivery")
                else obj.last_error)[:80]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "channel", "event_id", "status", "attempts", "received_at", "processed_at",
                    "message"]
    list_filter = ["status", "provider", "channel"]
    search_fields = ["event_id", "error"]
    readonly_fields = ["provider", "event_id", "channel", "payload", "status", "attempts", "error", "received_at",
                       "processed_at", "message"]
    actions = ["reprocess"]

    def get_list_filter(self, request):
        return [StuckEventFilter, *self.list_filter]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Process the selected failed or stuck events again")
    def reprocess(self, request, queryset):
        """Failed events start a fresh attempt budget (staff decided to try again); events still "received" (stuck: a
        lost task, a broker outage) are queued again with the attempts they have used."""
        failed = stuck = 0
        for event in queryset.filter(status__in=[WebhookEvent.Status.FAILED, WebhookEvent.Status.RECEIVED]):
            if event.status == WebhookEvent.Status.FAILED:
                WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.RECEIVED, attempts=0)
                failed += int(webhook_event_enqueue(event=event))
            else:
                stuck += int(webhook_event_enqueue(event=event))
        self.message_user(request, f"{failed + stuck} event(s) queued again ({failed} failed, {stuck} stuck).")


@admin.register(UnansweredMessage)
class UnansweredMessageAdmin(admin.ModelAdmin):
    """Customer messages nobody answered (services.unanswered): the beat job hands them to a worker within a minute;
    staff can answer them right here, or open the conversation and reply themselves."""

    list_display = ["id", "short_text", "channel", "conversation_link", "sent_at"]
    list_filter = ["channel"]
    search_fields = ["text"]
    list_select_related = ["conversation"]
    actions = ["answer_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=messages_unanswered().values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        url = reverse("admin:conversations_conversation_change", args=[obj.conversation_id])
        return format_html('<a href="{}">#{}</a>', url, obj.conversation_id)

    def has_answer_permission(self, request):
        """Answering on the customer's behalf is acting in the conversation: staff who may change conversations."""
        return request.user.has_perm("conversations.change_conversation")

    @admin.action(description="Answer the selected messages now", permissions=["answer"])
    def answer_now(self, request, queryset):
        answered, busy, failed = 0, 0, 0
        for message_id in queryset.values_list("id", flat=True):
            try:
                answered += int(inbound_answer_once(message_id=message_id).created)
            except Busy:
                busy += 1
            except Exception:  # noqa: BLE001 - inbound_answer_once escalated the conversation to staff
                failed += 1
        self.message_user(request, f"{answered} message(s) answered"
                                   + (f"; {busy} being answered by a worker" if busy else "")
                                   + (f"; {failed} failed and escalated to staff" if failed else "") + ".",
                          messages.WARNING if failed else messages.SUCCESS)


@admin.register(ApiTokenScope)
class ApiTokenScopeAdmin(admin.ModelAdmin):
    """What each API token may do; tokens are issued with `python manage.py create_api_token USER --channel ...`."""

    list_display = ("token_user", "channels", "staff", "updated_at")
    list_filter = ("staff",)
    search_fields = ("token__user__username",)
    list_select_related = ("token__user",)
    fields = ("token", "channels", "staff")
    readonly_fields = ("token",)

    @admin.display(description="user", ordering="token__user__username")
    def token_user(self, obj):
        return obj.token.user

    def has_add_permission(self, request):
        return False
