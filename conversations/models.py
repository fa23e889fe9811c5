"""Customers, their identities on each channel, conversations, messages and the per-conversation analytics log."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils import timezone


class Channel(models.TextChoices):
    WEB = "web", "Web chat"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice"
    SOCIAL = "social", "Social DM"


class Customer(models.Model):
    """One person across every channel. Email is stored lower-cased and phone in E.164 by the services."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=16, null=True, blank=True, help_text="E.164, e.g. +14155550123")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customer_unique_email", condition=Q(email__isnull=False)),
            models.UniqueConstraint(fields=["phone"], name="customer_unique_phone", condition=Q(phone__isnull=False)),
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="customer_phone_e164",
            ),
            models.CheckConstraint(condition=~Q(email=""), name="customer_email_null_not_blank"),
        ]

    def __str__(self):
        return self.name or self.email or self.phone or f"Customer #{self.pk}"


class ChannelIdentity(models.Model):
    """How a customer is known on one channel: a cookie id, an email address, a phone number, a page-scoped id."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    external_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    opted_out_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when the contact opted out (STOP, an unsubscribe link): no survey, follow-up or marketing "
                  "message is sent to it. Replies to the customer's own messages still are.")
    consent_source = models.CharField(max_length=60, blank=True,
                                      help_text="What changed the consent last (a keyword, the unsubscribe link, staff).")
    consent_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "channel identities"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="identity_unique_per_channel"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.external_id}"


class Conversation(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WAITING_FOR_HUMAN = "waiting_for_human", "Waiting for a human"
        HUMAN_ACTIVE = "human_active", "Handled by staff"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    experiment_variant = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    state = models.JSONField(default=dict, blank=True, help_text="Dialogue state (slots gathered so far).")

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["customer", "-last_activity_at"], name="conv_customer_activity"),
            models.Index(fields=["status", "-last_activity_at"], name="conv_status_activity"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.customer} ({self.get_channel_display()})"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Author(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AI = "ai", "AI"
        STAFF = "staff", "Staff"

    class Route(models.TextChoices):
        STUDENT = "student", "Student model"
        TEACHER = "teacher", "Teacher model"
        HUMAN = "human", "Escalated to a human"
        STAFF = "staff", "Written by staff"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="messages",
        help_text="Copied from the conversation so that a customer's latest messages are one index scan.",
        db_index=False,  # msg_customer_recent leads with customer_id; a second index would win plans and sort
    )
    channel = models.CharField(
        max_length=10, choices=Channel.choices, help_text="Copied from the conversation; scopes external_id."
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author = models.CharField(max_length=10, choices=Author.choices)
    text = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    external_id = models.CharField(max_length=255, null=True, blank=True, help_text="The provider's message id.")

    # NLU results (inbound messages)
    intent = models.CharField(max_length=40, blank=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    tone = models.CharField(max_length=20, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    entities = models.JSONField(default=dict, blank=True)

    # Generation metadata (AI replies)
    agent = models.CharField(max_length=40, blank=True)
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies",
        help_text="For a reply: the customer message it answers.",
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="Reply extras: citations, quote, booking id.")
    history = models.BooleanField(
        default=False, help_text="Recorded as history (demo data, imports), not said now: never delivered, never "
                                 "answered, by the sweeps either.",
    )

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                name="message_unique_external_id_per_channel",
                condition=Q(external_id__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(intent_confidence__isnull=True)
                | Q(intent_confidence__gte=0, intent_confidence__lte=1),
                name="message_intent_confidence_0_1",
            ),
            models.CheckConstraint(condition=Q(cost_usd__gte=0), name="message_cost_not_negative"),
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at"], name="msg_conversation_sent"),
            models.Index(fields=["sent_at"], name="msg_sent_at"),
            models.Index(fields=["customer", "-sent_at", "-id"], name="msg_customer_recent"),
        ]

    def __str__(self):
        return f"{self.get_author_display()}: {self.text[:60]}"


class ConversationLog(models.Model):
    """The business plan's `conversation_logs` record: one per conversation, written by
    `conversation_log_rebuild` when the conversation goes idle or closes and rewritten when a later outcome arrives
    (a booking confirmed, a survey answered). The JSON shapes are documented on the builder
    (conversations/services/analytics.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="log")
    timestamp = models.DateTimeField(help_text="When the conversation started.")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="conversation_logs",
        db_index=False,  # idx_conv_customer, the plan's index, is the one
    )
    conversation_data = models.JSONField(
        default=dict, help_text='{"messages": [{"role", "content", "detected_tone", "detected_intent", ...}]}'
    )
    outcome_data = models.JSONField(null=True, blank=True,
                                    help_text="booked, booking_id, total_value (a number), accepted_upsells")
    performance_metrics = models.JSONField(default=dict, blank=True,
                                           help_text="response_time_ms, tone_accuracy, customer_satisfaction")
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "conversation_logs"
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["timestamp"], name="idx_conv_timestamp"),
            models.Index(KT("outcome_data__booked"), name="idx_conv_outcome"),
            models.Index(fields=["customer"], name="idx_conv_customer"),
        ]

    def __str__(self):
        return f"Log of conversation #{self.conversation_id}"


class Escalation(models.Model):
    """A hand-off to staff: why, how urgent, and when it was picked up."""

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="escalations")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations")
    reason = models.CharField(max_length=255)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["resolved_at", "priority"], name="escalation_open_priority")]

    def __str__(self):
        return f"{self.get_priority_display()}: {self.reason} (conversation #{self.conversation_id})"


class ContactVerification(models.Model):
    """A one-time code sent to a customer's email or phone, to be typed back in `conversation`.

    Purpose `act`: the person writing on an unverified channel (web chat, social, an email without a passing SPF/DKIM
    verdict) proves they own the contact on file before a booking is changed, cancelled or shown. Purpose `link`: a
    contact typed in a chat is attached to the customer only once its code comes back. The code itself is never
    stored: `code_digest` is HMAC-SHA256(SECRET_KEY, salt + code). A code is short-lived, allows a few attempts and
    is used once (`verified_at`)."""

    class Purpose(models.TextChoices):
        ACT = "act", "Act on the customer's bookings"
        LINK = "link", "Link a contact typed in a chat"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="verifications")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="verifications")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, help_text="How the code is sent.")
    contact = models.CharField(max_length=254, help_text="The email address or E.164 number the code was sent to.")
    salt = models.CharField(max_length=32)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong codes typed while this one was open.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Replaced by a newer code, or locked.")
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="verification_conv_created")]

    def __str__(self):
        state = "verified" if self.verified_at else "revoked" if self.revoked_at else "open"
        return f"{self.get_purpose_display()} code for {self.customer} ({state})"
