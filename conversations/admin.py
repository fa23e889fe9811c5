from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import path

from . import admin_views, selectors, services
from .models import ChannelIdentity, ContactVerification, Conversation, ConversationLog, Customer, Escalation, Message


class CustomerForm(forms.ModelForm):
    """Validates and normalises contact details with the same rules as the services (form errors, not 500s)."""

    class Meta:
        model = Customer
        fields = ["name", "email", "phone", "notes"]

    def clean_email(self):
        try:
            return services.normalize_email(self.cleaned_data.get("email"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["email"]) from None

    def clean_phone(self):
        try:
            return services.normalize_phone(self.cleaned_data.get("phone"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["phone"]) from None


class ChannelIdentityInline(admin.TabularInline):
    model = ChannelIdentity
    extra = 0
    fields = ["channel", "external_id", "created_at", "consent", "consent_source", "consent_changed_at"]
    readonly_fields = ["created_at", "consent", "consent_source", "consent_changed_at"]

    @admin.display(description="consent")
    def consent(self, obj):
        return f"opted out {obj.opted_out_at:%Y-%m-%d %H:%M}" if obj.opted_out_at else "subscribed"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers and their identities. The knowledge app adds the journey timeline (read from customer memory) to the
    change page: knowledge/templates/admin/conversations/customer/change_form.html."""

    form = CustomerForm
    list_display = ["__str__", "email", "phone", "conversation_count", "created_at"]
    search_fields = ["name", "email", "phone", "identities__external_id"]
    list_filter = ["created_at", "identities__channel"]
    inlines = [ChannelIdentityInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return selectors.customer_list_with_counts()

    @admin.display(description="conversations", ordering="conversation_count")
    def conversation_count(self, obj):
        return obj.conversation_count

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in ("name", "email", "phone", "notes")}
        if change:
            services.customer_update(customer=Customer.objects.get(pk=obj.pk), **data)
        else:
            obj.pk = services.customer_create(**data).pk


@admin.register(ChannelIdentity)
class ChannelIdentityAdmin(admin.ModelAdmin):
    list_display = ["external_id", "channel", "customer", "created_at", "opted_out_at", "consent_source"]
    list_filter = ["channel", ("opted_out_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "customer__name", "customer__email", "customer__phone"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = ["opted_out_at", "consent_source", "consent_changed_at"]
    actions = ["opt_out", "opt_in"]

    @admin.action(description="Opt out (no surveys or follow-ups)", permissions=["change"])
    def opt_out(self, request, queryset):
        changed = sum(services.identity_opt_out(identity=i, source=f"staff {request.user}") for i in queryset)
        self.message_user(request, f"{changed} contact(s) opted out.")

    @admin.action(description="Opt back in (only when the customer asked)", permissions=["change"])
    def opt_in(self, request, queryset):
        changed = sum(services.identity_opt_in(identity=i, source=f"staff {request.user}") for i in queryset)
        self.message_user(request, f"{changed} contact(s) opted back in.")


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["sent_at", "author", "text", "intent", "tone", "agent", "route", "confidence"]
    readonly_fields = fields
    ordering = ["sent_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel", "status", "assigned_to", "started_at", "last_activity_at"]
    list_filter = ["status", "channel", "started_at"]
    search_fields = ["customer__name", "customer__email", "customer__phone", "messages__text"]
    list_select_related = ["customer", "assigned_to"]
    raw_id_fields = ["customer"]
    readonly_fields = ["started_at", "last_activity_at", "closed_at"]
    inlines = [MessageInline]
    actions = ["close_conversations"]
    date_hierarchy = "last_activity_at"
    change_list_template = "admin/conversations/conversation/change_list.html"

    def get_urls(self):
        """Live handoff (conversations/admin_views.py), ahead of the default `<path:object_id>/` patterns."""
        wrap = self.admin_site.admin_view
        return [
            path("handoff/", wrap(lambda request: admin_views.handoff_list_view(self, request)),
                 name="conversations_handoff"),
            path("handoff/<int:conversation_id>/",
                 wrap(lambda request, conversation_id: admin_views.handoff_conversation_view(
                     self, request, conversation_id)),
                 name="conversations_handoff_conversation"),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.action(description="Close the selected conversations (rebuilds their analytics log)")
    def close_conversations(self, request, queryset):
        for conversation in queryset:
            services.conversation_close(conversation=conversation)
        self.message_user(request, f"Closed {queryset.count()} conversation(s).", messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "sent_at", "channel", "author", "short_text", "intent", "tone", "agent", "route", "cost_usd"]
    list_filter = ["channel", "author", "direction", "route", "agent", "intent", "tone", "sentiment"]
    search_fields = ["text", "external_id", "conversation__customer__name"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation"]
    date_hierarchy = "sent_at"

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:77] + "..."


@admin.register(ConversationLog)
class ConversationLogAdmin(admin.ModelAdmin):
    list_display = ["conversation", "customer", "timestamp", "booked", "updated_at"]
    list_filter = ["timestamp"]
    search_fields = ["customer__name", "customer__email"]
    list_select_related = ["conversation__customer", "customer"]
    readonly_fields = ["id", "conversation", "customer", "timestamp", "conversation_data", "outcome_data",
                       "performance_metrics", "metadata", "created_at", "updated_at"]

    @admin.display(boolean=True)
    def booked(self, obj):
        return bool((obj.outcome_data or {}).get("booked"))

    def has_add_permission(self, request):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "priority", "reason", "created_at", "staff_notified_at", "resolved_at"]
    list_filter = ["priority", ("resolved_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["reason", "conversation__customer__name", "conversation__customer__email"]
    list_select_related = ["conversation__customer"]
    raw_id_fields = ["conversation", "message", "resolved_by"]


@admin.register(ContactVerification)
class ContactVerificationAdmin(admin.ModelAdmin):
    """Read-only: who was sent a one-time code, for what, and how it went. The code is not stored (only its salted
    digest, which is not shown)."""

    list_display = ("id", "customer", "purpose", "channel", "contact", "created_at", "sent_at", "attempts",
                    "verified_at", "revoked_at")
    list_filter = ("purpose", "channel")
    search_fields = ("contact", "customer__name", "customer__email")
    list_select_related = ("customer",)
    fields = ("customer", "conversation", "purpose", "channel", "contact", "created_at", "expires_at", "sent_at",
              "send_error", "attempts", "verified_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
