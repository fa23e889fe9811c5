"""The business plan's upgrade triggers (future-scaling-plan.md, "Automatic upgrade triggers"), measured:

1. Local model: model API spend >= the monthly threshold ($500) AND >= 500 conversations a day. Both over the last
   30 days: the spend of the 30 days (a rolling month, so the trigger does not wait for a calendar month to fill)
   and conversations started in them / 30.
2. Graph memory: customers >= the customers threshold (1,000); the measured memory p95 is shown beside it.
3. Series A: a manual decision the summary supports: met when triggers 1 and 2 both are; shown with the ML
   readiness (the plan's deep-learning targets) in one view.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from conversations.models import Conversation, Customer
from monitoring.models import MonitorRun

from .costs import cost_between
from .readiness import ml_readiness, ml_ready_summary

WINDOW_DAYS = 30


def trigger1_figures(*, spend_30d: float, conversations_30d: int, cost_threshold: float, daily_conversations: int,
                     window_days: int = WINDOW_DAYS) -> dict:
    """Trigger 1's arithmetic on plain numbers (tested by hand)."""
    per_day = conversations_30d / window_days
    return {
        "spend_30d": spend_30d,
        "cost_threshold": cost_threshold,
        "cost_met": spend_30d >= cost_threshold,
        "conversations_per_day": per_day,
        "daily_conversations_threshold": daily_conversations,
        "volume_met": per_day >= daily_conversations,
        "met": spend_30d >= cost_threshold and per_day >= daily_conversations,
    }


def trigger1_local_model(*, thresholds, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    start = now - timedelta(days=WINDOW_DAYS)
    return trigger1_figures(
        spend_30d=float(cost_between(start=start, end=now)),
        conversations_30d=Conversation.objects.filter(started_at__gte=start, started_at__lt=now).count(),
        cost_threshold=float(thresholds.monthly_cost_threshold_usd),
        daily_conversations=thresholds.trigger1_daily_conversations,
    )


def trigger2_graph_memory(*, thresholds) -> dict:
    customers = Customer.objects.count()
    last = MonitorRun.objects.filter(monitor="growth", ok=True).first()
    p95 = ((last.result or {}).get("memory") or {}).get("p95_ms") if last else None
    return {
        "customers": customers,
        "customers_threshold": thresholds.customers_threshold,
        "memory_p95_ms": p95,
        "memory_p95_threshold_ms": thresholds.memory_p95_threshold_ms,
        "met": customers >= thresholds.customers_threshold,
    }


def series_a_readiness(*, thresholds, now: datetime | None = None) -> dict:
    """Both triggers and the ML readiness in one view (trigger 3 stays a manual decision)."""
    trigger1 = trigger1_local_model(thresholds=thresholds, now=now)
    trigger2 = trigger2_graph_memory(thresholds=thresholds)
    rows = ml_readiness(thresholds=thresholds, now=now)
    return {
        "trigger1": trigger1,
        "trigger2": trigger2,
        "both_triggers_met": trigger1["met"] and trigger2["met"],
        "ml": ml_ready_summary(rows),
        "readiness_rows": rows,
    }
