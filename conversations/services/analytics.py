"""The per-conversation analytics log (ConversationLog), rebuilt when a conversation closes."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from bookings.models import Booking

from ..models import Conversation, ConversationLog, Message

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
