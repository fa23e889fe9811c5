"""Weekly KPIs: what managers track week over week, computed from recorded conversations, bookings and calls."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from agents.models import ModelCall
from bookings.models import Booking
from conversations.models import Conversation, Escalation, Message
from learning.models import SatisfactionSurvey

from . import labels
from ._stats import PercentileCont, ratio

WON = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)

KPI_LABELS = {
    "conversations": "Conversations",
    "containment_rate": "Containment (no human)",
    "booking_conversion": "Booking conversion",
    "upsell_acceptance": "Upsell acceptance",
    "avg_booking_value": "Average booking value ($)",
    "response_p95_ms": "Response time p95 (ms)",
    "csat": "CSAT (1-5)",
    "intent_accuracy": "Intent accuracy",
    "tone_accuracy": "Tone accuracy",
    "student_coverage": "Student coverage",
    "cost_per_conversation": "Cost per conversation ($)",
}


def weekly_kpis(*, start: datetime, end: datetime) -> dict:
    """The KPIs of conversations, bookings, replies, surveys and calls in [start, end)."""
    escalated = Exists(Escalation.objects.filter(conversation_id=OuterRef("pk")))
    booked = Exists(Booking.objects.filter(conversation_id=OuterRef("pk"), status__in=WON))
    conv = Conversation.objects.filter(started_at__gte=start, started_at__lt=end).aggregate(
        total=Count("id"), contained=Count("id", filter=~Q(escalated)), booked=Count("id", filter=Q(booked))
    )
    bookings = Booking.objects.filter(created_at__gte=start, created_at__lt=end, status__in=WON).aggregate(
        count=Count("id"),
        upsold=Count("id", filter=~Q(upgrades={}) | ~Q(addons={})),
        value=Avg("total"),
    )
    replies = Message.objects.filter(
        author=Message.Author.AI, direction=Message.Direction.OUTBOUND, sent_at__gte=start, sent_at__lt=end
    ).aggregate(
        p95=PercentileCont("latency_ms", 0.95, filter=Q(latency_ms__isnull=False)),
        student=Count("id", filter=Q(route=Message.Route.STUDENT)),
        modelled=Count("id", filter=Q(route__in=[Message.Route.STUDENT, Message.Route.TEACHER])),
    )
    csat = SatisfactionSurvey.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    cost = ModelCall.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(s=Sum("cost_usd"))["s"] or 0
    intent_accuracy, intent_labels = labels.accuracy(field="intent", start=start, end=end)
    tone_accuracy, tone_labels = labels.accuracy(field="tone", start=start, end=end)
    return {
        "start": start,
        "end": end,
        "conversations": conv["total"],
        "containment_rate": ratio(conv["contained"], conv["total"]),
        "booking_conversion": ratio(conv["booked"], conv["total"]),
        "upsell_acceptance": ratio(bookings["upsold"], bookings["count"]),
        "avg_booking_value": float(bookings["value"]) if bookings["value"] is not None else None,
        "response_p95_ms": replies["p95"],
        "csat": float(csat["avg"]) if csat["avg"] is not None else None,
        "surveys": csat["n"],
        "intent_accuracy": intent_accuracy,
        "intent_labels": intent_labels,
        "tone_accuracy": tone_accuracy,
        "tone_labels": tone_labels,
        "student_coverage": ratio(replies["student"], replies["modelled"]),
        "cost": float(cost),
        "cost_per_conversation": ratio(cost, conv["total"]),
    }


def kpi_weeks(*, weeks: int = 8, now: datetime | None = None) -> list[dict]:
    """Trailing 7-day windows ending at `now`, oldest first (the last one is "this week")."""
    now = now or timezone.now()
    return [
        weekly_kpis(start=now - timedelta(days=7 * (k + 1)), end=now - timedelta(days=7 * k))
        for k in reversed(range(weeks))
    ]
