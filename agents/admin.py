import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .engine.wording import SITUATIONS, SITUATIONS_LIST
from .models import AssistantSettings, CascadeCalibration, ModelCall, ReplyTemplate
from .providers.rollout import assistant_settings_get, confidence_thresholds
from .services.templates import reply_template_delete, reply_template_save


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

    fields = ["student_traffic_share", "shadow_mode", "thresholds_in_use", "updated_at"]
    readonly_fields = ["thresholds_in_use", "updated_at"]

    @admin.display(description="Cascade thresholds in use")
    def thresholds_in_use(self, obj):
        low, high = confidence_thresholds(obj)
        source = "an approved calibration" if obj.confidence_threshold_low is not None else "the settings"
        return f"LOW {low:.2f}, HIGH {high:.2f} (from {source})"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        assistant_settings_get()
        return super().changelist_view(request, extra_context)


@admin.register(CascadeCalibration)
class CascadeCalibrationAdmin(admin.ModelAdmin):
    """Weekly proposals of the cascade thresholds with the data behind them; approving one (POST, after a confirmation
    page) is what makes the hybrid provider use it."""

    list_display = ["created_at", "status", "proposed", "in_use_then", "expected_value", "current_expected_value",
                    "samples", "buttons"]
    list_filter = ["status"]
    readonly_fields = ["low", "high", "current_low", "current_high", "expected_value", "current_expected_value",
                       "samples", "data_table", "status", "decided_by", "decided_at", "created_at"]
    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="proposed")
    def proposed(self, obj):
        return f"{obj.low:.2f} / {obj.high:.2f}"

    @admin.display(description="in use then")
    def in_use_then(self, obj):
        return f"{obj.current_low:.2f} / {obj.current_high:.2f}"

    @admin.display(description="The data behind it")
    def data_table(self, obj):
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", (
            (key, json.dumps(value) if isinstance(value, (dict, list)) else value)
            for key, value in (obj.data or {}).items()))
        return format_html("<table>{}</table>", rows) if obj.data else "-"

    @admin.display(description="")
    def buttons(self, obj):
        if obj.status != CascadeCalibration.Status.PROPOSED:
            return ""
        return format_html(
            '<a class="button" href="{}">Approve</a> <a class="button" href="{}">Reject</a>',
            reverse("admin:agents_cascadecalibration_decide", args=[obj.pk, "approve"]),
            reverse("admin:agents_cascadecalibration_decide", args=[obj.pk, "reject"]))

    def get_urls(self):
        return [path("<int:pk>/decide/<str:decision>/", self.admin_site.admin_view(self.decide_view),
                     name="agents_cascadecalibration_decide"), *super().get_urls()]

    def decide_view(self, request, pk, decision):
        """GET shows a confirmation page; only its POST approves or rejects (a link must not change what serves)."""
        from .services.calibration import cascade_calibration_approve, cascade_calibration_reject

        if decision not in ("approve", "reject") or not self.has_change_permission(request):
            return redirect("admin:index")
        calibration = get_object_or_404(CascadeCalibration, pk=pk)
        changelist = reverse("admin:agents_cascadecalibration_changelist")
        if request.method == "POST":
            try:
                if decision == "approve":
                    cascade_calibration_approve(calibration=calibration, user=request.user)
                    self.message_user(request, f"The cascade now uses LOW {calibration.low:.2f}, HIGH "
                                               f"{calibration.high:.2f}.")
                else:
                    cascade_calibration_reject(calibration=calibration, user=request.user)
                    self.message_user(request, "Proposal rejected; the thresholds in use are unchanged.")
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(changelist)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "POST"])
        question = (f"{decision.capitalize()} LOW {calibration.low:.2f} / HIGH {calibration.high:.2f} (expected value "
                    f"{calibration.expected_value:+.4f} per message vs {calibration.current_expected_value:+.4f} with "
                    f"{calibration.current_low:.2f} / {calibration.current_high:.2f})?")
        context = {**self.admin_site.each_context(request), "title": f"{decision.capitalize()} a calibration",
                   "question": question, "cancel_url": changelist, "opts": self.model._meta}
        return TemplateResponse(request, "admin/learning/confirm_action.html", context)


class ReplyTemplateForm(forms.ModelForm):
    situation = forms.ChoiceField(choices=[(s.key, f"{s.agent}: {s.label}") for s in SITUATIONS_LIST])

    class Meta:
        model = ReplyTemplate
        fields = ["agent", "situation", "tone", "text", "active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 100})}


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """The assistant's wording per agent, situation and tone. The page lists each situation's placeholders and
    default text; a template that leaves out a required placeholder or names an unknown one is refused on save."""

    form = ReplyTemplateForm
    list_display = ["agent", "situation", "tone", "short_text", "active", "updated_by", "updated_at"]
    list_filter = ["agent", "tone", "active"]
    search_fields = ["situation", "text"]
    readonly_fields = ["situations_help", "updated_by", "updated_at"]
    fields = ["agent", "situation", "tone", "text", "active", "situations_help", "updated_by", "updated_at"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:100]

    @admin.display(description="Situations: placeholders (required in bold) and default text")
    def situations_help(self, obj):
        chosen = SITUATIONS.get((obj.agent, obj.situation)) if obj and obj.pk else None
        rows = [chosen] if chosen else SITUATIONS_LIST
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}.{}</th><td>{}</td><td>{}</td></tr>", (
            (s.agent, s.key, format_html_join(", ", "{}", (
                (format_html("<b>{{{}}}</b>", name) if name in s.required else f"{{{name}}}",)
                for name in s.placeholders)) or "-", s.default) for s in rows)))

    def save_model(self, request, obj, form, change):
        reply_template_save(template=obj, user=request.user)

    def delete_model(self, request, obj):
        reply_template_delete(template=obj)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            reply_template_delete(template=template)
