"""Records of model calls and the staff-editable rollout switches (student/teacher pairs live in learning)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    updated_at = models.DateTimeField(auto_now=True)

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
