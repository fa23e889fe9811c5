from django.contrib import admin

from .models import AssistantSettings, ModelCall, TutorPair
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


@admin.register(TutorPair)
class TutorPairAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "agent", "sent", "student_provider", "student_confidence", "student_excerpt", "teacher_provider",
        "teacher_excerpt", "outcome",
    ]
    list_filter = ["sent", "agent", "student_provider", "teacher_provider"]
    date_hierarchy = "created_at"
    search_fields = ["student_text", "teacher_text"]
    raw_id_fields = ["inbound_message"]
    readonly_fields = [field.name for field in TutorPair._meta.fields]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        from learning.services.rewards import tutor_pairs_with_outcomes

        return tutor_pairs_with_outcomes(super().get_queryset(request))

    @admin.display(description="outcome (reward of the reply sent)", ordering="reward")
    def outcome(self, obj):
        return "not scored yet" if obj.reward is None else f"{obj.reward:+.2f}"

    @admin.display(description="student's answer")
    def student_excerpt(self, obj):
        return obj.student_text[:80]

    @admin.display(description="teacher's answer")
    def teacher_excerpt(self, obj):
        return obj.teacher_text[:80]


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
