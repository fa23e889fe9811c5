"""Writes for customers, conversations and messages. Every write of these models goes through here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .signals import message_committed, outbound_message_ready
from .models import Channel, ChannelIdentity, Conversation, ConversationLog, Customer, Escalation, Message

# --- normalisation ------------------------------------------------------------------------------------------------


def normalize_phone(raw: str | None) -> str | None:
    """E.164 (`+14155550123`) for any common way of writing a number; None for empty; ValidationError if invalid."""
    if raw is None or not str(raw).strip():
        return None
    try:
        parsed = phonenumbers.parse(str(raw), settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError({"phone": f"{raw!r} is not a phone number."}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({"phone": f"{raw!r} is not a valid phone number."})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    email = str(raw).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{raw!r} is not an email address."}) from None
    return email


def _validate_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": f"{channel!r} is not a channel; use one of {', '.join(Channel.values)}."})


# --- customers ----------------------------------------------------------------------------------------------------


def customer_find_by_contact(*, email: str | None = None, phone: str | None = None) -> Customer | None:
    """The customer owning an (already normalised) email or phone; email wins when both match different people."""
    if email:
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer:
            return customer
    if phone:
        return Customer.objects.filter(phone=phone).first()
    return None


def customer_create(*, name: str = "", email: str | None = None, phone: str | None = None, notes: str = "") -> Customer:
    email, phone = normalize_email(email), normalize_phone(phone)
    errors = {}
    if email and Customer.objects.filter(email__iexact=email).exists():
        errors["email"] = f"A customer with the email {email} already exists."
    if phone and Customer.objects.filter(phone=phone).exists():
        errors["phone"] = f"A customer with the phone {phone} already exists."
    if errors:
        raise ValidationError(errors)
    return Customer.objects.create(name=name.strip(), email=email, phone=phone, notes=notes)


def customer_update(*, customer: Customer, **fields) -> Customer:
    allowed = {"name", "email", "phone", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Cannot update {', '.join(sorted(unknown))} on a customer.")
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
        if fields["email"] and Customer.objects.filter(email__iexact=fields["email"]).exclude(pk=customer.pk).exists():
            raise ValidationError({"email": f"Another customer already has the email {fields['email']}."})
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
        if fields["phone"] and Customer.objects.filter(phone=fields["phone"]).exclude(pk=customer.pk).exists():
            raise ValidationError({"phone": f"Another customer already has the phone {fields['phone']}."})
    for key, value in fields.items():
        setattr(customer, key, value)
    customer.save(update_fields=list(fields) or None)
    return customer


def _fill_missing_contact(customer: Customer, *, name: str, email: str | None, phone: str | None) -> None:
    """Complete a customer's blank fields with what a channel told us, never taking another customer's contact."""
    changed = []
    if name and not customer.name:
        customer.name, changed = name, changed + ["name"]
    if email and not customer.email and not Customer.objects.filter(email__iexact=email).exists():
        customer.email, changed = email, changed + ["email"]
    if phone and not customer.phone and not Customer.objects.filter(phone=phone).exists():
        customer.phone, changed = phone, changed + ["phone"]
    if changed:
        customer.save(update_fields=changed)


def customer_get_or_create_for_identity(
    *, channel: str, external_id: str, name: str = "", email: str | None = None, phone: str | None = None
) -> Customer:
    """The one customer behind a channel identity, matching an existing customer by email or phone first.

    Safe under concurrency: two webhooks for the same new sender end with one customer and one identity.
    """
    _validate_channel(channel)
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": "The sender's external_id is required."})
    email, phone = normalize_email(email), normalize_phone(phone)
    name = (name or "").strip()

    for _attempt in range(3):
        identity = ChannelIdentity.objects.select_related("customer").filter(
            channel=channel, external_id=external_id
        ).first()
        if identity:
            _fill_missing_contact(identity.customer, name=name, email=email, phone=phone)
            return identity.customer
        try:
            with transaction.atomic():
                customer = customer_find_by_contact(email=email, phone=phone)
                if customer is None:
                    customer = Customer.objects.create(name=name, email=email, phone=phone)
                else:
                    _fill_missing_contact(customer, name=name, email=email, phone=phone)
                ChannelIdentity.objects.create(customer=customer, channel=channel, external_id=external_id)
                return customer
        except IntegrityError:
            continue  # a concurrent request created the customer or the identity first: read theirs
    raise RuntimeError(f"Could not resolve the customer for {channel}:{external_id} after concurrent retries.")


# --- conversations ------------------------------------------------------------------------------------------------


def conversation_get_or_create_open(*, customer: Customer, channel: str) -> Conversation:
    """The customer's open conversation on a channel (the most recent one), or a new one."""
    _validate_channel(channel)
    conversation = (
        Conversation.objects.filter(customer=customer, channel=channel)
        .exclude(status=Conversation.Status.CLOSED)
        .order_by("-last_activity_at")
        .first()
    )
    if conversation is None:
        conversation = Conversation.objects.create(customer=customer, channel=channel)
    return conversation


def conversation_set_status(*, conversation: Conversation, status: str, assigned_to=None) -> Conversation:
    if status not in Conversation.Status.values:
        raise ValidationError({"status": f"{status!r} is not a conversation status."})
    if status == Conversation.Status.CLOSED:
        return conversation_close(conversation=conversation)
    conversation.status = status
    conversation.assigned_to = assigned_to if status == Conversation.Status.HUMAN_ACTIVE else conversation.assigned_to
    conversation.save(update_fields=["status", "assigned_to"])
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation) -> Conversation:
    """Close a conversation and rebuild its analytics log in the same transaction."""
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["status", "closed_at"])
    conversation_log_rebuild(conversation=conversation)
    return conversation


def conversations_close_idle(*, idle_hours: int, now: datetime | None = None) -> int:
    """Close every open conversation without activity for `idle_hours`; returns how many were closed."""
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=idle_hours)
    closed = 0
    for conversation in Conversation.objects.filter(last_activity_at__lt=cutoff).exclude(
        Q(status=Conversation.Status.CLOSED) | Q(status=Conversation.Status.HUMAN_ACTIVE)
    ):
        conversation_close(conversation=conversation)
        closed += 1
    return closed


# --- escalation to staff ------------------------------------------------------------------------------------------


@transaction.atomic
def conversation_escalate(
    *, conversation: Conversation, reason: str, priority: str = Escalation.Priority.NORMAL, message: Message | None = None
) -> Escalation:
    """Hand the conversation to staff: it waits for a human, and staff are notified once the transaction commits."""
    if priority not in Escalation.Priority.values:
        raise ValidationError({"priority": f"{priority!r} is not a priority."})
    escalation = Escalation.objects.create(
        conversation=conversation, message=message, reason=reason[:255], priority=priority
    )
    if conversation.status != Conversation.Status.HUMAN_ACTIVE:
        conversation.status = Conversation.Status.WAITING_FOR_HUMAN
        conversation.save(update_fields=["status"])
    from .tasks import escalation_notify_staff

    transaction.on_commit(lambda: escalation_notify_staff.delay(escalation.pk))
    return escalation


def escalation_notify_staff(*, escalation: Escalation) -> int:
    """Email every active staff member who has an address; returns how many were emailed. Idempotent."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    if escalation.staff_notified_at is not None:
        return 0
    recipients = list(
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    ) or list(settings.STAFF_NOTIFY_EMAILS)
    conversation = escalation.conversation
    if recipients:
        send_mail(
            subject=f"[MyHibachi] {escalation.get_priority_display()} escalation: {escalation.reason}",
            message=(
                f"Conversation #{conversation.pk} with {conversation.customer} on {conversation.get_channel_display()} "
                f"needs a human.\nReason: {escalation.reason}\n"
                f"Open it in the admin: /admin/conversations/conversation/{conversation.pk}/change/"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    Escalation.objects.filter(pk=escalation.pk).update(staff_notified_at=timezone.now())
    return len(recipients)


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, staff_user) -> Conversation:
    conversation.status = Conversation.Status.HUMAN_ACTIVE
    conversation.assigned_to = staff_user
    conversation.save(update_fields=["status", "assigned_to"])
    return conversation


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, staff_user=None) -> Conversation:
    """Staff hand the conversation back to the AI; its open escalations are resolved."""
    conversation.escalations.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=staff_user)
    conversation.status = Conversation.Status.ACTIVE
    conversation.save(update_fields=["status"])
    return conversation


# --- messages -----------------------------------------------------------------------------------------------------


def _touch(conversation: Conversation, when: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk, last_activity_at__lt=when).update(last_activity_at=when)
    if conversation.last_activity_at < when:
        conversation.last_activity_at = when


def message_set_nlu(*, message: Message, nlu: dict) -> Message:
    """Store the NLU results on an inbound message."""
    message.intent = nlu["intent"]
    message.intent_confidence = nlu["intent_confidence"]
    message.tone = nlu["tone"]
    message.sentiment = nlu["sentiment"]
    message.entities = nlu["entities"]
    message.save(update_fields=["intent", "intent_confidence", "tone", "sentiment", "entities"])
    return message


def message_record_inbound(
    *, conversation: Conversation, text: str, sent_at: datetime | None = None, external_id: str | None = None
) -> tuple[Message, bool]:
    """Persist a customer's message; the same provider id on the same channel returns the first copy, unchanged.

    Returns (message, created). Callers commit this before any model call.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "The message text is empty."})
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Message.objects.filter(channel=conversation.channel, external_id=external_id).first()
        if existing:
            return existing, False
    sent_at = sent_at or timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation,
                customer_id=conversation.customer_id,
                channel=conversation.channel,
                direction=Message.Direction.INBOUND,
                author=Message.Author.CUSTOMER,
                text=text,
                sent_at=sent_at,
                external_id=external_id,
            )
            _touch(conversation, sent_at)
    except IntegrityError:
        if external_id is None:
            raise
        return Message.objects.get(channel=conversation.channel, external_id=external_id), False
    transaction.on_commit(lambda: message_committed.send(sender=Message, message=message))
    return message, True


def message_record_outbound(
    *, conversation: Conversation, text: str, author: str = Message.Author.AI, sent_at: datetime | None = None, **meta
) -> Message:
    """Persist a reply (AI or staff) with its generation metadata (agent, route, provider, tokens, cost...)."""
    if author not in (Message.Author.AI, Message.Author.STAFF):
        raise ValidationError({"author": "Outbound messages are written by the AI or by staff."})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "The reply text is empty."})
    allowed = {
        "agent", "route", "provider", "model", "confidence", "latency_ms", "prompt_tokens", "completion_tokens",
        "cost_usd", "external_id", "intent", "intent_confidence", "tone", "sentiment", "entities", "in_reply_to",
        "metadata",
    }
    unknown = set(meta) - allowed
    if unknown:
        raise ValidationError(f"Unknown message fields: {', '.join(sorted(unknown))}.")
    sent_at = sent_at or timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction=Message.Direction.OUTBOUND,
        author=author,
        text=text,
        sent_at=sent_at,
        **meta,
    )
    _touch(conversation, sent_at)
    transaction.on_commit(lambda: message_committed.send(sender=Message, message=message))
    transaction.on_commit(lambda: outbound_message_ready.send(sender=Message, message=message))
    return message


# --- analytics log ------------------------------------------------------------------------------------------------


def _response_times_ms(messages: list[Message]) -> list[int]:
    times, waiting_since = [], None
    for message in messages:
        if message.direction == Message.Direction.INBOUND:
            waiting_since = waiting_since or message.sent_at
        elif waiting_since is not None:
            times.append(int((message.sent_at - waiting_since).total_seconds() * 1000))
            waiting_since = None
    return times


def conversation_log_rebuild(*, conversation: Conversation) -> ConversationLog:
    """Recompute the conversation's analytics record from its messages, bookings and surveys."""
    from bookings.models import Booking

    messages = list(conversation.messages.order_by("sent_at", "id"))
    bookings = list(
        conversation.bookings.filter(status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED])
        .order_by("created_at")
    )
    survey = conversation.satisfaction_surveys.order_by("-created_at").first()
    response_times = _response_times_ms(messages)

    messages_data = [
        {
            "id": m.pk,
            "at": m.sent_at.isoformat(),
            "author": m.author,
            "text": m.text,
            "intent": m.intent,
            "confidence": m.intent_confidence if m.direction == Message.Direction.INBOUND else m.confidence,
            "tone": m.tone,
            "sentiment": m.sentiment,
            "entities": m.entities,
            "agent": m.agent,
            "route": m.route,
        }
        for m in messages
    ]
    booking = bookings[0] if bookings else None
    outcome = {
        "booked": booking is not None,
        "booking_id": booking.pk if booking else None,
        "total_value": str(sum((b.total for b in bookings), Decimal("0"))),
        "accepted_upsells": sorted({code for b in bookings for code in [*b.upgrades, *b.addons]}),
        "escalated": any(m.route == Message.Route.HUMAN for m in messages),
        "status": conversation.status,
    }
    performance = {
        "messages": len(messages),
        "response_time_ms": int(sum(response_times) / len(response_times)) if response_times else None,
        "response_time_ms_max": max(response_times) if response_times else None,
        "csat": survey.rating if survey else None,
    }
    log, _ = ConversationLog.objects.update_or_create(
        conversation=conversation,
        defaults={
            "customer": conversation.customer,
            "timestamp": conversation.started_at,
            "messages_data": messages_data,
            "outcome_data": outcome,
            "performance_data": performance,
            "rebuilt_at": timezone.now(),
        },
    )
    return log
