"""The agents report: what each specialist agent answered, escalated and cost."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from agents.models import ModelCall
from conversations.models import Message

from .. import charts
from ._format import _money, _num


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
