"""The plan's upgrade triggers (1 with its volume condition, 2 re-armed when its threshold changes, 3 as the Series A
summary), the ML report's download, and the monthly other costs in the cost report and the ROI."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agents.models import ModelCall
from conversations.tests.factories import ConversationFactory, CustomerFactory
from monitoring.models import Alert, OtherCost
from monitoring.reports import report_build
from monitoring.selectors.roi import roi_figures, roi_months
from monitoring.selectors.triggers import trigger1_figures
from monitoring.services.monitors import monitor_cost_run, monitor_growth_run

from .conftest import pacific
from .test_report_permissions import limited_staff

pytestmark = pytest.mark.django_db


def test_trigger1_needs_the_spend_and_500_conversations_a_day():
    """$520 in 30 days against $500; 15,300 conversations / 30 = 510 a day >= 500 -> met. 14,700 / 30 = 490 -> the
    spend alone does not trigger it."""
    met = trigger1_figures(spend_30d=520, conversations_30d=15_300, cost_threshold=500, daily_conversations=500)
    assert (met["cost_met"], met["conversations_per_day"], met["volume_met"], met["met"]) == (True, 510, True, True)
    short = trigger1_figures(spend_30d=520, conversations_30d=14_700, cost_threshold=500, daily_conversations=500)
    assert (short["cost_met"], short["volume_met"], short["met"]) == (True, False, False)


def _spend_and_volume(*, spend: str, conversations: int, now):
    ModelCall.objects.create(provider="openai", model="gpt-4o-mini", route="teacher", ok=True,
                             cost_usd=Decimal(spend), created_at=now - timedelta(days=2))
    for _ in range(conversations):
        ConversationFactory(started_at=now - timedelta(days=3))


def test_the_cost_monitor_raises_trigger1_only_with_the_volume(thresholds):
    now = timezone.now()
    thresholds.monthly_cost_threshold_usd = Decimal("10")
    thresholds.trigger1_daily_conversations = 2  # 60 conversations in 30 days
    thresholds.save()
    _spend_and_volume(spend="12", conversations=59, now=now)
    assert "trigger.local_model" not in monitor_cost_run(now=now)["alerts"]  # 59 / 30 = 1.97 a day
    ConversationFactory(started_at=now - timedelta(days=1))
    assert "trigger.local_model" in monitor_cost_run(now=now)["alerts"]  # 60 / 30 = 2 a day


def test_raising_the_customer_threshold_re_arms_the_once_alert(thresholds):
    thresholds.customers_threshold = 2
    thresholds.save()
    CustomerFactory(), CustomerFactory()
    assert monitor_growth_run(memory_p95_ms=1.0)["alerts"] == ["growth.customers"]
    monitor_growth_run(memory_p95_ms=1.0)
    assert Alert.objects.filter(condition="growth.customers").count() == 1
    thresholds.customers_threshold = 3
    thresholds.save()
    CustomerFactory()
    monitor_growth_run(memory_p95_ms=1.0)
    assert sorted(Alert.objects.filter(condition="growth.customers").values_list("period", flat=True)) == [
        "once@2", "once@3"]


def test_the_series_a_summary_shows_both_triggers_and_ml_readiness(thresholds):
    now = timezone.now()
    thresholds.monthly_cost_threshold_usd, thresholds.trigger1_daily_conversations = Decimal("10"), 1
    thresholds.customers_threshold = 30
    thresholds.save()
    _spend_and_volume(spend="12", conversations=30, now=now)   # 30 customers too: trigger 2 met
    summary = dict(report_build("series_a", now=now)["summary"])
    assert summary["Trigger 1: local model"] == "met"
    assert summary["Trigger 2: graph memory"] == "met"
    assert summary["Trigger 3: Series A (both triggers met; a manual decision)"] == "both met"
    assert summary["ML READY"].startswith("not yet")
    thresholds.customers_threshold = 31
    thresholds.save()
    summary = dict(report_build("series_a", now=now)["summary"])
    assert summary["Trigger 3: Series A (both triggers met; a manual decision)"] == "not yet"


def test_the_ml_report_downloads_as_html_with_the_gpu_options(staff_client):
    response = staff_client.get(reverse("admin:monitoring_report_html", args=["ml"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="myhibachi-ml-')
    html = response.content.decode()
    assert "GPU options (the plan&#x27;s table)" in html or "GPU options (the plan's table)" in html
    assert "AWS EC2 g4dn.xlarge" in html and "Lambda Labs" in html and "<svg" in html


def test_the_html_download_keeps_the_report_permission(client, django_user_model):
    client = limited_staff(django_user_model, client)
    assert client.get(reverse("admin:monitoring_report_html", args=["ml"])).status_code == 403


def test_other_costs_join_the_cost_report_and_the_roi(thresholds):
    """November: $2 of model calls, $50 SMS + $23 hosting entered. Cost report: other $73, total $75. ROI with 3
    conversations, 1 escalation, 6 minutes at $30/hour: human $3, baseline $9, with AI 2 + 73 + 3 = $78, savings
    -$69 (the plan's fixed costs outweigh three conversations)."""
    thresholds.human_minutes_per_conversation, thresholds.staff_hourly_cost_usd = 6, Decimal("30")
    thresholds.save()
    now = pacific(2026, 11, 20, 12)
    ModelCall.objects.create(provider="openai", model="m", route="teacher", ok=True, cost_usd=Decimal("2"),
                             created_at=pacific(2026, 11, 3))
    OtherCost.objects.create(month=date(2026, 11, 1), category=OtherCost.Category.SMS, amount_usd=Decimal("50"))
    OtherCost.objects.create(month=date(2026, 11, 1), category=OtherCost.Category.HOSTING, amount_usd=Decimal("23"))
    OtherCost.objects.create(month=date(2026, 10, 1), category=OtherCost.Category.GPU, amount_usd=Decimal("380"))
    conversations = [ConversationFactory(started_at=pacific(2026, 11, 5)) for _ in range(3)]
    conversations[0].escalations.create(reason="x", created_at=pacific(2026, 11, 5))

    summary = dict(report_build("cost", now=now)["summary"])
    assert summary["Other costs this month (SMS, hosting, GPU; entered in the admin)"] == "$73.00"
    assert summary["Total this month (model spend + other costs)"] == "$75.00"
    november = roi_months(thresholds=thresholds, months=1, now=now)[0]
    assert (november["ai_cost"], november["other_cost"], november["with_ai"], november["savings"]) == (
        2.0, 73.0, pytest.approx(78), pytest.approx(-69))


def test_roi_is_savings_over_model_and_other_costs():
    figures = roi_figures(conversations=400, escalations=40, ai_cost=35, other_cost=65, minutes_per_conversation=12,
                          hourly_cost=25)
    assert figures["with_ai"] == pytest.approx(300)  # 35 + 65 + 200
    assert figures["roi"] == pytest.approx(17)  # (2000 - 300) / (35 + 65)


def test_an_other_cost_entered_on_any_day_is_stored_for_its_month(staff_client):
    response = staff_client.post(reverse("admin:monitoring_othercost_add"), {
        "month": "2026-11-17", "category": "gpu", "amount_usd": "380", "note": "g4dn.xlarge"})
    assert response.status_code == 302
    assert OtherCost.objects.get().month == date(2026, 11, 1)
