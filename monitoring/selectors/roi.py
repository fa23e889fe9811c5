"""Return on investment, per month: AI cost plus the human time still needed, against an all-human baseline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from agents.models import ModelCall
from conversations.models import Conversation, Escalation

from ._stats import local_day_start, month_start, next_month
from .costs import other_costs_total


def roi_figures(
    *, conversations: int, escalations: int, ai_cost: float, minutes_per_conversation: float, hourly_cost: float,
    other_cost: float = 0.0,
) -> dict:
    """The report card's arithmetic on plain numbers.

    human time still needed = escalations x minutes x hourly cost / 60; with AI = model spend + the month's other
    costs (SMS, hosting, GPU: entered in the admin) + that; all-human baseline = conversations x minutes x hourly
    cost / 60; savings = baseline - with AI; ROI = savings / (model spend + other costs).
    """
    human_cost = escalations * minutes_per_conversation * hourly_cost / 60
    with_ai = ai_cost + other_cost + human_cost
    baseline = conversations * minutes_per_conversation * hourly_cost / 60
    savings = baseline - with_ai
    return {
        "conversations": conversations,
        "escalations": escalations,
        "ai_cost": ai_cost,
        "other_cost": other_cost,
        "human_cost": human_cost,
        "with_ai": with_ai,
        "baseline": baseline,
        "savings": savings,
        "savings_rate": savings / baseline if baseline else None,
        "roi": savings / (ai_cost + other_cost) if ai_cost + other_cost else None,
    }


def _months(last: date, count: int) -> list[date]:
    """The first days of the `count` months ending with `last`'s month, oldest first."""
    months = [month_start(last)]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return list(reversed(months))


def roi_months(*, thresholds, months: int = 12, now: datetime | None = None) -> list[dict]:
    now = timezone.localtime(now or timezone.now())
    minutes = float(thresholds.human_minutes_per_conversation)
    hourly = float(thresholds.staff_hourly_cost_usd)
    rows = []
    for first in _months(now.date(), months):
        start, end = local_day_start(first), local_day_start(next_month(first))
        cost = ModelCall.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(s=Sum("cost_usd"))["s"]
        rows.append(
            {
                "month": first.strftime("%Y-%m"),
                **roi_figures(
                    conversations=Conversation.objects.filter(started_at__gte=start, started_at__lt=end).count(),
                    escalations=Escalation.objects.filter(created_at__gte=start, created_at__lt=end).count(),
                    ai_cost=float(cost or Decimal("0")),
                    other_cost=other_costs_total(month=first),
                    minutes_per_conversation=minutes,
                    hourly_cost=hourly,
                ),
            }
        )
    return rows
