"""A far-off threshold crossing is no forecast: the demo history's cents a day under a $500 threshold put it millions
of days away, and the cost report failed with "date value out of range"."""

import pytest

from monitoring.reports import cost_report
from monitoring.selectors.costs import FORECAST_HORIZON_DAYS, cost_forecast_from_daily


def test_a_crossing_beyond_the_horizon_is_not_on_the_current_trend():
    numbers = cost_forecast_from_daily(daily=[0.010, 0.010, 0.011], today_index=3, month_to_date=0.03,
                                       spent_today=0, days_left_after_today=10, threshold=500)
    assert numbers["trend_slope"] > 0
    assert numbers["days_to_threshold"] is None


def test_a_crossing_within_the_horizon_is_still_forecast():
    numbers = cost_forecast_from_daily(daily=[1, 2, 3, 4], today_index=4, month_to_date=10, spent_today=2,
                                       days_left_after_today=3, threshold=300)
    assert numbers["days_to_threshold"] == pytest.approx(5)
    assert FORECAST_HORIZON_DAYS > 5


@pytest.mark.django_db
def test_the_cost_report_renders_with_a_tiny_rising_spend():
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from agents.models import ModelCall

    now = timezone.now()
    for days_ago, cost in ((3, "0.010"), (2, "0.010"), (1, "0.011")):
        ModelCall.objects.create(provider="openai", model="gpt-4o-mini", route="teacher", ok=True,
                                 cost_usd=Decimal(cost), created_at=now - timedelta(days=days_ago))
    report = cost_report(now=now)
    assert report["forecast"].crossing_date is None
    assert ("Trend crosses the threshold", "not on the current trend") in report["summary"]
