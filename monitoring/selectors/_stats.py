"""Small statistics shared by the monitors (hand-checkable, no numpy)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.db.models import Aggregate, FloatField
from django.utils import timezone


class PercentileCont(Aggregate):
    """PostgreSQL percentile_cont(p) WITHIN GROUP (ORDER BY expr): linear interpolation, like numpy's default."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        super().__init__(expression, percentile=float(percentile), **extra)


def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolation percentile (same definition as percentile_cont); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def linear_fit(ys: list[float]) -> tuple[float, float]:
    """Least-squares line y = a + b*x through (0, ys[0]), (1, ys[1]), ...; returns (a, b)."""
    n = len(ys)
    if n == 0:
        return 0.0, 0.0
    if n == 1:
        return float(ys[0]), 0.0
    x_mean = (n - 1) / 2
    y_mean = sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in range(n))
    sxy = sum((x - x_mean) * (y - y_mean) for x, y in enumerate(ys))
    b = sxy / sxx
    return y_mean - b * x_mean, b


def ratio(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


def local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def day_range(start: date, end: date) -> list[date]:
    """Days from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
