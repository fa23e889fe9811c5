from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps

from agents.models import ModelCall
from bookings.tests.factories import BookingFactory
from conversations.models import Escalation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from learning.models import UpsellOffer
from learning.tests.factories import SatisfactionSurveyFactory
from monitoring.models import Alert
from monitoring.selectors.kpis import weekly_kpis
from monitoring.services.monitors import kpi_drift, monitor_kpis_run

from .conftest import pacific

pytestmark = pytest.mark.django_db

START, END = pacific(2026, 11, 9), pacific(2026, 11, 16)
IN_WEEK = pacific(2026, 11, 11, 12)


def staff_label(*, conversation, at, predicted_intent="", predicted_tone="", intent="", tone=""):
    """A customer message the NLU classified, with a staff label, in whichever store the monitors read."""
    labels = {k: v for k, v in {"intent": intent, "tone": tone}.items() if v}
    message = MessageFactory(
        conversation=conversation,
        sent_at=at,
        intent=predicted_intent,
        tone=predicted_tone,
        metadata={"staff_labels": labels},
    )
    try:
        labeled = apps.get_model("learning", "LabeledExample")
    except LookupError:
        return message
    labeled.objects.create(
        message=message, text=message.text, intent=intent, tone=tone, sentiment="neutral", source="staff", created_at=at
    )
    return message


def _reply(conversation, latency, route):
    return MessageFactory(
        conversation=conversation,
        sent_at=IN_WEEK,
        direction=Message.Direction.OUTBOUND,
        author=Message.Author.AI,
        route=route,
        provider="openai" if route != "human" else "",
        latency_ms=latency,
        text="reply",
    )


def test_weekly_kpis_on_a_hand_checked_example():
    a, b, c, d = (ConversationFactory(started_at=IN_WEEK) for _ in range(4))
    ConversationFactory(started_at=START - timedelta(minutes=1))  # the week before: not counted
    BookingFactory(conversation=a, customer=a.customer, created_at=IN_WEEK, total=Decimal("1500"), addons={"gyoza": 1})
    BookingFactory(conversation=b, customer=b.customer, created_at=IN_WEEK, total=Decimal("1000"))
    Escalation.objects.create(conversation=c, reason="complaint", created_at=IN_WEEK)
    for latency, route in [(100, "student"), (200, "student"), (300, "student"), (400, "teacher"), (1000, "human")]:
        _reply(d, latency, route)
    for accepted in (True, False, None):  # three offers, one taken, one still open: 1 / 3
        UpsellOffer.objects.create(conversation=a, addon="gyoza", accepted=accepted, created_at=IN_WEEK)
    UpsellOffer.objects.create(conversation=a, addon="gyoza", accepted=True, created_at=START - timedelta(hours=1))
    for rating in (5, 4, 3):
        SatisfactionSurveyFactory(conversation=a, rating=rating, created_at=IN_WEEK)
    staff_label(
        conversation=d,
        at=IN_WEEK,
        predicted_intent="menu_question",
        intent="menu_question",
        predicted_tone="casual",
        tone="casual",
    )
    staff_label(
        conversation=d,
        at=IN_WEEK,
        predicted_intent="greeting",
        intent="greeting",
        predicted_tone="casual",
        tone="formal",
    )
    staff_label(conversation=d, at=IN_WEEK, predicted_intent="other", intent="complaint")
    for _ in range(2):
        ModelCall.objects.create(
            provider="openai",
            model="gpt-4o-mini",
            route="teacher",
            ok=True,
            cost_usd=Decimal("1.00"),
            created_at=IN_WEEK,
        )

    kpis = weekly_kpis(start=START, end=END)

    assert kpis["conversations"] == 4
    assert kpis["containment_rate"] == pytest.approx(3 / 4)  # c escalated
    assert kpis["booking_conversion"] == pytest.approx(2 / 4)  # a and b booked
    assert kpis["upsell_acceptance"] == pytest.approx(1 / 3)  # accepted / offered this week
    assert kpis["avg_booking_value"] == pytest.approx(1250)
    assert kpis["response_p95_ms"] == pytest.approx(880)  # rank 0.95 x 4 = 3.8: 400 + 0.8 x (1000 - 400)
    assert kpis["csat"] == pytest.approx(4.0)
    assert (kpis["intent_accuracy"], kpis["intent_labels"]) == (pytest.approx(2 / 3), 3)
    assert (kpis["tone_accuracy"], kpis["tone_labels"]) == (pytest.approx(1 / 2), 2)
    assert kpis["student_coverage"] == pytest.approx(3 / 4)  # of the model-written replies
    assert kpis["cost_per_conversation"] == pytest.approx(0.5)


def test_an_empty_week_has_no_rates():
    kpis = weekly_kpis(start=START, end=END)
    assert kpis["conversations"] == 0
    assert kpis["containment_rate"] is None and kpis["response_p95_ms"] is None and kpis["intent_accuracy"] is None


def test_drift_means_a_drop_of_more_than_the_threshold():
    assert kpi_drift(current=0.79, previous=0.9, threshold=0.10) is True
    assert kpi_drift(current=0.8, previous=0.9, threshold=0.10) is False
    assert kpi_drift(current=0.5, previous=None, threshold=0.10) is False


def _labels(conversation, at, correct, wrong):
    for _ in range(correct):
        staff_label(conversation=conversation, at=at, predicted_intent="greeting", intent="greeting")
    for _ in range(wrong):
        staff_label(conversation=conversation, at=at, predicted_intent="other", intent="greeting")


NOW = pacific(2026, 11, 20, 12)


def test_accuracy_drop_over_the_threshold_alerts_drift_once_per_week(thresholds):
    conversation = ConversationFactory()
    _labels(conversation, NOW - timedelta(days=10), correct=2, wrong=0)  # last week 100%
    _labels(conversation, NOW - timedelta(days=2), correct=1, wrong=1)  # this week 50%
    assert monitor_kpis_run(now=NOW)["alerts"] == ["kpi.model_drift.intent"]
    monitor_kpis_run(now=NOW + timedelta(hours=1))
    alert = Alert.objects.get(condition="kpi.model_drift.intent")
    assert (alert.period, alert.value) == ("2026-W47", 0.5)


def test_accuracy_drop_of_exactly_the_threshold_does_not_alert(thresholds):
    conversation = ConversationFactory()
    _labels(conversation, NOW - timedelta(days=10), correct=2, wrong=0)  # 100%
    _labels(conversation, NOW - timedelta(days=2), correct=9, wrong=1)  # 90%
    assert monitor_kpis_run(now=NOW)["alerts"] == []


def test_response_p95_over_its_threshold_alerts_high_latency(thresholds):
    conversation = ConversationFactory()
    for latency in (100, 150, 260):
        MessageFactory(
            conversation=conversation,
            sent_at=NOW - timedelta(days=1),
            direction="outbound",
            author="ai",
            route="teacher",
            latency_ms=latency,
        )
    assert monitor_kpis_run(now=NOW)["alerts"] == ["kpi.high_latency"]  # p95 = 150 + 0.9 x 110 = 249 > 200
    thresholds.response_p95_threshold_ms = 249
    thresholds.save()
    Alert.objects.all().delete()
    assert monitor_kpis_run(now=NOW)["alerts"] == []
