"""ML readiness, as the business plan defines it: the training material against each target, when each will be
ready, the combined "ML READY" condition, monthly active users, and whether the lightweight NLP has plateaued.

- ML READY (the plan's weekly check): conversations >= 10,000 AND labeled tone examples >= 5,000 AND booking
  outcomes >= 1,000 (targets editable in Monitor settings). Surveys, edge cases and monthly active users are shown
  against their targets too but do not gate the alert (the plan's check script does not).
- Edge case (ONE rule, `edge_case_messages`, used by every count and report): a customer message whose intent
  confidence is below `edge_case_confidence` (0.7), whose sentiment is negative, that was escalated to a person (an
  escalation names it, or its reply went to a human), or whose reply staff corrected more than twice
  (learning's CORRECTED_OFTEN_AFTER). A message without entities is not an edge case by itself.
- Monthly active users: customers with a message of theirs in the last 30 days.
- Plateau: the last `plateau_weeks` weekly accuracies all below `plateau_accuracy` (85%) and their least-squares
  slope below `plateau_min_gain` per week.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from bookings.models import Booking
from conversations.models import Conversation, Escalation, Message
from learning.models import SatisfactionSurvey
from learning.services.review import CORRECTED_OFTEN_AFTER

from . import labels
from ._stats import linear_fit

RATE_WINDOW_DAYS = 30
MAU_DAYS = 30
FRUSTRATED_SENTIMENT = "negative"
BOOKING_OUTCOME_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.CANCELLED)
ML_READY_KEYS = ("conversations", "tone_labels", "booking_outcomes")

# The plan's GPU options for the deep-learning decision (ml-scalability-preparation.md, "GPU Options").
GPU_OPTIONS = [
    {"provider": "AWS EC2 g4dn.xlarge", "gpu": "NVIDIA T4", "monthly_usd": 380, "best_for": "Production"},
    {"provider": "Google Cloud n1-highmem-4 + T4", "gpu": "NVIDIA T4", "monthly_usd": 400, "best_for": "Production"},
    {"provider": "Azure NC6", "gpu": "NVIDIA K80", "monthly_usd": 450, "best_for": "Development"},
    {"provider": "Paperspace", "gpu": "RTX 4000", "monthly_usd": 500, "best_for": "Development"},
    {"provider": "Lambda Labs", "gpu": "RTX 3090", "monthly_usd": 550, "best_for": "Training"},
]


def _window(rows, field: str, start: datetime | None, end: datetime | None):
    if start is not None:
        rows = rows.filter(**{f"{field}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lt": end})
    return rows


def edge_case_messages(*, confidence_below: float, start: datetime | None = None, end: datetime | None = None):
    """Customer messages that are edge cases by the plan's definition (see the module docstring), sent in
    [start, end)."""
    replies = Message.objects.filter(in_reply_to=OuterRef("pk"), author=Message.Author.AI)
    corrected_often = replies.annotate(n=Count("corrections")).filter(n__gt=CORRECTED_OFTEN_AFTER)
    flagged = (
        Q(intent_confidence__lt=confidence_below)
        | Q(sentiment=FRUSTRATED_SENTIMENT)
        | Q(Exists(Escalation.objects.filter(message=OuterRef("pk"))))
        | Q(Exists(replies.filter(route=Message.Route.HUMAN)))
        | Q(Exists(corrected_often))
    )
    rows = Message.objects.filter(direction=Message.Direction.INBOUND, author=Message.Author.CUSTOMER).filter(flagged)
    return _window(rows, "sent_at", start, end)


def monthly_active_users(*, now: datetime | None = None) -> int:
    """Customers with a message of theirs in the 30 days before `now`."""
    now = now or timezone.now()
    return (
        Message.objects.filter(
            direction=Message.Direction.INBOUND, sent_at__gte=now - timedelta(days=MAU_DAYS), sent_at__lt=now
        )
        .values("conversation__customer_id")
        .distinct()
        .count()
    )


def dataset_counts(*, thresholds, start: datetime | None = None, end: datetime | None = None) -> dict[str, int]:
    """How much of each accumulating dataset was added in [start, end) (all of it without bounds)."""
    return {
        "conversations": _window(Conversation.objects.all(), "started_at", start, end).count(),
        "tone_labels": labels.labeled_count(field="tone", start=start, end=end),
        "booking_outcomes": _window(
            Booking.objects.filter(status__in=BOOKING_OUTCOME_STATUSES), "created_at", start, end
        ).count(),
        "surveys": _window(SatisfactionSurvey.objects.all(), "created_at", start, end).count(),
        "edge_cases": edge_case_messages(confidence_below=thresholds.edge_case_confidence, start=start, end=end).count(),
    }


def _targets(thresholds) -> dict[str, int]:
    return {
        "conversations": thresholds.target_conversations,
        "tone_labels": thresholds.target_tone_labels,
        "booking_outcomes": thresholds.target_booking_outcomes,
        "surveys": thresholds.target_surveys,
        "edge_cases": thresholds.target_edge_cases,
        "monthly_active_users": thresholds.target_monthly_active_users,
    }


LABELS = {
    "conversations": "Conversations",
    "tone_labels": "Labeled tone examples",
    "booking_outcomes": "Booking outcomes",
    "surveys": "Satisfaction surveys",
    "edge_cases": "Edge cases",
    "monthly_active_users": "Monthly active users",
}


def days_to_ready(*, current: int, target: int, recent: int, window_days: int = RATE_WINDOW_DAYS) -> float | None:
    """0 when ready; else (target - current) / (recent / window_days) rounded up; None when nothing is coming in."""
    if current >= target:
        return 0
    if recent <= 0:
        return None
    return math.ceil((target - current) / (recent / window_days))


def ml_readiness(*, thresholds, now: datetime | None = None) -> list[dict]:
    """One row per dataset: current, target, share done, growth in the last 30 days, estimated days to ready.

    For monthly active users the growth is the change of the count against 30 days earlier."""
    now = now or timezone.now()
    since = now - timedelta(days=RATE_WINDOW_DAYS)
    current = dataset_counts(thresholds=thresholds, end=now)
    recent = dataset_counts(thresholds=thresholds, start=since, end=now)
    current["monthly_active_users"] = monthly_active_users(now=now)
    recent["monthly_active_users"] = current["monthly_active_users"] - monthly_active_users(now=since)
    rows = []
    for key, target in _targets(thresholds).items():
        days = days_to_ready(current=current[key], target=target, recent=recent[key])
        rows.append(
            {
                "key": key,
                "label": LABELS[key],
                "current": current[key],
                "target": target,
                "progress": min(1.0, current[key] / target) if target else 1.0,
                "recent_30d": recent[key],
                "days_to_ready": days,
                "ready": current[key] >= target,
                "ready_on": (now + timedelta(days=days)).date() if days is not None else None,
                "gates_ml_ready": key in ML_READY_KEYS,
            }
        )
    return rows


def ml_ready_summary(rows: list[dict]) -> dict:
    """The plan's combined condition over the readiness rows: ready when all three gating datasets are; the days
    to ready are the slowest gating dataset's (None when one of them is not growing)."""
    gating = [r for r in rows if r["key"] in ML_READY_KEYS]
    days = [r["days_to_ready"] for r in gating]
    return {
        "ml_ready": all(r["ready"] for r in gating),
        "estimated_days_to_ml_ready": None if any(d is None for d in days) else max(days),
        "missing": [r["label"] for r in gating if not r["ready"]],
    }


def accuracy_plateau(*, weekly: list[float | None], ceiling: float, weeks: int, min_gain: float) -> dict:
    """Has a weekly accuracy series plateaued below `ceiling`? Looks at the last `weeks` weeks that have a value."""
    values = [v for v in weekly if v is not None][-weeks:]
    if len(values) < weeks or weeks < 2:
        return {"plateau": False, "slope": None, "latest": values[-1] if values else None, "weeks": len(values)}
    _, slope = linear_fit(values)
    return {
        "plateau": all(v < ceiling for v in values) and slope < min_gain,
        "slope": slope,
        "latest": values[-1],
        "weeks": len(values),
    }


def dataset_growth(*, thresholds, weeks: int = 8, now: datetime | None = None) -> list[dict]:
    """Per trailing week (oldest first): how much of each dataset was added, and customers active that week."""
    now = now or timezone.now()
    rows = []
    for k in reversed(range(weeks)):
        start, end = now - timedelta(days=7 * (k + 1)), now - timedelta(days=7 * k)
        rows.append({"week_ending": timezone.localtime(end).date(),
                     **dataset_counts(thresholds=thresholds, start=start, end=end)})
    return rows
