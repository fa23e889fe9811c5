from decimal import Decimal

import pytest

from agents.models import ModelCall
from conversations.models import Escalation
from conversations.tests.factories import ConversationFactory
from monitoring.selectors.roi import roi_figures, roi_months

from .conftest import pacific

pytestmark = pytest.mark.django_db


def test_roi_arithmetic_on_a_hand_checked_month():
    # 400 conversations, 40 escalations, $35 of model calls, 12 minutes each at $25/hour ($5 a conversation)
    figures = roi_figures(conversations=400, escalations=40, ai_cost=35, minutes_per_conversation=12, hourly_cost=25)
    assert figures["human_cost"] == pytest.approx(200)  # 40 x 12 / 60 x 25
    assert figures["with_ai"] == pytest.approx(235)
    assert figures["baseline"] == pytest.approx(2000)  # 400 x 12 / 60 x 25
    assert figures["savings"] == pytest.approx(1765)
    assert figures["savings_rate"] == pytest.approx(0.8825)


def test_roi_months_reads_each_month_with_the_admin_settings(thresholds):
    thresholds.human_minutes_per_conversation = 6
    thresholds.staff_hourly_cost_usd = Decimal("30")
    thresholds.save()
    october = [ConversationFactory(started_at=pacific(2026, 10, 5)) for _ in range(3)]
    ConversationFactory(started_at=pacific(2026, 11, 2))
    Escalation.objects.create(conversation=october[0], reason="x", created_at=pacific(2026, 10, 5))
    ModelCall.objects.create(
        provider="openai", model="m", route="teacher", ok=True, cost_usd=Decimal("2"), created_at=pacific(2026, 10, 6)
    )
    rows = roi_months(thresholds=thresholds, months=2, now=pacific(2026, 11, 20))
    assert [r["month"] for r in rows] == ["2026-10", "2026-11"]
    october_row = rows[0]
    assert (october_row["conversations"], october_row["escalations"], october_row["ai_cost"]) == (3, 1, 2.0)
    assert october_row["human_cost"] == pytest.approx(3)  # 1 x 6 / 60 x 30
    assert october_row["baseline"] == pytest.approx(9)  # 3 x 3
    assert october_row["savings"] == pytest.approx(4)
    assert rows[1]["conversations"] == 1 and rows[1]["savings"] == pytest.approx(3)
