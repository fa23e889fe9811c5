"""Business growth: customers, conversations and bookings over time, and how fast customer memory answers."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate

from bookings.models import Booking
from conversations.models import Conversation, Customer
from knowledge.memory import get_memory

from ._stats import day_range, local_day_start, percentile


def _per_day(queryset, field: str, start: date, end: date) -> list[tuple[date, int]]:
    rows = (
        queryset.filter(
            **{f"{field}__gte": local_day_start(start), f"{field}__lt": local_day_start(end + timedelta(days=1))}
        )
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("id"))
    )
    counts = {row["day"]: row["n"] for row in rows}
    return [(day, counts.get(day, 0)) for day in day_range(start, end)]


def growth_daily(*, start: date, end: date) -> list[dict]:
    """Per day: new customers, conversations started, bookings made, and the running customer total."""
    customers = _per_day(Customer.objects.all(), "created_at", start, end)
    conversations = dict(_per_day(Conversation.objects.all(), "started_at", start, end))
    bookings = dict(_per_day(Booking.objects.exclude(status=Booking.Status.INQUIRY), "created_at", start, end))
    running = Customer.objects.filter(created_at__lt=local_day_start(start)).count()
    rows = []
    for day, new_customers in customers:
        running += new_customers
        rows.append(
            {
                "day": day,
                "new_customers": new_customers,
                "customers_total": running,
                "conversations": conversations[day],
                "bookings": bookings[day],
            }
        )
    return rows


def growth_totals() -> dict:
    return {
        "customers": Customer.objects.count(),
        "conversations": Conversation.objects.count(),
        "bookings": Booking.objects.exclude(status=Booking.Status.INQUIRY).count(),
    }


def memory_query_p95_ms(*, sample_size: int, limit: int = 20) -> dict:
    """Time ``get_memory().recent(customer, limit)`` on a random sample of customers; p95 and p50 in ms."""
    memory = get_memory()
    ids = list(Customer.objects.order_by("?").values_list("id", flat=True)[:sample_size])
    timings = []
    for customer_id in ids:
        started = time.perf_counter()
        memory.recent(customer_id, limit=limit)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "backend": memory.alias if hasattr(memory, "alias") else type(memory).__name__,
        "sampled": len(timings),
        "p50_ms": percentile(timings, 0.5),
        "p95_ms": percentile(timings, 0.95),
    }
