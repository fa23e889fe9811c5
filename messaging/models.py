"""What the channels layer records: every provider webhook event (before answering 2xx), every outbound delivery and
each of its attempts."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from conversations.models import Channel, Message


class WebhookEvent(models.Model):
    """One provider event (an SMS, a call transcript, an email, a DM), stored before the webhook answers 2xx.

    ``(provider, event_id)`` is unique: a provider's retry of the same event finds the first row and changes nothing.
    """

    class Provider(models.TextChoices):
        RINGCENTRAL = "ringcentral", "RingCentral"
        MAILGUN = "mailgun", "Mailgun"
        META = "meta", "Meta (Messenger / Instagram)"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_id = models.CharField(max_length=255, help_text="The provider's id of the event (unique per provider).")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    external_id = models.CharField(
        max_length=255, blank=True, db_index=True,
        help_text="The provider's id of the customer's message (Message.external_id once processed).",
    )
    payload = models.JSONField(help_text="The event as the provider sent it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events",
        help_text="The customer message this event became.",
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique_per_provider"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_status_received")]

    def __str__(self):
        return f"{self.get_provider_display()} {self.event_id} ({self.get_status_display()})"


class OutboundDelivery(models.Model):
    """The delivery of one outbound message (AI or staff) on its conversation's channel: its latest state, every try
    being a DeliveryAttempt."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent: the contact opted out"

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="delivery",
        help_text="One delivery per message: retries update this row.",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    backend = models.CharField(max_length=200, help_text="The sender class used (settings.MESSAGING_SENDERS).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    attempts_budget_from = models.PositiveIntegerField(
        default=0, help_text="The attempts counted against MESSAGING_DELIVERY_MAX_ATTEMPTS start after this many: "
                             "staff's retry moves it up (a fresh budget); a sweep or a worker's restart does not.",
    )
    last_error = models.TextField(blank=True)
    recipient = models.CharField(max_length=255, blank=True, help_text="Address, number or page-scoped id used.")
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "outbound deliveries"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]
        constraints = [
            models.CheckConstraint(condition=Q(status="sent") | Q(sent_at__isnull=True), name="delivery_sent_at_if_sent"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} delivery of message #{self.message_id} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    """One try to send an outbound message, with its outcome: the delivery's history, attempt by attempt (the
    delivery row keeps the latest state; `last_error` summarises the latest failure)."""

    delivery = models.ForeignKey(OutboundDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(help_text="1 for the first try, then 2, 3...")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self):
        return f"attempt {self.number}: {'sent' if self.ok else 'failed'} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class UnansweredMessage(Message):
    """Customer messages left without an answer (services.unanswered): a list of their own in the admin, where staff
    answer them now."""

    class Meta:
        proxy = True
        verbose_name = "unanswered customer message"


class ApiTokenScope(models.Model):
    """What an API token (DRF's `authtoken.Token`) may do: post customer messages on `channels` only, and use the staff
    endpoints (deliveries) when `staff` is set and its user is staff. A token without a scope row may do neither: an
    integration gets its scope from `python manage.py create_api_token USER --channel sms`."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="scope")
    channels = ArrayField(models.CharField(max_length=10, choices=Channel.choices), default=list, blank=True,
                          help_text="The channels this token may post customer messages on.")
    staff = models.BooleanField(default=False, help_text="May use the staff-only endpoints (its user must be staff).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "API token scope"

    def __str__(self):
        parts = list(self.channels) + (["staff"] if self.staff else [])
        return f"token of {self.token.user}: {', '.join(parts) or 'nothing'}"


class Notice(models.Model):
    """A reminder or notice about a booking, sent at most once per booking, kind, chef and event time (the unique
    constraint is the claim: a second beat run, or two at once, cannot insert it again). A customer notice is a
    conversation message (its delivery, retries and consent are the OutboundDelivery's); a chef or staff notice is
    sent straight to the contact, and its status and error are recorded here."""

    class Kind(models.TextChoices):
        REMINDER_72H = "reminder_72h", "Customer reminder, 72 hours before"
        REMINDER_24H = "reminder_24h", "Customer reminder, 24 hours before"
        QUOTE_FOLLOW_UP = "quote_follow_up", "Follow-up on an unbooked quote"
        CHEF_ASSIGNED = "chef_assigned", "Chef: assigned to an event"
        CHEF_DAY_BEFORE = "chef_day_before", "Chef: the day before the event"
        CHEF_RELEASED = "chef_released", "Chef: no longer booked for an event"
        STAFF_NEW_BOOKING = "staff_new_booking", "Staff: new booking"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent: the contact opted out"
        SKIPPED = "skipped", "Not sent: no contact to send to"

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    chef = models.ForeignKey("bookings.Chef", null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    event_date = models.DateField(null=True, blank=True,
                                  help_text="The event time the notice was for (a rescheduled event is reminded again).")
    slot = models.CharField(max_length=5, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    recipient = models.CharField(max_length=255, blank=True)
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="notice",
                                   help_text="A customer notice: the conversation message (its delivery has the status).")
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, help_text="What a chef or staff notice says (a retry sends the same).")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED,
        help_text="A chef or staff notice's outcome; a customer notice's is its message's delivery status.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "chef", "event_date", "slot"], nulls_distinct=False,
                                    name="notice_once_per_booking_kind_chef_event"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notice_status_created")]

    def __str__(self):
        return f"{self.get_kind_display()} for booking #{self.booking_id}"

    @property
    def delivery_status(self) -> str:
        """sent / failed / suppressed / queued / skipped: the message's delivery for a customer notice, else this row's."""
        delivery = getattr(self.message, "delivery", None) if self.message_id else None
        return delivery.status if delivery is not None else self.status
