from datetime import date, timedelta

import pytest

from monitoring.models import Alert
from monitoring.selectors._stats import linear_fit
from monitoring.selectors.costs import cost_breakdown, cost_forecast, cost_forecast_from_daily
from monitoring.services.monitors import monitor_cost_run

from .conftest import pacific

pytestmark = pytest.mark.django_db


def test_linear_fit_recovers_an_exact_line():
    assert linear_fit([2, 4, 6, 8]) == pytest.approx((2, 2))
    assert linear_fit([5]) == (5, 0)
    assert linear_fit([]) == (0, 0)


def test_forecast_arithmetic_on_hand_checked_numbers():
    # Daily spend 1, 2, 3, 4 on x = 0..3: the line is y = 1 + x. Today is x = 4 (trend 5/day).
    numbers = cost_forecast_from_daily(
        daily=[1, 2, 3, 4],
        today_index=4,
        month_to_date=10,
        spent_today=2,
        days_left_after_today=3,
        threshold=300,
    )
    assert numbers["trend_intercept"] == pytest.approx(1)
    assert numbers["trend_slope"] == pytest.approx(1)
    # complete days 10 - 2 = 8, today max(2, 5) = 5, then 6 + 7 + 8 = 21 -> 34
    assert numbers["projected_month_end"] == pytest.approx(34)
    # run rate today 30 x 5 = 150; reaches 300 when 1 + x = 10, x = 9, five days after today
    assert numbers["run_rate_today"] == pytest.approx(150)
    assert numbers["days_to_threshold"] == pytest.approx(5)


def test_forecast_never_crosses_on_a_flat_or_falling_trend_and_is_zero_when_already_above():
    flat = cost_forecast_from_daily(
        daily=[3, 3, 3], today_index=3, month_to_date=9, spent_today=0, days_left_after_today=0, threshold=500
    )
    assert flat["days_to_threshold"] is None
    above = cost_forecast_from_daily(
        daily=[20, 20], today_index=2, month_to_date=40, spent_today=0, days_left_after_today=0, threshold=500
    )
    assert above["days_to_threshold"] == 0


def test_cost_forecast_reads_recorded_model_calls(spend):
    now = pacific(2026, 11, 10, 15, 0)
    for offset in range(1, 11):  # Oct 31 .. Nov 9: $1.00 a day
        spend(date(2026, 11, 10) - timedelta(days=offset), 1)
    spend(date(2026, 11, 10), 0.5)
    spend(date(2026, 10, 15), 99)  # outside the 10-day trend window and last month
    forecast = cost_forecast(threshold=500, trend_days=10, now=now)
    assert forecast.month_to_date == pytest.approx(9.5)  # Nov 1..9 + today's 0.50
    assert forecast.trend_slope == pytest.approx(0)
    # complete days 9 + today max(0.5, 1) + 20 remaining days x $1 = 30
    assert forecast.projected_month_end == pytest.approx(30)
    assert forecast.days_to_threshold is None


def test_no_cost_alert_below_every_threshold(spend, thresholds):
    for offset in range(1, 11):
        spend(date(2026, 11, 10) - timedelta(days=offset), 1)
    result = monitor_cost_run(now=pacific(2026, 11, 10, 15, 0))
    assert result["alerts"] == []
    assert not Alert.objects.exists()


def test_actual_and_projected_spend_over_the_threshold_alert(spend, thresholds):
    thresholds.monthly_cost_threshold_usd = 50
    thresholds.save()
    for day in range(1, 11):
        spend(date(2026, 11, day), 6)  # $60 by Nov 10
    result = monitor_cost_run(now=pacific(2026, 11, 10, 23, 0))
    assert set(result["alerts"]) >= {"cost.actual", "cost.projected"}
    actual = Alert.objects.get(condition="cost.actual")
    assert (actual.period, actual.value, actual.threshold) == ("2026-11", 60, 50)


def test_projection_alone_crossing_alerts_projected_but_not_actual(spend, thresholds):
    thresholds.monthly_cost_threshold_usd = 100
    thresholds.save()
    for day in range(1, 10):
        spend(date(2026, 11, day), 5)  # $45 by Nov 9, $5/day -> ~$150 at month end
    result = monitor_cost_run(now=pacific(2026, 11, 10, 1, 0))
    assert "cost.projected" in result["alerts"]
    assert "cost.actual" not in result["alerts"]


def test_forecast_alert_about_30_days_before_the_trend_crosses(spend, thresholds):
    # Daily spend rising $0.10/day from $1 (x = 0 is Sep 21): today (Nov 20, x = 60) the trend is $7/day, i.e. a
    # $210/month run rate; $500/month is $16.67/day, reached at x = 156.7, ~97 days away: no forecast alert yet.
    today = date(2026, 11, 20)
    for x in range(60):
        spend(today - timedelta(days=60 - x), round(1 + 0.1 * x, 2))
    far = monitor_cost_run(now=pacific(2026, 11, 20, 12, 0))
    assert "cost.forecast" not in far["alerts"]
    assert far["days_to_threshold"] == pytest.approx(96.67, abs=0.01)
    # With a $300 threshold ($10/day): reached at x = 90, 30 days from today -> forecast alert.
    thresholds.monthly_cost_threshold_usd = 300
    thresholds.save()
    near = monitor_cost_run(now=pacific(2026, 11, 20, 12, 0))
    assert "cost.forecast" in near["alerts"]
    assert near["days_to_threshold"] == pytest.approx(30, abs=0.01)
    alert = Alert.objects.get(condition="cost.forecast")
    assert "2026-12-20" in alert.body


def test_breakdown_by_provider_and_agent(spend):
    spend(date(2026, 11, 2), 2, provider="openai", agent="sales")
    spend(date(2026, 11, 2), 1, provider="openai", agent="care", ok=False)
    spend(date(2026, 11, 3), 0, provider="local", model="templates-v1", agent="sales")
    start, end = pacific(2026, 11, 1), pacific(2026, 12, 1)
    by_provider = cost_breakdown(start=start, end=end, by="provider")
    assert [(r["key"], r["calls"], r["failed"], r["cost"]) for r in by_provider] == [
        ("openai", 2, 1, 3.0),
        ("local", 1, 0, 0.0),
    ]
    by_agent = {r["key"]: r["cost"] for r in cost_breakdown(start=start, end=end, by="agent")}
    assert by_agent == {"sales": 2.0, "care": 1.0}
