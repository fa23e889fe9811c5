"""Weekly KPIs: what managers track week over week, computed from recorded conversations, bookings and calls.

The business plan's definitions (ml-scalability-preparation.md, "KPIs to Track (Weekly)"):
- conversions: conversations started in the week with a confirmed/completed booking / conversations started;
- upsell acceptance: upsell offers made in the week (learning.UpsellOffer) that the booking took / offers made;
- response time p95: the 95th percentile (linear interpolation) of the AI processing time of the week's AI replies
  (`Message.latency_ms`, message in to reply stored; also in the reply's metadata as `response_time_ms`);
- labeled data percentage: labeled tone examples (staff-written or verified) / customer messages, both up to the
  week's end;
- student coverage: model-written replies (a provider wrote them, not the survey's thank-you) answered by the
  student / those answered by the student or the teacher;
- conversations per day: conversations started in the week / 7 (the gpu_needed alert).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from agents.models import ModelCall
from bookings.models import Booking
from conversations.models import Conversation, Escalation, Message
from learning.models import SatisfactionSurvey, UpsellOffer

from . import labels
from ._stats import PercentileCont, ratio
from .readiness import ml_readiness, ml_ready_summary

WON = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)

KPI_LABELS = {
    "conversations": "Conversations",
    "containment_rate": "Containment (no human)",
    "booking_conversion": "Booking conversion",
    "upsell_acceptance": "Upsell acceptance (accepted / offered)",
    "avg_booking_value": "Average booking value ($)",
    "response_p95_ms": "Response time p95 (ms)",
    "csat": "CSAT (1-5)",
    "intent_accuracy": "Intent accuracy",
    "tone_accuracy": "Tone accuracy",
    "student_coverage": "Student coverage",
    "cost_per_conversation": "Cost per conversation ($)",
    "total_conversations": "Total conversations",
    "labeled_data_percentage": "Labeled data (tone labels / customer messages)",
    "conversations_per_day": "Conversations per day",
}
SURVEY_AGENT = "survey"  # learning's survey thank-you: recorded as an AI reply, written by no model


def weekly_kpis(*, start: datetime, end: datetime) -> dict:
    """The KPIs of conversations, bookings, replies, surveys and calls in [start, end)."""
    escalated = Exists(Escalation.objects.filter(conversation_id=OuterRef("pk")))
    booked = Exists(Booking.objects.filter(conversation_id=OuterRef("pk"), status__in=WON))
    conv = Conversation.objects.filter(started_at__gte=start, started_at__lt=end).aggregate(
        total=Count("id"), contained=Count("id", filter=~Q(escalated)), booked=Count("id", filter=Q(booked))
    )
    bookings = Booking.objects.filter(created_at__gte=start, created_at__lt=end, status__in=WON).aggregate(
        count=Count("id"), value=Avg("total")
    )
    offers = UpsellOffer.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        offered=Count("id"), accepted=Count("id", filter=Q(accepted=True))
    )
    model_written = Q(route__in=[Message.Route.STUDENT, Message.Route.TEACHER]) & ~Q(provider="") & ~Q(
        agent=SURVEY_AGENT
    )
    replies = Message.objects.filter(
        author=Message.Author.AI, direction=Message.Direction.OUTBOUND, sent_at__gte=start, sent_at__lt=end
    ).aggregate(
        p95=PercentileCont("latency_ms", 0.95, filter=Q(latency_ms__isnull=False)),
        student=Count("id", filter=model_written & Q(route=Message.Route.STUDENT)),
        modelled=Count("id", filter=model_written),
    )
    customer_messages = Message.objects.filter(
        direction=Message.Direction.INBOUND, author=Message.Author.CUSTOMER, sent_at__lt=end
    ).count()
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
        "upsell_acceptance": ratio(offers["accepted"], offers["offered"]),
        "upsells_offered": offers["offered"],
        "upsells_accepted": offers["accepted"],
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
        "total_conversations": Conversation.objects.filter(started_at__lt=end).count(),
        "labeled_data_percentage": ratio(labels.labeled_count(field="tone", end=end), customer_messages),
        "conversations_per_day": conv["total"] / ((end - start).total_seconds() / 86400),
    }


def plan_weekly_kpis(*, thresholds, now: datetime | None = None) -> dict:
    """The plan's `track_weekly_metrics()` dict, with its names, for the week ending `now`."""
    now = now or timezone.now()
    week = weekly_kpis(start=now - timedelta(days=7), end=now)
    ready = ml_ready_summary(ml_readiness(thresholds=thresholds, now=now))
    return {
        "conversations_this_week": week["conversations"],
        "total_conversations": week["total_conversations"],
        "labeled_data_percentage": week["labeled_data_percentage"],
        "tone_accuracy": week["tone_accuracy"],
        "intent_accuracy": week["intent_accuracy"],
        "response_time_p95": week["response_p95_ms"],
        "conversion_rate": week["booking_conversion"],
        "upsell_acceptance_rate": week["upsell_acceptance"],
        "avg_booking_value": week["avg_booking_value"],
        "ml_ready": ready["ml_ready"],
        "estimated_days_to_ml_ready": ready["estimated_days_to_ml_ready"],
    }


def kpi_weeks(*, weeks: int = 8, now: datetime | None = None) -> list[dict]:
    """Trailing 7-day windows ending at `now`, oldest first (the last one is "this week")."""
    now = now or timezone.now()
    return [
        weekly_kpis(start=now - timedelta(days=7 * (k + 1)), end=now - timedelta(days=7 * k))
        for k in reversed(range(weeks))
    ]
