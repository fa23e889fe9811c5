"""Model spend from recorded model calls: month to date, the trend, the forecast, and breakdowns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from agents.models import ModelCall
from bookings.models import Booking
from monitoring.models import OtherCost

from ._stats import day_range, linear_fit, local_day_start, month_start, next_month, ratio

RUN_RATE_DAYS = 30  # a "month" of spend at the trend's daily rate
# A crossing further away than this is no forecast (a tiny upward slope under a far threshold put it centuries away,
# past the last date Python can hold, and the cost report failed): "not on the current trend".
FORECAST_HORIZON_DAYS = 3650


def cost_daily(*, start: date, end: date) -> list[tuple[date, float]]:
    """Spend per local day from start to end (both included), zero-filled."""
    rows = (
        ModelCall.objects.filter(
            created_at__gte=local_day_start(start), created_at__lt=local_day_start(end + timedelta(days=1))
        )
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(cost=Sum("cost_usd"))
    )
    by_day = {row["day"]: float(row["cost"] or 0) for row in rows}
    return [(day, by_day.get(day, 0.0)) for day in day_range(start, end)]


def cost_between(*, start: datetime, end: datetime) -> Decimal:
    total = ModelCall.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(s=Sum("cost_usd"))["s"]
    return total or Decimal("0")


@dataclass(frozen=True)
class CostForecast:
    today: date
    threshold: float
    month_to_date: float
    projected_month_end: float
    trend_intercept: float  # daily spend on the first day of the fitted window
    trend_slope: float  # change of the daily spend per day
    run_rate_today: float  # RUN_RATE_DAYS x the trend's daily spend today
    days_to_threshold: float | None  # None: the trend never reaches it; 0: already there
    crossing_date: date | None

    def as_dict(self) -> dict:
        return asdict(self)


def cost_forecast_from_daily(
    *,
    daily: list[float],
    today_index: int,
    month_to_date: float,
    spent_today: float,
    days_left_after_today: int,
    threshold: float,
) -> dict:
    """The arithmetic of the forecast, on plain numbers (tested by hand).

    `daily` are the complete days of the trend window (x = 0 .. n-1); today is x = today_index. The trend is the
    least-squares line a + b*x. Projected month end = spend of the month's complete days + max(spent today, trend
    today) + the trend (never negative) for each remaining day. The monthly run rate at day x is 30 * (a + b*x); the
    forecast says how many days until it reaches the threshold.
    """
    a, b = linear_fit(daily)
    trend_today = max(0.0, a + b * today_index)
    remaining = sum(max(0.0, a + b * (today_index + k)) for k in range(1, days_left_after_today + 1))
    projected = (month_to_date - spent_today) + max(spent_today, trend_today) + remaining
    run_rate = RUN_RATE_DAYS * (a + b * today_index)
    if run_rate >= threshold:
        days = 0.0
    elif b > 0:
        days = (threshold / RUN_RATE_DAYS - a) / b - today_index
        days = days if days <= FORECAST_HORIZON_DAYS else None
    else:
        days = None
    return {
        "trend_intercept": a,
        "trend_slope": b,
        "projected_month_end": projected,
        "run_rate_today": run_rate,
        "days_to_threshold": days,
    }


def cost_forecast(*, threshold: float, trend_days: int = 60, now: datetime | None = None) -> CostForecast:
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    first = month_start(today)
    daily = cost_daily(start=today - timedelta(days=trend_days), end=today - timedelta(days=1))
    month_to_date = float(cost_between(start=local_day_start(first), end=now + timedelta(microseconds=1)))
    spent_today = float(cost_between(start=local_day_start(today), end=now + timedelta(microseconds=1)))
    days_left = (next_month(today) - today).days - 1
    numbers = cost_forecast_from_daily(
        daily=[cost for _, cost in daily],
        today_index=len(daily),
        month_to_date=month_to_date,
        spent_today=spent_today,
        days_left_after_today=days_left,
        threshold=threshold,
    )
    days = numbers["days_to_threshold"]
    return CostForecast(
        today=today,
        threshold=threshold,
        month_to_date=month_to_date,
        crossing_date=today + timedelta(days=int(-(-days // 1))) if days is not None else None,
        **numbers,
    )


def cost_breakdown(*, start: datetime, end: datetime, by: str) -> list[dict]:
    """Calls and spend grouped by "provider", "model", "agent" or "route", most expensive first."""
    if by not in {"provider", "model", "agent", "route"}:
        raise ValueError(f"cannot group model calls by {by!r}")
    rows = (
        ModelCall.objects.filter(created_at__gte=start, created_at__lt=end)
        .values(by)
        .annotate(calls=Count("id"), cost=Sum("cost_usd"), failed=Count("id", filter=Q(ok=False)))
        .order_by("-cost", by)
    )
    return [
        {"key": row[by] or "(none)", "calls": row["calls"], "failed": row["failed"], "cost": float(row["cost"] or 0)}
        for row in rows
    ]


def cost_per_unit(*, start: datetime, end: datetime) -> dict:
    """Average spend per customer, conversation and booking over the calls of the window."""
    calls = ModelCall.objects.filter(created_at__gte=start, created_at__lt=end)
    totals = calls.aggregate(
        cost=Sum("cost_usd"),
        customers=Count("customer", distinct=True),
        conversations=Count("conversation", distinct=True),
    )
    cost = float(totals["cost"] or 0)
    bookings = Booking.objects.filter(
        created_at__gte=start, created_at__lt=end, status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED]
    ).count()
    return {
        "cost": cost,
        "customers": totals["customers"],
        "conversations": totals["conversations"],
        "bookings": bookings,
        "per_customer": ratio(cost, totals["customers"]),
        "per_conversation": ratio(cost, totals["conversations"]),
        "per_booking": ratio(cost, bookings),
    }


def cost_top_customers(*, start: datetime, end: datetime, limit: int = 10, identify: bool = False) -> list[dict]:
    """The customers who cost the most. Their names and e-mails are read only when `identify` (a reader allowed to
    see customers); otherwise each is named by its id, which staff with that permission can look up."""
    fields = ["customer_id", "customer__name", "customer__email"] if identify else ["customer_id"]
    rows = (
        ModelCall.objects.filter(created_at__gte=start, created_at__lt=end, customer__isnull=False)
        .values(*fields)
        .annotate(calls=Count("id"), cost=Sum("cost_usd"))
        .order_by("-cost")[:limit]
    )
    return [
        {
            "customer_id": r["customer_id"],
            "customer": (r.get("customer__name") or r.get("customer__email") or f"#{r['customer_id']}")
            if identify else f"customer #{r['customer_id']}",
            "calls": r["calls"],
            "cost": float(r["cost"] or 0),
        }
        for r in rows
    ]


def other_costs(*, month: date) -> list[dict]:
    """The month's costs that are not model calls (SMS/voice, hosting, GPU...), as managers entered them."""
    return [
        {"category": row.get_category_display(), "amount": float(row.amount_usd), "note": row.note}
        for row in OtherCost.objects.filter(month=month_start(month)).order_by("category")
    ]


def other_costs_total(*, month: date) -> float:
    total = OtherCost.objects.filter(month=month_start(month)).aggregate(s=Sum("amount_usd"))["s"]
    return float(total or 0)
