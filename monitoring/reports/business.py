"""The business reports: cost, growth, weekly KPIs and return on investment."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from .. import charts
from ..models import MonitorRun, MonitorSettings
from ..selectors._stats import day_range, local_day_start, month_start, next_month
from ..selectors.costs import (
    cost_breakdown,
    cost_daily,
    cost_forecast,
    cost_per_unit,
    cost_top_customers,
    other_costs,
    other_costs_total,
)
from ..selectors.growth import growth_daily, growth_totals
from ..selectors.kpis import KPI_LABELS, kpi_weeks
from ..selectors.labels import label_source
from ..selectors.roi import roi_months
from ._format import _money, _num, _pct


def cost_report(*, now: datetime | None = None, show_customers: bool = False) -> dict:
    now = timezone.localtime(now or timezone.now())
    thresholds = MonitorSettings.load()
    limit = float(thresholds.monthly_cost_threshold_usd)
    forecast = cost_forecast(threshold=limit, trend_days=thresholds.trend_days, now=now)
    first, last = month_start(now.date()), next_month(now.date()) - timedelta(days=1)
    month_days = cost_daily(start=first, end=now.date())
    running, actual = 0.0, []
    for _, cost in month_days:
        running += cost
        actual.append(running)
    projected = [None] * (len(actual) - 1) + [actual[-1]]
    a, b = forecast.trend_intercept, forecast.trend_slope
    today_index = thresholds.trend_days
    for k, _ in enumerate(day_range(now.date() + timedelta(days=1), last), start=1):
        projected.append(projected[-1] + max(0.0, a + b * (today_index + k)))
    labels = [d.strftime("%d") for d in day_range(first, last)]
    history = cost_daily(start=now.date() - timedelta(days=thresholds.trend_days), end=now.date())
    trend = [max(0.0, a + b * i) for i in range(len(history))]
    start, end = local_day_start(first), now + timedelta(microseconds=1)
    units = cost_per_unit(start=start, end=end)
    other_total = other_costs_total(month=first)
    breakdown_columns = [("key", "name"), ("calls", "calls"), ("failed", "failed"), ("cost", "cost (USD)")]
    return {
        "title": f"Cost — {first:%B %Y}",
        "summary": [
            ("Month to date", _money(forecast.month_to_date)),
            ("Projected month end", _money(forecast.projected_month_end)),
            ("Monthly threshold", _money(limit)),
            ("Monthly run rate (trend)", _money(forecast.run_rate_today)),
            (
                "Trend crosses the threshold",
                "already above"
                if forecast.days_to_threshold == 0
                else f"in {forecast.days_to_threshold:.0f} days ({forecast.crossing_date:%Y-%m-%d})"
                if forecast.days_to_threshold is not None
                else "not on the current trend",
            ),
            ("Other costs this month (SMS, hosting, GPU; entered in the admin)", _money(other_total)),
            ("Total this month (model spend + other costs)", _money(forecast.month_to_date + other_total)),
            ("Per customer", _money(units["per_customer"])),
            ("Per conversation", _money(units["per_conversation"])),
            ("Per booking", _money(units["per_booking"])),
        ],
        "charts": [
            charts.line_chart(
                title="Cumulative spend this month against the threshold (USD)",
                labels=labels,
                series={"actual": actual + [None] * (len(labels) - len(actual)), "projected (trend)": projected},
                threshold=limit,
                threshold_label="monthly threshold",
                y_format="${:,.0f}",
            ),
            charts.line_chart(
                title=f"Daily spend, last {len(history)} days (USD)",
                labels=[d.strftime("%m-%d") for d, _ in history],
                series={"daily spend": [c for _, c in history], "trend": trend},
                y_format="${:,.2f}",
            ),
        ],
        "tables": [
            {
                "title": "Daily spend",
                "columns": [("day", "day"), ("cost", "cost (USD)"), ("trend", "trend (USD)")],
                "rows": [{"day": d, "cost": round(c, 6), "trend": round(t, 6)} for (d, c), t in zip(history, trend)],
            },
            {
                "title": "By provider",
                "columns": breakdown_columns,
                "rows": cost_breakdown(start=start, end=end, by="provider"),
            },
            {
                "title": "By model",
                "columns": breakdown_columns,
                "rows": cost_breakdown(start=start, end=end, by="model"),
            },
            {
                "title": "By agent",
                "columns": breakdown_columns,
                "rows": cost_breakdown(start=start, end=end, by="agent"),
            },
            {
                "title": "Other costs this month",
                "columns": [("category", "category"), ("amount", "amount (USD)"), ("note", "note")],
                "rows": other_costs(month=first),
            },
            {
                "title": "Top customers",
                "columns": [("customer", "customer"), ("calls", "calls"), ("cost", "cost (USD)")],
                "rows": cost_top_customers(start=start, end=end, identify=show_customers),
            },
        ],
        "forecast": forecast,
    }


def growth_report(*, now: datetime | None = None, days: int = 90) -> dict:
    now = timezone.localtime(now or timezone.now())
    thresholds = MonitorSettings.load()
    rows = growth_daily(start=now.date() - timedelta(days=days - 1), end=now.date())
    labels = [r["day"].strftime("%m-%d") for r in rows]
    totals = growth_totals()
    last_run = MonitorRun.objects.filter(monitor="growth", ok=True).first()
    memory = (last_run.result.get("memory") or {}) if last_run else {}
    p95 = memory.get("p95_ms")
    suggest = totals["customers"] >= thresholds.customers_threshold or (
        p95 is not None and p95 >= thresholds.memory_p95_threshold_ms
    )
    return {
        "title": f"Growth — last {days} days",
        "summary": [
            ("Customers", _num(totals["customers"])),
            ("Customer threshold", _num(thresholds.customers_threshold)),
            ("Conversations", _num(totals["conversations"])),
            ("Bookings", _num(totals["bookings"])),
            ("Memory query p95 (last measured)", f"{p95:.1f} ms" if p95 is not None else "not measured yet"),
            ("Memory p95 threshold", f"{thresholds.memory_p95_threshold_ms:.0f} ms"),
            ("Move memory to the graph backend?", "yes — see docs/upgrade-graph-memory.md" if suggest else "not yet"),
        ],
        "charts": [
            charts.line_chart(
                title="Customers",
                labels=labels,
                series={"customers": [r["customers_total"] for r in rows]},
                threshold=thresholds.customers_threshold,
                threshold_label="graph-memory threshold",
            ),
            charts.line_chart(
                title="Conversations and bookings per day",
                labels=labels,
                series={"conversations": [r["conversations"] for r in rows], "bookings": [r["bookings"] for r in rows]},
            ),
        ],
        "tables": [
            {
                "title": "Per day",
                "columns": [
                    ("day", "day"),
                    ("new_customers", "new customers"),
                    ("customers_total", "customers"),
                    ("conversations", "conversations"),
                    ("bookings", "bookings"),
                ],
                "rows": rows,
            }
        ],
    }


KPI_CHARTED = (  # the rates chart's lines (the palette has six colours)
    "containment_rate",
    "booking_conversion",
    "upsell_acceptance",
    "intent_accuracy",
    "tone_accuracy",
    "student_coverage",
)
KPI_PERCENT = (
    "labeled_data_percentage",
    "containment_rate",
    "booking_conversion",
    "upsell_acceptance",
    "intent_accuracy",
    "tone_accuracy",
    "student_coverage",
)


def kpis_report(*, now: datetime | None = None, weeks: int = 8) -> dict:
    thresholds = MonitorSettings.load()
    rows = kpi_weeks(weeks=weeks, now=now)
    labels = [f"to {timezone.localtime(r['end']):%m-%d}" for r in rows]
    table_rows = [{"week_ending": timezone.localtime(r["end"]).date(), **{k: r[k] for k in KPI_LABELS}} for r in rows]
    this = rows[-1]
    return {
        "title": f"Weekly KPIs — last {weeks} weeks",
        "summary": [
            (
                KPI_LABELS[k],
                _pct(this[k])
                if k in KPI_PERCENT
                else _money(this[k])
                if k in ("avg_booking_value", "cost_per_conversation")
                else _num(this[k], "{:,.1f}")
                if k in ("csat", "conversations_per_day")
                else _num(this[k]),
            )
            for k in KPI_LABELS
        ]
        + [("Staff labels from", label_source())],
        "charts": [
            charts.line_chart(
                title="Rates (%)",
                labels=labels,
                series={KPI_LABELS[k]: [None if r[k] is None else 100 * r[k] for r in rows] for k in KPI_CHARTED},
                y_format="{:,.0f}%",
            ),
            charts.line_chart(
                title="Response time p95 (ms)",
                labels=labels,
                series={"p95": [r["response_p95_ms"] for r in rows]},
                threshold=thresholds.response_p95_threshold_ms,
                threshold_label="latency threshold",
            ),
        ],
        "tables": [
            {
                "title": "KPIs per week",
                "columns": [("week_ending", "week ending")] + list(KPI_LABELS.items()),
                "rows": table_rows,
            }
        ],
    }




def roi_report(*, now: datetime | None = None, months: int = 12) -> dict:
    thresholds = MonitorSettings.load()
    rows = roi_months(thresholds=thresholds, months=months, now=now)
    total = {k: sum(r[k] for r in rows)
             for k in ("ai_cost", "other_cost", "human_cost", "with_ai", "baseline", "savings")}
    labels = [r["month"] for r in rows]
    return {
        "title": f"Return on investment — last {months} months",
        "summary": [
            ("Human minutes per conversation", f"{thresholds.human_minutes_per_conversation:g}"),
            ("Staff hourly cost", _money(float(thresholds.staff_hourly_cost_usd))),
            ("AI cost (model calls)", _money(total["ai_cost"])),
            ("Other costs (SMS, hosting, GPU)", _money(total["other_cost"])),
            ("Remaining human time", _money(total["human_cost"])),
            ("With AI", _money(total["with_ai"])),
            ("All-human baseline", _money(total["baseline"])),
            ("Savings", _money(total["savings"])),
        ],
        "charts": [
            charts.bar_chart(
                title="Monthly cost: with AI against all-human (USD)",
                labels=labels,
                series={
                    "AI cost + other costs + remaining human time": [r["with_ai"] for r in rows],
                    "all-human baseline": [r["baseline"] for r in rows],
                },
                y_format="${:,.0f}",
            )
        ],
        "tables": [
            {
                "title": "Report card per month",
                "columns": [
                    ("month", "month"),
                    ("conversations", "conversations"),
                    ("escalations", "escalations"),
                    ("ai_cost", "AI cost"),
                    ("other_cost", "other costs"),
                    ("human_cost", "remaining human time"),
                    ("with_ai", "with AI"),
                    ("baseline", "all-human baseline"),
                    ("savings", "savings"),
                    ("savings_rate", "savings rate"),
                ],
                "rows": rows,
            }
        ],
    }
