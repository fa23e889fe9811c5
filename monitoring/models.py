"""Monitoring: staff-editable thresholds, alerts with their deliveries, monitor runs and database backups."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone


class MonitorSettings(models.Model):
    """The single row of thresholds the monitors compare against, edited by managers in the admin."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    # Cost
    monthly_cost_threshold_usd = models.DecimalField(
        "monthly cost threshold (USD)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("500"),
        help_text="Alert when month-to-date or projected month-end model spend reaches this.",
    )
    forecast_lead_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Forecast alert when the spend trend crosses the threshold within this many days.",
    )
    trend_days = models.PositiveSmallIntegerField(
        default=60,
        help_text="Days of daily spend the trend (least-squares line) is fitted on.",
    )
    # Growth
    customers_threshold = models.PositiveIntegerField(
        default=1000,
        help_text="Alert (and suggest the graph memory backend) at this many customers.",
    )
    memory_p95_threshold_ms = models.FloatField(
        "memory query p95 threshold (ms)",
        default=500,
        help_text="Suggest moving memory to the graph backend when the measured recent() p95 reaches this.",
    )
    memory_sample_size = models.PositiveSmallIntegerField(
        default=50,
        help_text="Customers sampled when measuring the memory query p95.",
    )
    # ML readiness targets
    target_conversations = models.PositiveIntegerField(default=10_000)
    target_tone_labels = models.PositiveIntegerField("target labeled tone examples", default=5_000)
    target_booking_outcomes = models.PositiveIntegerField(default=1_000)
    target_surveys = models.PositiveIntegerField(default=500)
    target_edge_cases = models.PositiveIntegerField(default=200)
    edge_case_confidence = models.FloatField(
        default=0.7,
        help_text="An inbound message with intent confidence below this is an edge case.",
    )
    target_monthly_active_users = models.PositiveIntegerField(
        default=1_000, help_text="Customers with a message in the last 30 days (the plan's deep-learning target)."
    )
    plateau_accuracy = models.FloatField(
        default=0.85,
        help_text="The lightweight NLP has plateaued when its weekly accuracy stays below this ...",
    )
    plateau_weeks = models.PositiveSmallIntegerField(default=4, help_text="... for this many weeks ...")
    plateau_min_gain = models.FloatField(
        default=0.01, help_text="... and its trend gains less than this per week (least-squares slope)."
    )
    # Weekly KPIs (the plan's alert thresholds)
    tone_accuracy_min = models.FloatField(
        default=0.75,
        help_text="performance_degradation: alert when the week's tone accuracy against staff labels is below this.",
    )
    drift_threshold = models.FloatField(
        default=0.10,
        help_text="model_drift: alert when intent or tone accuracy drops by more than this week over week.",
    )
    response_p95_threshold_ms = models.PositiveIntegerField(
        "response time p95 threshold (ms)",
        default=200,
        help_text="high_latency: alert when the week's p95 of the AI processing time (message in to reply stored) "
                  "exceeds this.",
    )
    gpu_conversations_per_day = models.PositiveIntegerField(
        "GPU needed at conversations per day",
        default=1_000,
        help_text="gpu_needed: alert when the week's conversations per day (conversations / 7) exceed this.",
    )
    # Upgrade trigger 1 (local model): the spend threshold above and this volume
    trigger1_daily_conversations = models.PositiveIntegerField(
        "trigger 1: daily conversations",
        default=500,
        help_text="Trigger 1 (local model) needs the monthly spend threshold AND this many conversations a day "
                  "(average over the last 30 days).",
    )
    # Return on investment
    human_minutes_per_conversation = models.FloatField(
        default=12,
        help_text="Staff minutes one conversation takes when a human handles it (ROI).",
    )
    staff_hourly_cost_usd = models.DecimalField(
        "staff hourly cost (USD)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("25"),
        help_text="Loaded hourly cost of a staff member (ROI).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "monitor settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="monitorsettings_singleton")]

    def __str__(self):
        return "Monitor thresholds"

    @classmethod
    def load(cls) -> "MonitorSettings":
        obj, _ = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return obj


class OtherCost(models.Model):
    """A monthly cost that is not a model call (SMS/voice, hosting, GPU, monitoring tools), entered by managers so
    that the cost report and the ROI hold the plan's whole monthly bill."""

    class Category(models.TextChoices):
        SMS = "sms", "SMS and voice (RingCentral)"
        HOSTING = "hosting", "Hosting and infrastructure"
        GPU = "gpu", "GPU server"
        MONITORING = "monitoring", "Monitoring tools"
        OTHER = "other", "Other"

    month = models.DateField(help_text="Any day of the month; stored as its first day.")
    category = models.CharField(max_length=12, choices=Category.choices)
    amount_usd = models.DecimalField("amount (USD)", max_digits=10, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "category"]
        constraints = [
            models.UniqueConstraint(fields=["month", "category"], name="othercost_once_per_month_category"),
            models.CheckConstraint(condition=Q(amount_usd__gte=0), name="othercost_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="othercost_month_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_category_display()}: ${self.amount_usd}"


class ManagerReport(MonitorSettings):
    """Admin entry for the manager reports (a proxy: the reports are views, not rows)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "manager reports"


class Alert(models.Model):
    """A condition that crossed its threshold in one period. The unique constraint is the de-duplication."""

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    condition = models.CharField(
        max_length=80, help_text="e.g. cost.projected, growth.customers, kpi.model_drift.intent, readiness.ml_ready",
    )
    period = models.CharField(
        max_length=20, help_text="e.g. 2026-11 (month), 2026-W47 (ISO week), once@1000 (once per threshold)"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["condition", "period"], name="alert_once_per_condition_period")]

    def __str__(self):
        return f"[{self.period}] {self.title}"


class AlertDelivery(models.Model):
    """One alert sent through one channel; its status is that of the latest attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Failed (gave up)"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=40, help_text="The alias in settings.MONITORING_ALERT_CHANNELS.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "alert deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["alert", "channel"], name="delivery_once_per_alert_channel")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next")]

    def __str__(self):
        return f"{self.alert} via {self.channel}: {self.get_status_display()}"


class DeliveryAttempt(models.Model):
    """Every try to send an alert, with its outcome."""

    delivery = models.ForeignKey(AlertDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{'ok' if self.ok else 'failed'} at {self.at:%Y-%m-%d %H:%M:%S}"


class MonitorRun(models.Model):
    """One run of a monitor and what it measured (the history behind the memory p95 and the admin's audit)."""

    monitor = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["monitor", "-started_at"], name="monitorrun_monitor_started")]

    def __str__(self):
        return f"{self.monitor} at {self.started_at:%Y-%m-%d %H:%M}"


class BackupRecord(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        PRUNED = "pruned", "Deleted by retention"

    path = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    size_bytes = models.BigIntegerField(default=0)
    duration_s = models.FloatField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.path} ({self.get_status_display()})"
