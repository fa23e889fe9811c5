"""The monitors Celery beat runs: each measures, raises the alerts whose thresholds were crossed, and records a run."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from monitoring.models import Alert, MonitorRun, MonitorSettings
from monitoring.selectors.costs import cost_forecast
from monitoring.selectors.growth import growth_totals, memory_query_p95_ms
from monitoring.selectors.kpis import plan_weekly_kpis, weekly_kpis
from monitoring.selectors.readiness import ml_readiness, ml_ready_summary
from monitoring.selectors.triggers import trigger1_local_model

from .alerts import alert_raise, period_month, period_once, period_week


def _recorded(monitor: str, measure) -> dict:
    """Run `measure()`, store what it returned (or its error) as a MonitorRun, and return the result."""
    started_at, started = timezone.now(), time.perf_counter()
    try:
        result = measure()
    except Exception as exc:
        MonitorRun.objects.create(
            monitor=monitor,
            started_at=started_at,
            ok=False,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
        raise
    MonitorRun.objects.create(
        monitor=monitor,
        started_at=started_at,
        duration_ms=int((time.perf_counter() - started) * 1000),
        result=json.loads(json.dumps(result, cls=DjangoJSONEncoder)),
    )
    return result


def _money(value: float) -> str:
    return f"${value:,.2f}"


def monitor_cost_run(*, now: datetime | None = None) -> dict:
    """Spend against the monthly threshold: actual, projected month end, and the trend's crossing forecast."""
    now = now or timezone.now()

    def measure():
        thresholds = MonitorSettings.load()
        limit = float(thresholds.monthly_cost_threshold_usd)
        forecast = cost_forecast(threshold=limit, trend_days=thresholds.trend_days, now=now)
        period, raised = period_month(now), []
        if forecast.month_to_date >= limit:
            alert_raise(
                condition="cost.actual",
                period=period,
                severity=Alert.Severity.CRITICAL,
                value=forecast.month_to_date,
                threshold=limit,
                title=f"Model spend reached {_money(forecast.month_to_date)} this month",
                body=f"Month-to-date spend {_money(forecast.month_to_date)} has reached the {_money(limit)} threshold.",
            )
            raised.append("cost.actual")
        if forecast.projected_month_end >= limit:
            alert_raise(
                condition="cost.projected",
                period=period,
                value=forecast.projected_month_end,
                threshold=limit,
                title=f"Model spend projected at {_money(forecast.projected_month_end)} by month end",
                body=f"Month to date {_money(forecast.month_to_date)}; the trend projects "
                f"{_money(forecast.projected_month_end)} by the end of the month (threshold {_money(limit)}).",
            )
            raised.append("cost.projected")
        days = forecast.days_to_threshold
        if days is not None and 0 < days <= thresholds.forecast_lead_days:
            alert_raise(
                condition="cost.forecast",
                period=period,
                severity=Alert.Severity.INFO,
                value=days,
                threshold=thresholds.forecast_lead_days,
                title=f"Spend trend crosses {_money(limit)}/month in about {days:.0f} days",
                body=f"At the current trend the monthly run rate ({_money(forecast.run_rate_today)} today, rising "
                f"{_money(forecast.trend_slope * 30)}/month per day) reaches {_money(limit)} around "
                f"{forecast.crossing_date:%Y-%m-%d}. Consider the local student model for more traffic.",
            )
            raised.append("cost.forecast")
        trigger1 = trigger1_local_model(thresholds=thresholds, now=now)
        if trigger1["met"]:
            alert_raise(
                condition="trigger.local_model",
                period=period_month(now),
                severity=Alert.Severity.INFO,
                value=trigger1["spend_30d"],
                threshold=limit,
                title=f"Upgrade trigger 1: {_money(trigger1['spend_30d'])} of API spend and "
                f"{trigger1['conversations_per_day']:,.0f} conversations a day",
                body=f"Over the last 30 days model spend was {_money(trigger1['spend_30d'])} (threshold "
                f"{_money(limit)}) with {trigger1['conversations_per_day']:,.0f} conversations a day (threshold "
                f"{thresholds.trigger1_daily_conversations:,}). Time to serve more traffic from the local student "
                "model (AI_PROVIDER=hybrid).",
            )
            raised.append("trigger.local_model")
        return {**forecast.as_dict(), "trigger1": trigger1, "alerts": raised}

    return _recorded("cost", measure)


def monitor_growth_run(*, now: datetime | None = None, memory_p95_ms: float | None = None) -> dict:
    """Customers, conversations, bookings, and the measured memory query p95 (drives the graph-memory suggestion)."""
    now = now or timezone.now()

    def measure():
        thresholds = MonitorSettings.load()
        totals = growth_totals()
        memory = (
            memory_query_p95_ms(sample_size=thresholds.memory_sample_size)
            if memory_p95_ms is None
            else {"p95_ms": memory_p95_ms, "sampled": None}
        )
        raised = []
        customers_over = totals["customers"] >= thresholds.customers_threshold
        p95 = memory["p95_ms"]
        p95_over = p95 is not None and p95 >= thresholds.memory_p95_threshold_ms
        if customers_over:
            alert_raise(
                condition="growth.customers",
                period=period_once(thresholds.customers_threshold),
                severity=Alert.Severity.INFO,
                value=totals["customers"],
                threshold=thresholds.customers_threshold,
                title=f"{totals['customers']:,} customers: plan the move to graph memory",
                body=f"The business has {totals['customers']:,} customers (threshold "
                f"{thresholds.customers_threshold:,}). Memory query p95 is {p95 or 0:.1f} ms. "
                "See docs/upgrade-graph-memory.md.",
            )
            raised.append("growth.customers")
        if p95_over:
            alert_raise(
                condition="growth.memory_p95",
                period=period_month(now),
                value=p95,
                threshold=thresholds.memory_p95_threshold_ms,
                title=f"Memory queries are slow (p95 {p95:.0f} ms): move memory to the graph backend",
                body=f"recent() p95 over {memory.get('sampled') or 'a sample of'} customers is {p95:.1f} ms "
                f"(threshold {thresholds.memory_p95_threshold_ms:.0f} ms). See docs/upgrade-graph-memory.md.",
            )
            raised.append("growth.memory_p95")
        return {
            **totals,
            "memory": memory,
            "suggest_graph_memory": customers_over or p95_over,
            "alerts": raised,
        }

    return _recorded("growth", measure)


def monitor_readiness_run(*, now: datetime | None = None) -> dict:
    """The plan's weekly ML-readiness check: one "ML READY" alert when conversations, labeled tone examples and
    booking outcomes all reach their targets (once per set of targets: changing a target re-arms it); the alert
    points to the generated ML report."""
    now = now or timezone.now()

    def measure():
        thresholds = MonitorSettings.load()
        rows = ml_readiness(thresholds=thresholds, now=now)
        summary = ml_ready_summary(rows)
        raised = []
        if summary["ml_ready"]:
            gating = {r["key"]: r for r in rows if r["gates_ml_ready"]}
            alert_raise(
                condition="readiness.ml_ready",
                period=period_once(*(r["target"] for r in gating.values())),
                severity=Alert.Severity.INFO,
                value=gating["conversations"]["current"],
                threshold=gating["conversations"]["target"],
                title="ML READY! Time to consider deep learning models",
                body="; ".join(f"{r['label']}: {r['current']:,} of {r['target']:,}" for r in gating.values())
                + ". The ML report (datasets, growth, accuracy trend, plateau, GPU options) is in the admin: "
                "Manager reports -> ML report, with an HTML download.",
            )
            raised.append("readiness.ml_ready")
        return {"rows": rows, **summary, "alerts": raised}

    return _recorded("readiness", measure)


def kpi_drift(*, current: float | None, previous: float | None, threshold: float) -> bool:
    """True when accuracy dropped by more than `threshold` against the previous window."""
    return current is not None and previous is not None and previous - current > threshold + 1e-12


def kpi_alerts(*, this_week: dict, last_week: dict, thresholds) -> list[dict]:
    """The plan's four alerts on a week's KPIs (plain dicts in, the alerts to raise out; tested by hand):
    performance_degradation (tone accuracy below the minimum), high_latency (AI processing time p95 above the
    threshold), gpu_needed (conversations per day above the threshold), model_drift (intent or tone accuracy
    dropped by more than the threshold against last week)."""
    alerts = []
    tone = this_week["tone_accuracy"]
    if tone is not None and tone < thresholds.tone_accuracy_min:
        alerts.append({
            "condition": "kpi.performance_degradation", "value": tone, "threshold": thresholds.tone_accuracy_min,
            "title": f"Tone accuracy is {tone:.0%} (below {thresholds.tone_accuracy_min:.0%})",
            "body": f"Tone accuracy against staff labels over the last 7 days is {tone:.1%} on "
                    f"{this_week['tone_labels']} labels. Review the tone corrections and retrain the NLU.",
        })
    p95 = this_week["response_p95_ms"]
    if p95 is not None and p95 > thresholds.response_p95_threshold_ms:
        alerts.append({
            "condition": "kpi.high_latency", "value": p95, "threshold": thresholds.response_p95_threshold_ms,
            "title": f"AI processing time p95 is {p95:,.0f} ms",
            "body": f"The p95 of the AI processing time (message in to reply stored) over the last 7 days is "
                    f"{p95:,.0f} ms (threshold {thresholds.response_p95_threshold_ms:,} ms).",
        })
    per_day = this_week["conversations_per_day"]
    if per_day > thresholds.gpu_conversations_per_day:
        alerts.append({
            "condition": "kpi.gpu_needed", "value": per_day, "threshold": thresholds.gpu_conversations_per_day,
            "title": f"{per_day:,.1f} conversations a day: plan GPU inference",
            "body": f"{this_week['conversations']:,} conversations in the last 7 days ({per_day:,.1f} a day, "
                    f"threshold {thresholds.gpu_conversations_per_day:,}). See the ML report's GPU options.",
        })
    for field in ("intent", "tone"):
        current, previous = this_week[f"{field}_accuracy"], last_week[f"{field}_accuracy"]
        if kpi_drift(current=current, previous=previous, threshold=thresholds.drift_threshold):
            alerts.append({
                "condition": f"kpi.model_drift.{field}", "value": current, "threshold": thresholds.drift_threshold,
                "title": f"{field.title()} accuracy dropped from {previous:.0%} to {current:.0%}",
                "body": f"{field.title()} accuracy against staff labels fell by {previous - current:.2f} week over "
                        f"week (alert above {thresholds.drift_threshold:.2f}). Retrain needed: check recent "
                        "corrections.",
            })
    return alerts


def monitor_kpis_run(*, now: datetime | None = None) -> dict:
    """The plan's weekly KPIs (this week against last week) and its four alerts, once per ISO week each."""
    now = now or timezone.now()

    def measure():
        thresholds = MonitorSettings.load()
        this_week = weekly_kpis(start=now - timedelta(days=7), end=now)
        last_week = weekly_kpis(start=now - timedelta(days=14), end=now - timedelta(days=7))
        period, raised = period_week(now), []
        for alert in kpi_alerts(this_week=this_week, last_week=last_week, thresholds=thresholds):
            alert_raise(period=period, **alert)
            raised.append(alert["condition"])
        return {"plan": plan_weekly_kpis(thresholds=thresholds, now=now), "this_week": this_week,
                "last_week": last_week, "alerts": raised}

    return _recorded("kpis", measure)
