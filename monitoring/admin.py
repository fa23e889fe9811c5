from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from .models import (
    Alert,
    AlertDelivery,
    BackupRecord,
    DeliveryAttempt,
    ManagerReport,
    MonitorRun,
    MonitorSettings,
    OtherCost,
)
from .reports import REPORTS, report_build, report_csv, report_html
from .services.alerts import delivery_retry_now


@admin.register(MonitorSettings)
class MonitorSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Cost", {"fields": ["monthly_cost_threshold_usd", "forecast_lead_days", "trend_days"]}),
        ("Growth", {"fields": ["customers_threshold", "memory_p95_threshold_ms", "memory_sample_size"]}),
        (
            "ML readiness targets",
            {
                "fields": [
                    "target_conversations",
                    "target_tone_labels",
                    "target_booking_outcomes",
                    "target_surveys",
                    "target_edge_cases",
                    "edge_case_confidence",
                    "target_monthly_active_users",
                    "plateau_accuracy",
                    "plateau_weeks",
                    "plateau_min_gain",
                ]
            },
        ),
        (
            "Weekly KPIs: the plan's alerts",
            {"fields": ["tone_accuracy_min", "response_p95_threshold_ms", "gpu_conversations_per_day",
                        "drift_threshold"]},
        ),
        ("Upgrade trigger 1 (local model)", {"fields": ["trigger1_daily_conversations"]}),
        ("Return on investment", {"fields": ["human_minutes_per_conversation", "staff_hourly_cost_usd"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        MonitorSettings.load()  # the single row exists before staff first open the list
        return super().changelist_view(request, extra_context)


@admin.register(ManagerReport)
class ManagerReportAdmin(admin.ModelAdmin):
    """The manager reports: custom admin views with server-side SVG charts and CSV export."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<str:name>.csv", view(self.csv_view), name="monitoring_report_csv"),
            path("<str:name>.html", view(self.html_view), name="monitoring_report_html"),
            path("<str:name>/", view(self.report_view), name="monitoring_report"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        return self.report_view(request, "cost")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.report_view(request, "cost")

    def _report(self, request, name) -> dict:
        """Every report page, its charts and its CSV need "Can view manager reports" (staff status alone is not
        enough); customers' names and e-mails need the permission to view customers."""
        if not request.user.has_perm("monitoring.view_managerreport"):
            raise PermissionDenied("Viewing the manager reports needs the \"Can view manager reports\" permission.")
        if name not in REPORTS:
            raise Http404(f"No report {name!r}")
        return report_build(name, show_customers=request.user.has_perm("conversations.view_customer"))

    def report_view(self, request, name):
        report = self._report(request, name)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Manager reports: {REPORTS[name]}",
            "reports": list(REPORTS.items()),
            "current": name,
            "report": report,
            "now": timezone.localtime(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/monitoring/report.html", context)

    def csv_view(self, request, name):
        response = HttpResponse(report_csv(self._report(request, name)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="myhibachi-{name}-{timezone.localdate():%Y%m%d}.csv"'
        return response


    def html_view(self, request, name):
        """The report as a standalone HTML page to keep or forward (the ML report the readiness alert points to)."""
        response = HttpResponse(report_html(self._report(request, name), name=name),
                                content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="myhibachi-{name}-{timezone.localdate():%Y%m%d}.html"'
        )
        return response


class OtherCostForm(forms.ModelForm):
    class Meta:
        model = OtherCost
        fields = ["month", "category", "amount_usd", "note"]

    def clean_month(self):
        """Any day of the month names the month: stored as its first day."""
        return self.cleaned_data["month"].replace(day=1)


@admin.register(OtherCost)
class OtherCostAdmin(admin.ModelAdmin):
    """Monthly costs that are not model calls (the plan's RingCentral, hosting and GPU lines): the cost report and
    the ROI add them to the model spend."""

    form = OtherCostForm
    list_display = ["month", "category", "amount_usd", "note"]
    list_filter = ["category", "month"]
    date_hierarchy = "month"


class AlertDeliveryInline(admin.TabularInline):
    model = AlertDelivery
    extra = 0
    fields = ["channel", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "condition", "period", "severity", "delivery_state", "created_at"]
    list_filter = ["severity", "condition", "created_at"]
    search_fields = ["title", "condition", "body"]
    readonly_fields = ["condition", "period", "severity", "title", "body", "value", "threshold", "created_at"]
    inlines = [AlertDeliveryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")

    def has_add_permission(self, request):
        return False

    @admin.display(description="deliveries")
    def delivery_state(self, obj):
        deliveries = list(obj.deliveries.all())
        if not deliveries:
            return "no channel configured"
        return ", ".join(f"{d.channel}: {d.get_status_display()}" for d in deliveries)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ["at", "ok", "error", "duration_ms"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Retry the selected deliveries now")
def retry_deliveries(modeladmin, request, queryset):
    count = 0
    for delivery in queryset.exclude(status=AlertDelivery.Status.SENT):
        delivery_retry_now(delivery=delivery)
        count += 1
    modeladmin.message_user(request, f"{count} delivery(ies) queued for another attempt.", messages.SUCCESS)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ["alert", "channel", "status", "attempts", "short_error", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["alert__title", "last_error"]
    list_select_related = ["alert"]
    readonly_fields = [
        "alert",
        "channel",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    inlines = [DeliveryAttemptInline]
    actions = [retry_deliveries]

    def has_add_permission(self, request):
        return False

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]


@admin.register(MonitorRun)
class MonitorRunAdmin(admin.ModelAdmin):
    list_display = ["monitor", "started_at", "duration_ms", "ok", "short_error"]
    list_filter = ["monitor", "ok"]
    search_fields = ["monitor", "error"]
    readonly_fields = ["monitor", "started_at", "duration_ms", "ok", "result", "error"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:80]


@admin.register(BackupRecord)
class BackupRecordAdmin(admin.ModelAdmin):
    list_display = ["path", "status", "size", "duration_s", "started_at"]
    list_filter = ["status"]
    search_fields = ["path", "error"]
    readonly_fields = ["path", "status", "size_bytes", "duration_s", "error", "started_at", "finished_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="size", ordering="size_bytes")
    def size(self, obj):
        return format_html("{} MB", f"{obj.size_bytes / 1_000_000:,.2f}")
