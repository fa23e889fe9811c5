"""Signals the learning loop feeds on (feedback, surveys), the correction dashboard, model versions and the
correction memory (exemplars the engine reuses at once)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from hibachi.versioned_cache import VersionedQuerySet
from knowledge.models import EMBEDDING_DIMENSIONS


class Feedback(models.Model):
    class Kind(models.TextChoices):
        THUMBS_UP = "thumbs_up", "Thumbs up"
        THUMBS_DOWN = "thumbs_down", "Thumbs down"
        BOOKED = "booked", "Led to a booking"

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} on message #{self.message_id}"


class SatisfactionSurvey(models.Model):
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="satisfaction_surveys"
    )
    # Asked one after the other after the rating, on the customer's channel; empty until (unless) answered.
    understood = models.BooleanField(null=True, blank=True, help_text="Did the assistant understand what you needed?")
    tone_ok = models.BooleanField(null=True, blank=True, help_text="Was the tone right?")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_5")]

    def __str__(self):
        return f"{self.rating}/5 for conversation #{self.conversation_id}"


# --- the correction dashboard -------------------------------------------------------------------------------------


class ReviewItem(models.Model):
    """An AI reply that needs a look from staff, with why (reasons) and how urgently (priority, higher first).

    The columns staff filter on (agent, intent, channel, sent_at) are copied from the reply and the customer message
    it answers so that the queue is one indexed query even at tens of thousands of items.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Needs review"
        APPROVED = "approved", "Approved"
        CORRECTED = "corrected", "Corrected"
        LABELS_FIXED = "labels_fixed", "Labels fixed"
        KNOWLEDGE_GAP = "knowledge_gap", "Knowledge gap"

    class Reason(models.TextChoices):
        ESCALATED = "escalated", "Escalated"
        THUMBS_DOWN = "thumbs_down", "Thumbs down"
        NEGATIVE_AFTER = "negative_after", "Negative sentiment after the reply"
        CORRECTED_OFTEN = "corrected_often", "Corrected more than twice"
        LOW_CONFIDENCE = "low_confidence", "Low confidence"
        TEACHER_ROUTED = "teacher_routed", "Teacher-routed"

    message = models.OneToOneField("conversations.Message", on_delete=models.CASCADE, related_name="review_item")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    agent = models.CharField(max_length=40, blank=True)
    intent = models.CharField(max_length=40, blank=True, help_text="Intent of the customer message answered.")
    channel = models.CharField(max_length=10)
    route = models.CharField(max_length=10, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    sent_at = models.DateTimeField()
    reasons = models.JSONField(default=list, blank=True)
    priority = models.PositiveSmallIntegerField(default=0, help_text="Higher is reviewed first (see README).")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    knowledge_document = models.ForeignKey(
        "knowledge.KnowledgeDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The draft document written when staff marked a knowledge gap.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-priority", "-sent_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-priority", "-sent_at", "-id"], name="review_queue"),
            models.Index(fields=["status", "agent"], name="review_agent"),
            models.Index(fields=["status", "intent"], name="review_intent"),
            models.Index(fields=["status", "channel"], name="review_channel"),
            models.Index(fields=["status", "sent_at"], name="review_sent_at"),
        ]

    def __str__(self):
        return f"Review of message #{self.message_id} ({self.get_status_display()}, priority {self.priority})"

    @property
    def reason_labels(self) -> list[tuple[str, str]]:
        labels = dict(self.Reason.choices)
        return [(reason, labels.get(reason, reason)) for reason in self.reasons]


class Correction(models.Model):
    """Staff rewrote an AI reply: the original and the corrected text, who and when."""

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="corrections")
    original_text = models.TextField()
    corrected_text = models.TextField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved = models.BooleanField(default=True, help_text="Approved corrections are exported as training data.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Correction of message #{self.message_id}"


class LabeledExample(models.Model):
    """A customer message with its intent, tone, sentiment (and entities): training data for the NLU.

    Staff labels are verified by definition; automatic labels keep their source and confidence until staff verify a
    sample in the dashboard.
    """

    class Source(models.TextChoices):
        STAFF = "staff", "Staff"
        LOCAL = "local", "Local classifier"
        TEACHER = "teacher", "Teacher model (batch)"

    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="labeled_examples"
    )
    text = models.TextField()
    intent = models.CharField(max_length=40)
    tone = models.CharField(max_length=20)
    sentiment = models.CharField(max_length=10)
    entities = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    confidence = models.FloatField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "source"], name="labeledexample_one_per_message_source",
                                    condition=Q(message__isnull=False)),
        ]
        indexes = [models.Index(fields=["source", "verified"], name="labeledexample_source")]

    def __str__(self):
        return f"{self.intent}/{self.tone}/{self.sentiment}: {self.text[:50]}"


# --- outcomes and rewards -----------------------------------------------------------------------------------------


class BookingReplyLink(models.Model):
    """An AI reply that led to a booking (the replies of the booking's conversation before it was confirmed)."""

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="reply_links")
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="booking_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "message"], name="bookingreply_unique")]

    def __str__(self):
        return f"Reply #{self.message_id} -> booking #{self.booking_id}"


class SurveyRequest(models.Model):
    """A satisfaction survey sent after a booking or a closed conversation (once per conversation and trigger)."""

    class Trigger(models.TextChoices):
        BOOKING = "booking", "After a booking"
        CLOSED = "closed", "After a closed conversation"

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                      related_name="survey_requests")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    token = models.CharField(max_length=40, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    survey = models.OneToOneField(SatisfactionSurvey, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="request")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "trigger"], name="surveyrequest_once")]

    def __str__(self):
        return f"Survey {self.get_trigger_display().lower()} for conversation #{self.conversation_id}"


class RewardScore(models.Model):
    """The reward of one AI reply (see learning.services.rewards for the formula), with its parts."""

    message = models.OneToOneField("conversations.Message", on_delete=models.CASCADE, related_name="reward")
    score = models.FloatField()
    components = models.JSONField(default=dict)
    agent = models.CharField(max_length=40, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["agent", "provider", "model"], name="reward_group")]

    def __str__(self):
        return f"{self.score:+.2f} for message #{self.message_id}"


# --- model versions -----------------------------------------------------------------------------------------------


class ModelVersion(models.Model):
    """A trained model with its metrics on the frozen evaluation set; at most one is current per kind."""

    class Kind(models.TextChoices):
        NLU = "nlu", "NLU classifiers (intent, tone, sentiment)"
        MINILM = "minilm", "MiniLM encoder fine-tuned end to end"
        LORA = "lora", "Student LoRA adapter"
        UPSELL = "upsell", "Upsell predictor"
        OPENAI = "openai", "OpenAI fine-tuned model"

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        PROMOTED = "promoted", "Promoted"
        REJECTED = "rejected", "Rejected (not better)"
        RETIRED = "retired", "Retired"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=120)
    path = models.CharField(max_length=500, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    eval_set = models.JSONField(default=dict, blank=True, help_text="The frozen evaluation set: file and sha256.")
    training_set = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="The number promotion compares (higher is better).")
    baseline_score = models.FloatField(null=True, blank=True, help_text="The current version's score, same set.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    is_current = models.BooleanField(default=False)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="The version that was current when this one was promoted.")
    training_seconds = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)

    # Bulk writes (`update(is_current=False)`) invalidate the cached current versions too (learning.selectors).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(is_current=True), name="modelversion_one_current"),
            models.UniqueConstraint(fields=["kind", "version"], name="modelversion_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.version}{' (current)' if self.is_current else ''}"


# --- A/B experiments ----------------------------------------------------------------------------------------------


class Experiment(models.Model):
    """Variants of a response template, a threshold or a prompt, assigned deterministically per customer."""

    class Kind(models.TextChoices):
        TEMPLATE = "template", "Response template"
        THRESHOLD = "threshold", "Threshold"
        PROMPT = "prompt", "Prompt"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"
        PROMOTED = "promoted", "Promoted (winner for everyone)"

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    variants = models.JSONField(
        default=list, help_text='[{"key": "control", "weight": 50, "config": {...}}, {"key": "b", ...}]'
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    winner = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    # Bulk writes invalidate the cached live experiments too (learning.selectors.experiments_live).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"


class ExperimentAssignment(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="assignments")
    customer = models.ForeignKey("conversations.Customer", on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=60)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "customer"], name="assignment_once")]

    def __str__(self):
        return f"{self.customer_id} -> {self.variant}"


class UpsellOffer(models.Model):
    """An add-on the sales agent offered (chosen by the upsell predictor), and whether the booking took it."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    addon = models.CharField(max_length=50)
    model_version = models.CharField(max_length=120, blank=True)
    accepted = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.addon} offered in conversation #{self.conversation_id}"


class TutorPair(models.Model):
    """The student's and the teacher's answers to the same message: material to teach the student (written by the
    hybrid provider through `learning.services.tutor_pair_create`)."""

    class Sent(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"

    inbound_message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="tutor_pairs"
    )
    agent = models.CharField(max_length=40, blank=True)
    student_provider = models.CharField(max_length=40)
    student_model = models.CharField(max_length=100)
    student_text = models.TextField()
    student_confidence = models.FloatField()
    teacher_provider = models.CharField(max_length=40)
    teacher_model = models.CharField(max_length=100)
    teacher_text = models.TextField()
    sent = models.CharField(max_length=10, choices=Sent.choices, help_text="Whose answer the customer got.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.agent or 'agent'}: {self.student_text[:30]} / {self.teacher_text[:30]}"


# --- correction memory --------------------------------------------------------------------------------------------


class Exemplar(models.Model):
    """A customer question staff answered or labeled, which the engine reuses at once, without retraining.

    A corrected reply (or one approved as a model answer) is kept as a template: the amounts, counts and dates of
    the conversation it was written in are replaced by named slots when it is made (`learning.exemplar_templates`),
    so that the template provider re-fills them from the current price list, quote and booking details. A reply with
    a figure that maps to no fact cannot be re-filled (`unfillable` says why): LLM providers still see it as a
    few-shot example, with the figures masked. A label fix (kind "labels") overrides the NLU's reading of
    near-duplicate messages until a retrained NLU model has learnt it.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Corrected reply"
        APPROVED = "approved", "Approved as a model answer"
        LABELS = "labels", "Fixed labels"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer_text = models.TextField(help_text="The customer message; its embedding is what new messages match.")
    context = models.JSONField(default=list, blank=True, help_text="The turns before it: [{role, content}].")
    reply_text = models.TextField(blank=True, help_text="The reply as staff wrote or approved it. Editing it here "
                                                        "rebuilds the template.")
    template = models.TextField(blank=True, help_text="The reply with its facts as {slots}, re-filled per message.")
    slots = models.JSONField(default=dict, blank=True, help_text="Each slot and the value it replaced.")
    source_facts = models.JSONField(default=dict, blank=True,
                                    help_text="The prices, quote and booking details the reply was written against.")
    unfillable = models.CharField(max_length=255, blank=True,
                                  help_text="Why the reply cannot be re-filled (then it is only a few-shot example).")
    agent = models.CharField(max_length=40, blank=True)
    intent = models.CharField(max_length=40, blank=True)
    tone = models.CharField(max_length=20, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    stage = models.CharField(max_length=30, blank=True, help_text="The dialogue stage when the customer wrote.")
    inbound_message = models.ForeignKey("conversations.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    reply_message = models.ForeignKey("conversations.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="exemplars")
    correction = models.OneToOneField(Correction, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="exemplar")
    labeled_example = models.OneToOneField(LabeledExample, null=True, blank=True, on_delete=models.CASCADE,
                                           related_name="exemplar")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedder = models.CharField(max_length=100, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True, help_text="Disabled exemplars are never matched.")
    uses = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    # Bulk writes invalidate the cached "any exemplar enabled" too (learning.selectors.exemplar_neighbours).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Only enabled rows: a disabled exemplar costs the lookup nothing, and the scan needs no filter.
            HnswIndex(name="exemplar_embedding_hnsw", fields=["embedding"], m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"], condition=Q(enabled=True)),
            models.Index(fields=["kind", "enabled"], name="exemplar_kind_enabled"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.customer_text[:60]}"


class ExemplarUse(models.Model):
    """One reply the engine built on an exemplar: its text (template), its few-shot examples or its labels."""

    class How(models.TextChoices):
        REPLY = "reply", "Answered with its reply"
        FEW_SHOT = "few_shot", "Few-shot example for a model"
        LABELS = "labels", "Its labels overrode the NLU"

    exemplar = models.ForeignKey(Exemplar, on_delete=models.CASCADE, related_name="use_rows")
    reply = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="exemplar_uses")
    how = models.CharField(max_length=10, choices=How.choices)
    similarity = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exemplar", "reply", "how"], name="exemplaruse_once")]
        indexes = [models.Index(fields=["exemplar", "how"], name="exemplaruse_exemplar")]

    def __str__(self):
        return f"Exemplar #{self.exemplar_id} -> reply #{self.reply_id} ({self.how})"


class ExemplarCalibration(models.Model):
    """The similarity threshold measured on held-out pairs (`manage.py exemplars_calibrate`)."""

    embedder = models.CharField(max_length=100)
    threshold = models.FloatField(help_text="Chosen on the calibration pairs.")
    target_false_match_rate = models.FloatField()
    configured_threshold = models.FloatField(help_text="settings.LEARNING_EXEMPLAR_THRESHOLD when it ran.")
    heldout = models.JSONField(default=dict, help_text="False-match rate and recall on the held-out pairs, at the "
                                                       "chosen and the configured threshold.")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"threshold {self.threshold:.3f} ({self.embedder}, {self.created_at:%Y-%m-%d})"
