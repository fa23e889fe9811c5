"""Records of model calls, the staff-editable rollout switches and reply templates (student/teacher pairs live in
learning)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hibachi.versioned_cache import VersionedQuerySet

from .engine.wording import AGENTS, TONES, situation_get, template_errors


class ModelRole(models.TextChoices):
    STUDENT = "student", "Student"
    TEACHER = "teacher", "Teacher"
    EMBEDDING = "embedding", "Embedding (knowledge base, memory)"
    LABELING = "labeling", "Batch labeling (training data)"


class ModelCall(models.Model):
    """One call to a model provider (its tool rounds included), successful or not, with what it cost."""

    provider = models.CharField(max_length=40, help_text="The provider alias in settings.AI_PROVIDERS.")
    model = models.CharField(max_length=100)
    agent = models.CharField(max_length=40, blank=True)
    route = models.CharField(max_length=10, choices=ModelRole.choices, help_text="The role the model was called in.")
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    inbound_message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="model_calls"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="model_calls"
    )
    customer = models.ForeignKey(
        "conversations.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="model_calls"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="modelcall_created"),
            models.Index(fields=["provider", "created_at"], name="modelcall_provider_created"),
        ]
        constraints = [models.CheckConstraint(condition=Q(cost_usd__gte=0), name="modelcall_cost_not_negative")]

    def __str__(self):
        outcome = "ok" if self.ok else f"failed: {self.error[:40]}"
        return f"{self.provider}/{self.model} ({self.route}) {outcome}"


class AssistantSettings(models.Model):
    """The single row of rollout switches for the hybrid provider, edited by staff in the admin."""

    SINGLETON_ID = 1
    TRAFFIC_SHARES = [(share, f"{share}%") for share in (0, 10, 25, 50, 80, 100)]

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    student_traffic_share = models.PositiveSmallIntegerField(
        choices=TRAFFIC_SHARES,
        default=100,
        help_text="Customers whose bucket (a hash of their id, 0-99) is below this try the student model first; "
        "the others get the teacher directly.",
    )
    shadow_mode = models.BooleanField(
        default=False, help_text="Run the student on every message but always send the teacher's answer."
    )
    # Set when staff approve a CascadeCalibration; empty: settings.CONFIDENCE_THRESHOLD_LOW / _HIGH.
    confidence_threshold_low = models.FloatField(null=True, blank=True, editable=False)
    confidence_threshold_high = models.FloatField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Bulk writes invalidate the cached row too (agents.providers.rollout.assistant_settings_current).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "assistant settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="assistantsettings_singleton"),
            models.CheckConstraint(
                condition=Q(student_traffic_share__in=[0, 10, 25, 50, 80, 100]),
                name="assistantsettings_share_choices",
            ),
        ]

    def __str__(self):
        shadow = ", shadow mode" if self.shadow_mode else ""
        return f"Student traffic {self.student_traffic_share}%{shadow}"


class CascadeCalibration(models.Model):
    """A weekly proposal of the cascade thresholds (LOW, HIGH), computed from tutor pairs and outcomes, with the data
    behind it; it changes what serves only when staff approve it (then AssistantSettings holds the values)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved (in use)"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    low = models.FloatField(help_text="Below: a human answers.")
    high = models.FloatField(help_text="At or above: the student's answer is sent; between LOW and HIGH: the teacher.")
    current_low = models.FloatField(help_text="The thresholds in use when it was computed.")
    current_high = models.FloatField()
    expected_value = models.FloatField(help_text="Mean value per message (reward minus cost) with these thresholds.")
    current_expected_value = models.FloatField(help_text="The same with the thresholds in use.")
    samples = models.PositiveIntegerField()
    data = models.JSONField(default=dict, help_text="What it rests on: costs, counts, route shares, the best pairs.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(low__gte=0, high__lte=1, low__lt=models.F("high")),
                                   name="cascadecalibration_thresholds_valid"),
        ]

    def __str__(self):
        return f"LOW {self.low:.2f} / HIGH {self.high:.2f} ({self.get_status_display()})"


class ReplyTemplate(models.Model):
    """Staff's wording of one situation of an agent's replies, for one tone or for every tone ("default"). Without an
    active one the engine says the default text of `agents.engine.wording`. Checked on save: see `template_errors`."""

    agent = models.CharField(max_length=20, choices=AGENTS)
    # No choices here: the situations are declared in code (agents.engine.wording) and the admin's form offers them.
    situation = models.CharField(max_length=60)
    tone = models.CharField(max_length=10, choices=TONES, default="default")
    text = models.TextField()
    active = models.BooleanField(default=True, help_text="Untick to go back to the default text without deleting.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agent", "situation", "tone"]
        constraints = [models.UniqueConstraint(fields=["agent", "situation", "tone"],
                                               name="replytemplate_one_per_agent_situation_tone")]

    def __str__(self):
        return f"{self.agent}.{self.situation} ({self.tone})"

    def clean(self):
        situation = situation_get(agent=self.agent, key=self.situation)
        if situation is None:
            raise ValidationError({"situation": f"The {self.agent!r} agent has no situation {self.situation!r}."})
        errors = template_errors(situation=situation, text=self.text or "")
        if errors:
            raise ValidationError({"text": errors})
