"""The manager reports: figures, tables and charts assembled from the selectors, shared by the admin pages, the
CSV export and the weekly digest email. Each report is a dict: title, summary (label, value) pairs, charts (SVG),
and tables (title, columns, rows); the first table is the one exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from ..models import Alert
from .business import cost_report, growth_report, kpis_report, roi_report
from .ml import ml_report, readiness_report, series_a_report
from .operations import agents_report

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
