"""The manager reports: figures, tables and charts assembled from the selectors, shared by the admin pages, the
CSV export and the weekly digest email. Each report is a dict: title, summary (label, value) pairs, charts (SVG),
and tables (title, columns, rows); the first table is the one exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from agents.models import ModelCall
from conversations.models import Message

from . import charts
from .models import Alert, MonitorRun, MonitorSettings
from .selectors._stats import day_range, local_day_start, month_start, next_month
from .selectors.costs import cost_breakdown, cost_daily, cost_forecast, cost_per_unit, cost_top_customers
from .selectors.growth import growth_daily, growth_totals
from .selectors.kpis import KPI_LABELS, kpi_weeks
from .selectors.labels import label_source
from .selectors.readiness import ml_readiness
from .selectors.roi import roi_months

REPORTS = {
    "cost": "Cost",
    "growth": "Growth",
    "kpis": "Weekly KPIs",
    "agents": "Agents",
    "roi": "Return on investment",
    "readiness": "ML readiness",
}


def _money(value) -> str:
    if value is None:
        return "—"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value, fmt="{:,.0f}") -> str:
    return "—" if value is None else fmt.format(value)


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


KPI_PERCENT = (
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
                if k == "csat"
                else _num(this[k]),
            )
            for k in KPI_LABELS
        ]
        + [("Staff labels from", label_source())],
        "charts": [
            charts.line_chart(
                title="Rates (%)",
                labels=labels,
                series={KPI_LABELS[k]: [None if r[k] is None else 100 * r[k] for r in rows] for k in KPI_PERCENT},
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


def agents_report(*, now: datetime | None = None, days: int = 30) -> dict:
    now = now or timezone.now()
    start = now - timedelta(days=days)
    replies = {
        r["agent"] or "(none)": r
        for r in Message.objects.filter(author=Message.Author.AI, sent_at__gte=start, sent_at__lt=now)
        .values("agent")
        .annotate(
            replies=Count("id"),
            escalated=Count("id", filter=Q(route=Message.Route.HUMAN)),
            student=Count("id", filter=Q(route=Message.Route.STUDENT)),
            confidence=Avg("confidence"),
            latency=Avg("latency_ms"),
            thumbs_up=Count("feedback", filter=Q(feedback__kind="thumbs_up")),
            thumbs_down=Count("feedback", filter=Q(feedback__kind="thumbs_down")),
        )
    }
    calls = {
        r["agent"] or "(none)": r
        for r in ModelCall.objects.filter(created_at__gte=start, created_at__lt=now)
        .values("agent")
        .annotate(calls=Count("id"), cost=Sum("cost_usd"), failed=Count("id", filter=Q(ok=False)))
    }
    rows = []
    for agent in sorted(set(replies) | set(calls)):
        r, c = replies.get(agent, {}), calls.get(agent, {})
        rows.append(
            {
                "agent": agent,
                "replies": r.get("replies", 0),
                "escalated": r.get("escalated", 0),
                "student_share": (r["student"] / r["replies"]) if r.get("replies") else None,
                "avg_confidence": r.get("confidence"),
                "avg_latency_ms": r.get("latency"),
                "thumbs_up": r.get("thumbs_up", 0),
                "thumbs_down": r.get("thumbs_down", 0),
                "calls": c.get("calls", 0),
                "failed_calls": c.get("failed", 0),
                "cost": float(c.get("cost") or 0),
            }
        )
    labels = [r["agent"] for r in rows]
    return {
        "title": f"Agents — last {days} days",
        "summary": [
            ("Agents", str(len(rows))),
            ("Replies", _num(sum(r["replies"] for r in rows))),
            ("Model spend", _money(sum(r["cost"] for r in rows))),
        ],
        "charts": [
            charts.bar_chart(
                title="Replies and escalations per agent",
                labels=labels,
                series={"replies": [r["replies"] for r in rows], "escalated": [r["escalated"] for r in rows]},
            ),
            charts.bar_chart(
                title="Model spend per agent (USD)",
                labels=labels,
                series={"cost": [r["cost"] for r in rows]},
                y_format="${:,.2f}",
            ),
        ],
        "tables": [
            {
                "title": "Per agent",
                "columns": [
                    ("agent", "agent"),
                    ("replies", "replies"),
                    ("escalated", "escalated"),
                    ("student_share", "student share"),
                    ("avg_confidence", "avg confidence"),
                    ("avg_latency_ms", "avg latency (ms)"),
                    ("thumbs_up", "thumbs up"),
                    ("thumbs_down", "thumbs down"),
                    ("calls", "model calls"),
                    ("failed_calls", "failed calls"),
                    ("cost", "cost (USD)"),
                ],
                "rows": rows,
            }
        ],
    }


def roi_report(*, now: datetime | None = None, months: int = 12) -> dict:
    thresholds = MonitorSettings.load()
    rows = roi_months(thresholds=thresholds, months=months, now=now)
    total = {k: sum(r[k] for r in rows) for k in ("ai_cost", "human_cost", "with_ai", "baseline", "savings")}
    labels = [r["month"] for r in rows]
    return {
        "title": f"Return on investment — last {months} months",
        "summary": [
            ("Human minutes per conversation", f"{thresholds.human_minutes_per_conversation:g}"),
            ("Staff hourly cost", _money(float(thresholds.staff_hourly_cost_usd))),
            ("AI cost", _money(total["ai_cost"])),
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
                    "AI cost + remaining human time": [r["with_ai"] for r in rows],
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


def readiness_report(*, now: datetime | None = None) -> dict:
    rows = ml_readiness(thresholds=MonitorSettings.load(), now=now)
    return {
        "title": "ML readiness",
        "summary": [(r["label"], f"{r['current']:,} / {r['target']:,}") for r in rows]
        + [("Staff labels from", label_source())],
        "charts": [
            charts.bar_chart(
                title="Progress towards each target (%)",
                labels=[r["label"] for r in rows],
                series={"progress": [100 * r["progress"] for r in rows]},
                y_format="{:,.0f}%",
            )
        ],
        "tables": [
            {
                "title": "Current against target",
                "columns": [
                    ("label", "dataset"),
                    ("current", "current"),
                    ("target", "target"),
                    ("progress", "progress"),
                    ("recent_30d", "added in 30 days"),
                    ("days_to_ready", "days to ready"),
                    ("ready_on", "ready on"),
                ],
                "rows": rows,
            }
        ],
    }


BUILDERS = {
    "cost": cost_report,
    "growth": growth_report,
    "kpis": kpis_report,
    "agents": agents_report,
    "roi": roi_report,
    "readiness": readiness_report,
}


# The reports that can name customers; the others take no `show_customers`.
NAMES_CUSTOMERS = {"cost"}


def report_build(name: str, *, now: datetime | None = None, show_customers: bool = False) -> dict:
    """`show_customers`: the reader may see customers' names and e-mails; otherwise customers appear by id."""
    if name not in BUILDERS:
        raise KeyError(name)
    if name in NAMES_CUSTOMERS:
        return BUILDERS[name](now=now, show_customers=show_customers)
    return BUILDERS[name](now=now)


def report_csv(report: dict) -> str:
    table = report["tables"][0]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in table["columns"]])
    for row in table["rows"]:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _ in table["columns"]])
    return out.getvalue()


def recent_alerts(*, days: int = 7, now: datetime | None = None):
    now = now or timezone.now()
    return Alert.objects.filter(created_at__gte=now - timedelta(days=days)).prefetch_related("deliveries")
