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
from monitoring.selectors.kpis import weekly_kpis
from monitoring.selectors.readiness import ml_readiness

from .alerts import alert_raise, period_month, period_week


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
        return {**forecast.as_dict(), "alerts": raised}

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
                period="once",
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
    """Training material against each ML target; an alert the first time a target is reached."""
    now = now or timezone.now()

    def measure():
        rows = ml_readiness(thresholds=MonitorSettings.load(), now=now)
        raised = []
        for row in rows:
            if row["ready"]:
                alert_raise(
                    condition=f"readiness.{row['key']}",
                    period="once",
                    severity=Alert.Severity.INFO,
                    value=row["current"],
                    threshold=row["target"],
                    title=f"ML readiness: {row['label'].lower()} reached {row['target']:,}",
                    body=f"{row['label']}: {row['current']:,} of {row['target']:,}. "
                    "Enough material to train the next model.",
                )
                raised.append(f"readiness.{row['key']}")
        return {"rows": rows, "alerts": raised}

    return _recorded("readiness", measure)


def kpi_drift(*, current: float | None, previous: float | None, threshold: float) -> bool:
    """True when accuracy dropped by more than `threshold` against the previous window."""
    return current is not None and previous is not None and previous - current > threshold + 1e-12


def monitor_kpis_run(*, now: datetime | None = None) -> dict:
    """This week's KPIs against last week's: drift alerts on intent/tone accuracy, a latency alert on the p95."""
    now = now or timezone.now()

    def measure():
        thresholds = MonitorSettings.load()
        this_week = weekly_kpis(start=now - timedelta(days=7), end=now)
        last_week = weekly_kpis(start=now - timedelta(days=14), end=now - timedelta(days=7))
        period, raised = period_week(now), []
        for field in ("intent", "tone"):
            current, previous = this_week[f"{field}_accuracy"], last_week[f"{field}_accuracy"]
            if kpi_drift(current=current, previous=previous, threshold=thresholds.drift_threshold):
                alert_raise(
                    condition=f"kpi.drift.{field}",
                    period=period,
                    value=current,
                    threshold=thresholds.drift_threshold,
                    title=f"{field.title()} accuracy dropped from {previous:.0%} to {current:.0%}",
                    body=f"{field.title()} accuracy against staff labels fell by {previous - current:.2f} week over "
                    f"week (alert above {thresholds.drift_threshold:.2f}). Check recent corrections and retrain.",
                )
                raised.append(f"kpi.drift.{field}")
        p95 = this_week["response_p95_ms"]
        if p95 is not None and p95 > thresholds.response_p95_threshold_ms:
            alert_raise(
                condition="kpi.latency",
                period=period,
                value=p95,
                threshold=thresholds.response_p95_threshold_ms,
                title=f"Response time p95 is {p95:,.0f} ms",
                body=f"The assistant's reply latency p95 over the last 7 days is {p95:,.0f} ms "
                f"(threshold {thresholds.response_p95_threshold_ms:,} ms).",
            )
            raised.append("kpi.latency")
        return {"this_week": this_week, "last_week": last_week, "alerts": raised}

    return _recorded("kpis", measure)
