"""ML readiness: how much training material exists against each target, and when each will be ready."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from bookings.models import Booking
from conversations.models import Conversation, Escalation, Message
from learning.models import SatisfactionSurvey

from . import labels

RATE_WINDOW_DAYS = 30
FRUSTRATED_SENTIMENT = "negative"
BOOKING_OUTCOME_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.CANCELLED)


def edge_cases(*, confidence_below: float, since: datetime | None = None):
    """Inbound customer messages worth a human look.

    Flagged when the intent confidence is below `confidence_below`, no entities were found, the reply to it was
    corrected more than twice, the conversation escalated, or the customer sounded frustrated (negative sentiment).
    """
    corrected_replies = labels.corrected_message_ids(min_corrections=3)
    escalated = Escalation.objects.filter(conversation_id=OuterRef("conversation_id"))
    flagged = (
        Q(intent_confidence__lt=confidence_below)
        | Q(entities={})
        | Q(Exists(escalated))
        | Q(sentiment=FRUSTRATED_SENTIMENT)
    )
    if corrected_replies:
        flagged |= Q(Exists(Message.objects.filter(in_reply_to=OuterRef("pk"), id__in=corrected_replies)))
    rows = Message.objects.filter(direction=Message.Direction.INBOUND).filter(flagged)
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    return rows


def _counters(thresholds) -> dict:
    return {
        "conversations": (
            thresholds.target_conversations,
            lambda since: Conversation.objects.filter(**({"started_at__gte": since} if since else {})).count(),
        ),
        "tone_labels": (
            thresholds.target_tone_labels,
            lambda since: labels.labeled_count(field="tone", start=since),
        ),
        "booking_outcomes": (
            thresholds.target_booking_outcomes,
            lambda since: Booking.objects.filter(
                status__in=BOOKING_OUTCOME_STATUSES, **({"created_at__gte": since} if since else {})
            ).count(),
        ),
        "surveys": (
            thresholds.target_surveys,
            lambda since: SatisfactionSurvey.objects.filter(**({"created_at__gte": since} if since else {})).count(),
        ),
        "edge_cases": (
            thresholds.target_edge_cases,
            lambda since: edge_cases(confidence_below=thresholds.edge_case_confidence, since=since).count(),
        ),
    }


LABELS = {
    "conversations": "Conversations",
    "tone_labels": "Labeled tone examples",
    "booking_outcomes": "Booking outcomes",
    "surveys": "Satisfaction surveys",
    "edge_cases": "Edge cases",
}


def days_to_ready(*, current: int, target: int, recent: int, window_days: int = RATE_WINDOW_DAYS) -> float | None:
    """0 when ready; else (target - current) / (recent / window_days) rounded up; None when nothing is coming in."""
    if current >= target:
        return 0
    if recent <= 0:
        return None
    return math.ceil((target - current) / (recent / window_days))


def ml_readiness(*, thresholds, now: datetime | None = None) -> list[dict]:
    """One row per dataset: current, target, share done, added in the last 30 days, estimated days to ready."""
    now = now or timezone.now()
    since = now - timedelta(days=RATE_WINDOW_DAYS)
    rows = []
    for key, (target, count) in _counters(thresholds).items():
        current, recent = count(None), count(since)
        days = days_to_ready(current=current, target=target, recent=recent)
        rows.append(
            {
                "key": key,
                "label": LABELS[key],
                "current": current,
                "target": target,
                "progress": min(1.0, current / target) if target else 1.0,
                "recent_30d": recent,
                "days_to_ready": days,
                "ready": current >= target,
                "ready_on": (now + timedelta(days=days)).date() if days is not None else None,
            }
        )
    return rows
