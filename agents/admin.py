from django.contrib import admin

from .models import AssistantSettings, ModelCall
from .providers.rollout import assistant_settings_get


@admin.register(ModelCall)
class ModelCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "provider", "model", "agent", "route", "ok", "latency_ms", "prompt_tokens",
        "completion_tokens", "cost_usd", "short_error",
    ]
    list_filter = ["provider", "ok", "route", "agent"]
    date_hierarchy = "created_at"
    search_fields = ["error", "model"]
    raw_id_fields = ["inbound_message", "conversation", "customer"]
    readonly_fields = [field.name for field in ModelCall._meta.fields]
    show_full_result_count = False  # no COUNT(*) over the whole table on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:80]


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    """A singleton: the list shows the one row (created on first visit); rows cannot be added or deleted."""

    fields = ["student_traffic_share", "shadow_mode", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        assistant_settings_get()
        return super().changelist_view(request, extra_context)
