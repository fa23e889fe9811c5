"""The machine-learning reports: ML readiness, the ML report and Series A readiness."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .. import charts
from ..models import MonitorSettings
from ..selectors.kpis import kpi_weeks
from ..selectors.labels import label_source
from ..selectors.readiness import GPU_OPTIONS, accuracy_plateau, dataset_growth, ml_readiness, ml_ready_summary
from ..selectors.triggers import series_a_readiness
from ._format import _money, _ready_text, _yes_no


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
