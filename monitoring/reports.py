"""The manager reports: figures, tables and charts assembled from the selectors, shared by the admin pages, the
CSV export and the weekly digest email. Each report is a dict: title, summary (label, value) pairs, charts (SVG),
and tables (title, columns, rows); the first table is the one exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from agents.models import ModelCall
from conversations.models import Message

from . import charts
from .models import Alert, MonitorRun, MonitorSettings
from .selectors._stats import day_range, local_day_start, month_start, next_month
from .selectors.costs import (
    cost_breakdown,
    cost_daily,
    cost_forecast,
    cost_per_unit,
    cost_top_customers,
    other_costs,
    other_costs_total,
)
from .selectors.growth import growth_daily, growth_totals
from .selectors.kpis import KPI_LABELS, kpi_weeks
from .selectors.labels import label_source
from .selectors.readiness import GPU_OPTIONS, accuracy_plateau, dataset_growth, ml_readiness, ml_ready_summary
from .selectors.roi import roi_months
from .selectors.triggers import series_a_readiness

REPORTS = {
    "cost": "Cost",
    "growth": "Growth",
    "kpis": "Weekly KPIs",
    "agents": "Agents",
    "roi": "Return on investment",
    "readiness": "ML readiness",
    "ml": "ML report",
    "series_a": "Series A readiness",
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


def readiness_report(*, now: datetime | None = None) -> dict:
    rows = ml_readiness(thresholds=MonitorSettings.load(), now=now)
    ready = ml_ready_summary(rows)
    return {
        "title": "ML readiness",
        "summary": [("ML READY (conversations, tone labels, bookings)", _ready_text(ready))]
        + [(r["label"], f"{r['current']:,} / {r['target']:,}") for r in rows]
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


def _ready_text(ready: dict) -> str:
    if ready["ml_ready"]:
        return "yes"
    days = ready["estimated_days_to_ml_ready"]
    eta = f"in about {days:,} days" if days is not None else "not at the current pace"
    return f"not yet ({', '.join(ready['missing'])} short; {eta})"


def _yes_no(met: bool) -> str:
    return "met" if met else "not met"


def ml_report(*, now: datetime | None = None, weeks: int = 8) -> dict:
    """The plan's generate_ml_report(): datasets and their growth, projected ready dates, the accuracy trend, plateau
    detection, and the GPU options for the decision."""
    now = now or timezone.now()
    thresholds = MonitorSettings.load()
    rows = ml_readiness(thresholds=thresholds, now=now)
    ready = ml_ready_summary(rows)
    growth = dataset_growth(thresholds=thresholds, weeks=weeks, now=now)
    trend = kpi_weeks(weeks=weeks, now=now)
    labels = [f"to {timezone.localtime(r['end']):%m-%d}" for r in trend]
    plateau = {
        field: accuracy_plateau(weekly=[r[f"{field}_accuracy"] for r in trend], ceiling=thresholds.plateau_accuracy,
                                weeks=thresholds.plateau_weeks, min_gain=thresholds.plateau_min_gain)
        for field in ("tone", "intent")
    }

    def plateau_text(p: dict) -> str:
        if p["slope"] is None:
            return f"not enough weeks with labels ({p['weeks']} of {thresholds.plateau_weeks})"
        verdict = "plateaued" if p["plateau"] else "still improving or above the ceiling"
        return f"{verdict}: latest {p['latest']:.0%}, trend {p['slope']:+.3f}/week"

    return {
        "title": "ML report",
        "summary": [
            ("ML READY", _ready_text(ready)),
            *[(f"{r['label']} ready on", "ready" if r["ready"] else str(r["ready_on"] or "not at the current pace"))
              for r in rows],
            (f"Tone accuracy plateau (< {thresholds.plateau_accuracy:.0%})", plateau_text(plateau["tone"])),
            (f"Intent accuracy plateau (< {thresholds.plateau_accuracy:.0%})", plateau_text(plateau["intent"])),
            ("Staff labels from", label_source()),
        ],
        "charts": [
            charts.line_chart(
                title="Accuracy against staff labels per week (%)",
                labels=labels,
                series={f"{f} accuracy": [None if r[f"{f}_accuracy"] is None else 100 * r[f"{f}_accuracy"]
                                          for r in trend] for f in ("tone", "intent")},
                threshold=100 * thresholds.plateau_accuracy,
                threshold_label="plateau ceiling",
                y_format="{:,.0f}%",
            ),
            charts.bar_chart(
                title="Training material added per week",
                labels=[f"to {r['week_ending']:%m-%d}" for r in growth],
                series={"conversations": [r["conversations"] for r in growth],
                        "tone labels": [r["tone_labels"] for r in growth],
                        "booking outcomes": [r["booking_outcomes"] for r in growth]},
            ),
        ],
        "tables": [
            {
                "title": "Datasets against the plan's targets",
                "columns": [("label", "dataset"), ("current", "current"), ("target", "target"),
                            ("progress", "progress"), ("recent_30d", "growth in 30 days"),
                            ("days_to_ready", "days to ready"), ("ready_on", "projected ready date")],
                "rows": rows,
            },
            {
                "title": "Growth per week",
                "columns": [("week_ending", "week ending"), ("conversations", "conversations"),
                            ("tone_labels", "tone labels"), ("booking_outcomes", "booking outcomes"),
                            ("surveys", "surveys"), ("edge_cases", "edge cases")],
                "rows": growth,
            },
            {
                "title": "Accuracy trend",
                "columns": [("week_ending", "week ending"), ("tone_accuracy", "tone accuracy"),
                            ("tone_labels", "tone labels"), ("intent_accuracy", "intent accuracy"),
                            ("intent_labels", "intent labels")],
                "rows": [{"week_ending": timezone.localtime(r["end"]).date(), **r} for r in trend],
            },
            {
                "title": "GPU options (the plan's table)",
                "columns": [("provider", "provider"), ("gpu", "GPU"), ("monthly_usd", "monthly cost (USD)"),
                            ("best_for", "best for")],
                "rows": GPU_OPTIONS,
            },
        ],
        "ml_ready": ready,
        "plateau": plateau,
    }


def series_a_report(*, now: datetime | None = None) -> dict:
    """Trigger 3 (Series A) is a manual decision: both automatic triggers and the ML readiness in one view."""
    thresholds = MonitorSettings.load()
    view = series_a_readiness(thresholds=thresholds, now=now)
    t1, t2 = view["trigger1"], view["trigger2"]
    p95 = t2["memory_p95_ms"]
    return {
        "title": "Series A readiness",
        "summary": [
            ("Trigger 1: local model", _yes_no(t1["met"])),
            ("  API spend, last 30 days",
             f"{_money(t1['spend_30d'])} of {_money(t1['cost_threshold'])} ({_yes_no(t1['cost_met'])})"),
            ("  Conversations per day, last 30 days",
             f"{t1['conversations_per_day']:,.1f} of {t1['daily_conversations_threshold']:,} ({_yes_no(t1['volume_met'])})"),
            ("Trigger 2: graph memory", _yes_no(t2["met"])),
            ("  Customers", f"{t2['customers']:,} of {t2['customers_threshold']:,}"),
            ("  Memory query p95 (last measured)", f"{p95:.1f} ms" if p95 is not None else "not measured yet"),
            ("Trigger 3: Series A (both triggers met; a manual decision)",
             "both met" if view["both_triggers_met"] else "not yet"),
            ("ML READY", _ready_text(view["ml"])),
        ],
        "charts": [
            charts.bar_chart(
                title="Progress towards each threshold (%)",
                labels=["API spend", "Daily conversations", "Customers",
                        *[r["label"] for r in view["readiness_rows"] if r["gates_ml_ready"]]],
                series={"progress": [
                    min(100.0, 100 * t1["spend_30d"] / t1["cost_threshold"]) if t1["cost_threshold"] else 100.0,
                    min(100.0, 100 * t1["conversations_per_day"] / t1["daily_conversations_threshold"])
                    if t1["daily_conversations_threshold"] else 100.0,
                    min(100.0, 100 * t2["customers"] / t2["customers_threshold"])
                    if t2["customers_threshold"] else 100.0,
                    *[100 * r["progress"] for r in view["readiness_rows"] if r["gates_ml_ready"]],
                ]},
                y_format="{:,.0f}%",
            )
        ],
        "tables": [
            {
                "title": "ML readiness",
                "columns": [("label", "dataset"), ("current", "current"), ("target", "target"),
                            ("ready_on", "projected ready date")],
                "rows": view["readiness_rows"],
            }
        ],
        "view": view,
    }


BUILDERS = {
    "cost": cost_report,
    "growth": growth_report,
    "kpis": kpis_report,
    "agents": agents_report,
    "roi": roi_report,
    "readiness": readiness_report,
    "ml": ml_report,
    "series_a": series_a_report,
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


def report_html(report: dict, *, name: str, now: datetime | None = None) -> str:
    """A standalone HTML page of a report (the download): the same summary, charts and tables as the admin page."""
    return render_to_string("monitoring/report_download.html", {
        "report": report, "name": name, "now": timezone.localtime(now or timezone.now()),
    })


def recent_alerts(*, days: int = 7, now: datetime | None = None):
    now = now or timezone.now()
    return Alert.objects.filter(created_at__gte=now - timedelta(days=days)).prefetch_related("deliveries")
