"""The business plan's conversation log (ConversationLog), built from the conversation's messages, bookings and
surveys.

Written when the conversation goes idle (the `conversation-logs-write` beat job, `conversation_logs_write`) or
closes, and rewritten by the same job when a later outcome arrives: a booking of the conversation changed after the
log was written (confirmed, completed, cancelled) or a survey was answered after it. Shapes, with the plan's names:

- conversation_data: {"messages": [...]}; a customer message is {"role": "customer", "content", "detected_tone",
  "detected_intent", "entities_extracted", "confidence" (intent), "sentiment", "message_id", "at"}; an AI reply is
  {"role": "ai", "content", "tone_used", "suggested_upsells", "agent", "route", "confidence", "response_time_ms",
  "message_id", "at"} (tone_used, suggested_upsells and response_time_ms as the engine recorded them in the reply's
  metadata); a staff reply is {"role": "staff", "content", "message_id", "at"}.
- outcome_data: {"booked", "booking_id", "total_value" (a number: the confirmed/completed bookings' totals),
  "accepted_upsells" (the suggested upsells the booking took), "escalated", "status"}.
- performance_metrics: {"response_time_ms" (mean AI processing time of the replies, ms), "response_time_ms_max",
  "tone_accuracy" (share of the customer messages with a staff tone label whose detected tone matched it; None
  without labels), "customer_satisfaction" (the latest survey rating, 1-5, or None)}.
- metadata: {"conversation_id", "channel", "messages", "agents", "experiment_variant", "closed_at"}.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from bookings.models import Booking

from ..models import Conversation, ConversationLog, Message

WON = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


def reply_processing_ms(message: Message) -> int | None:
    """The AI processing time of a reply as the engine measured it on the reply path (metadata, else latency_ms)."""
    value = (message.metadata or {}).get("response_time_ms")
    return int(value) if value is not None else message.latency_ms


def _message_row(m: Message) -> dict:
    base = {"content": m.text, "message_id": m.pk, "at": m.sent_at.isoformat()}
    if m.author == Message.Author.CUSTOMER:
        return {"role": "customer", **base, "detected_tone": m.tone, "detected_intent": m.intent,
                "entities_extracted": m.entities or {}, "confidence": m.intent_confidence, "sentiment": m.sentiment}
    if m.author == Message.Author.AI:
        metadata = m.metadata or {}
        return {"role": "ai", **base, "tone_used": metadata.get("tone_used"),
                "suggested_upsells": list(metadata.get("suggested_upsells") or []), "agent": m.agent,
                "route": m.route, "confidence": m.confidence, "response_time_ms": reply_processing_ms(m)}
    return {"role": "staff", **base}


def _tone_accuracy(conversation: Conversation) -> float | None:
    """Detected tone against staff tone labels (learning's LabeledExample, staff-written or verified), reached through
    the reverse relation on Message: conversations sits below learning and does not import it."""
    labeled_example = Message._meta.get_field("labeled_examples").related_model
    pairs = list(
        labeled_example.objects.filter(message__conversation=conversation,
                                       message__direction=Message.Direction.INBOUND)
        .filter(Q(source="staff") | Q(verified=True))
        .exclude(tone="")
        .values_list("message__tone", "tone")
    )
    return sum(1 for detected, label in pairs if detected == label) / len(pairs) if pairs else None


def conversation_log_rebuild(*, conversation: Conversation) -> ConversationLog:
    """Write (or rewrite) the conversation's log from its messages, bookings and surveys."""
    messages = list(conversation.messages.order_by("sent_at", "id"))
    bookings = list(conversation.bookings.filter(status__in=WON).order_by("created_at"))
    survey = conversation.satisfaction_surveys.order_by("-created_at").first()
    rows = [_message_row(m) for m in messages]
    replies = [row for row in rows if row["role"] == "ai"]
    times = [row["response_time_ms"] for row in replies if row["response_time_ms"] is not None]
    suggested = {code for row in replies for code in row["suggested_upsells"]}
    taken = {code for b in bookings for code in [*b.upgrades, *b.addons]}
    booking = bookings[0] if bookings else None
    outcome = {
        "booked": booking is not None,
        "booking_id": booking.pk if booking else None,
        "total_value": float(sum(b.total for b in bookings)) if bookings else 0.0,
        "accepted_upsells": sorted(suggested & taken),
        "escalated": conversation.escalations.exists() or any(m.route == Message.Route.HUMAN for m in messages),
        "status": conversation.status,
    }
    performance = {
        "response_time_ms": round(sum(times) / len(times)) if times else None,
        "response_time_ms_max": max(times) if times else None,
        "tone_accuracy": _tone_accuracy(conversation),
        "customer_satisfaction": survey.rating if survey else None,
    }
    metadata = {
        "conversation_id": conversation.pk,
        "channel": conversation.channel,
        "messages": len(messages),
        "agents": sorted({m.agent for m in messages if m.agent}),
        "experiment_variant": conversation.experiment_variant,
        "closed_at": conversation.closed_at.isoformat() if conversation.closed_at else None,
    }
    log, _ = ConversationLog.objects.update_or_create(
        conversation=conversation,
        defaults={
            "customer": conversation.customer,
            "timestamp": conversation.started_at,
            "conversation_data": {"messages": rows},
            "outcome_data": outcome,
            "performance_metrics": performance,
            "metadata": metadata,
            "updated_at": timezone.now(),
        },
    )
    return log


def conversation_logs_due(*, idle_minutes: int, now: datetime | None = None):
    """Conversations whose log is missing or stale: idle for `idle_minutes` with activity after the log was written,
    or with a booking changed or a survey answered after it."""
    now = now or timezone.now()
    log = ConversationLog.objects.filter(conversation=OuterRef("pk"))
    stale_activity = Q(last_activity_at__lt=now - timezone.timedelta(minutes=idle_minutes)) & (
        ~Exists(log) | Exists(log.filter(updated_at__lt=OuterRef("last_activity_at")))
    )
    later_booking = Exists(log.filter(conversation__bookings__updated_at__gt=F("updated_at")))
    later_survey = Exists(log.filter(conversation__satisfaction_surveys__created_at__gt=F("updated_at")))
    return Conversation.objects.filter(stale_activity | later_booking | later_survey)


def conversation_logs_write(*, idle_minutes: int, now: datetime | None = None, limit: int = 1000) -> int:
    """Beat job: write the logs that are due (see conversation_logs_due); returns how many were written."""
    written = 0
    for conversation in conversation_logs_due(idle_minutes=idle_minutes, now=now).select_related("customer")[:limit]:
        conversation_log_rebuild(conversation=conversation)
        written += 1
    return written
