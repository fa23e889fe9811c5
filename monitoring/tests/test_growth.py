import pytest

from conversations.models import Customer
from conversations.tests.factories import CustomerFactory, MessageFactory
from monitoring.models import Alert, MonitorRun
from monitoring.selectors.growth import growth_daily, memory_query_p95_ms
from monitoring.services.monitors import monitor_growth_run

from .conftest import pacific

pytestmark = pytest.mark.django_db


def _customers(n):
    Customer.objects.bulk_create([Customer(name=f"c{i}") for i in range(n)])


def test_memory_p95_is_measured_on_real_recent_queries():
    for _ in range(5):
        MessageFactory(conversation__customer=CustomerFactory())
    measured = memory_query_p95_ms(sample_size=5)
    assert measured["sampled"] == 5
    assert measured["backend"] == "postgres"
    assert 0 < measured["p50_ms"] <= measured["p95_ms"] < 5000


def test_below_the_customer_and_memory_thresholds_nothing_alerts(thresholds):
    _customers(999)
    result = monitor_growth_run(memory_p95_ms=499.9)
    assert result["alerts"] == [] and result["suggest_graph_memory"] is False
    assert not Alert.objects.exists()


def test_a_thousand_customers_alerts_once_and_suggests_graph_memory(thresholds):
    _customers(1000)
    first = monitor_growth_run(memory_p95_ms=12)
    second = monitor_growth_run(memory_p95_ms=12)
    assert first["alerts"] == ["growth.customers"] and first["suggest_graph_memory"] is True
    assert second["alerts"] == ["growth.customers"]
    assert Alert.objects.filter(condition="growth.customers").count() == 1


def test_slow_memory_queries_alone_suggest_graph_memory(thresholds):
    _customers(3)
    result = monitor_growth_run(memory_p95_ms=500)
    assert result["alerts"] == ["growth.memory_p95"] and result["suggest_graph_memory"] is True


def test_a_measured_p95_over_a_lowered_threshold_alerts_and_is_recorded(thresholds):
    thresholds.memory_p95_threshold_ms = 0.0001
    thresholds.save()
    MessageFactory()
    result = monitor_growth_run()
    assert "growth.memory_p95" in result["alerts"]
    run = MonitorRun.objects.get(monitor="growth")
    assert run.result["memory"]["p95_ms"] > 0


def test_growth_daily_counts_per_pacific_day():
    CustomerFactory(created_at=pacific(2026, 11, 1, 23, 30))  # 07:30 UTC on Nov 2, still Nov 1 in Pacific time
    CustomerFactory(created_at=pacific(2026, 11, 2, 9))
    rows = growth_daily(start=pacific(2026, 11, 1).date(), end=pacific(2026, 11, 2).date())
    assert [(r["new_customers"], r["customers_total"]) for r in rows] == [(1, 1), (1, 2)]
