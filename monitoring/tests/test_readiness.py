from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from conversations.models import Message
from conversations.services import conversation_escalate
from conversations.tests.factories import ConversationFactory, MessageFactory
from learning.models import Correction, LabeledExample
from learning.tests.factories import SatisfactionSurveyFactory
from monitoring.models import Alert
from monitoring.selectors.readiness import (
    accuracy_plateau,
    days_to_ready,
    edge_case_messages,
    ml_readiness,
    monthly_active_users,
)
from monitoring.services.monitors import monitor_readiness_run

pytestmark = pytest.mark.django_db


def test_days_to_ready_from_the_recent_rate():
    assert days_to_ready(current=4000, target=5000, recent=300) == 100  # 10/day -> 1000 left
    assert days_to_ready(current=4999, target=5000, recent=7) == 5  # 0.233/day, 4.3 days rounded up
    assert days_to_ready(current=5000, target=5000, recent=0) == 0
    assert days_to_ready(current=10, target=5000, recent=0) is None


def _message(**fields):
    defaults = {
        "intent": "menu_question",
        "intent_confidence": 0.95,
        "entities": {"adults": 20},
        "sentiment": "neutral",
    }
    return MessageFactory(**{**defaults, **fields})


def test_edge_cases_are_flagged_by_the_plans_rules_only():
    ordinary = _message()
    low_confidence = _message(intent_confidence=0.69)
    no_entities = _message(entities={})  # a greeting has none: not an edge case by itself
    frustrated = _message(sentiment="negative")
    escalated = _message()
    conversation_escalate(conversation=escalated.conversation, reason="asked for a human", message=escalated)
    same_conversation = _message(conversation=escalated.conversation)  # the escalation names the other message
    flagged = set(edge_case_messages(confidence_below=0.7).values_list("id", flat=True))
    assert flagged == {low_confidence.pk, frustrated.pk, escalated.pk}
    assert not {ordinary.pk, no_entities.pk, same_conversation.pk} & flagged


def _reply_to(inbound, **fields):
    return MessageFactory(conversation=inbound.conversation, direction=Message.Direction.OUTBOUND,
                          author=Message.Author.AI, in_reply_to=inbound, text="Hi", **fields)


def test_a_reply_sent_to_a_human_flags_the_customer_message():
    inbound = _message()
    _reply_to(inbound, route=Message.Route.HUMAN)
    assert set(edge_case_messages(confidence_below=0.7).values_list("id", flat=True)) == {inbound.pk}


def test_corrected_more_than_twice_is_the_review_queues_rule():
    """Three corrections flag the message, two do not: learning's CORRECTED_OFTEN_AFTER (2), "more than twice"."""
    twice, thrice = _message(), _message()
    for inbound, times in ((twice, 2), (thrice, 3)):
        reply = _reply_to(inbound)
        for _ in range(times):
            Correction.objects.create(message=reply, original_text="Hi", corrected_text="Hello")
    assert set(edge_case_messages(confidence_below=0.7).values_list("id", flat=True)) == {thrice.pk}


def test_monthly_active_users_are_customers_with_a_message_in_the_last_30_days():
    now = timezone.now()
    active = ConversationFactory()
    _message(conversation=active, sent_at=now - timedelta(days=29))
    _message(conversation=active, sent_at=now - timedelta(days=1))   # the same customer counts once
    _message(conversation=ConversationFactory(), sent_at=now - timedelta(days=31))  # gone quiet
    _reply_to(_message(conversation=ConversationFactory(), sent_at=now - timedelta(days=40)))  # our reply: not theirs
    assert monthly_active_users(now=now) == 1


def test_plateau_needs_every_recent_week_below_the_ceiling_and_a_flat_trend():
    # 0.80, 0.81, 0.80, 0.81 at x = 0..3: sxx = 5, sxy = 0.0075 - 0.0025 - 0.0025 + 0.0075 = 0.01,
    # slope = 0.002/week < 0.01 and all < 0.85 -> plateau
    flat = accuracy_plateau(weekly=[None, 0.7, 0.80, 0.81, 0.80, 0.81], ceiling=0.85, weeks=4, min_gain=0.01)
    assert flat["plateau"] is True and flat["slope"] == pytest.approx(0.002)
    # 0.70, 0.74, 0.78, 0.82: slope 0.04/week -> still learning
    assert accuracy_plateau(weekly=[0.70, 0.74, 0.78, 0.82], ceiling=0.85, weeks=4, min_gain=0.01)["plateau"] is False
    # flat but at 0.90: above the ceiling, not the plan's plateau
    assert accuracy_plateau(weekly=[0.90, 0.90, 0.90, 0.90], ceiling=0.85, weeks=4, min_gain=0.01)["plateau"] is False
    assert accuracy_plateau(weekly=[0.8, None, 0.8], ceiling=0.85, weeks=4, min_gain=0.01)["plateau"] is False


def test_readiness_table_current_target_and_days(thresholds):
    thresholds.target_conversations = 10
    thresholds.save()
    for _ in range(3):
        ConversationFactory()
    ConversationFactory(started_at=timezone.now() - timedelta(days=90))
    row = {r["key"]: r for r in ml_readiness(thresholds=thresholds)}["conversations"]
    # 4 conversations, 3 in the last 30 days (0.1/day): 6 left -> 60 days
    assert (row["current"], row["target"], row["recent_30d"], row["days_to_ready"]) == (4, 10, 3, 60)
    assert row["progress"] == pytest.approx(0.4)


def _material(*, conversations, bookings, tone_labels):
    made = [ConversationFactory() for _ in range(conversations)]
    for conversation in made[:bookings]:
        BookingFactory(conversation=conversation, customer=conversation.customer)
    for _ in range(tone_labels):
        LabeledExample.objects.create(text="hi", intent="greeting", tone="casual", sentiment="neutral", source="staff")


def _small_targets(thresholds, *, conversations=3, tone=2, bookings=1):
    thresholds.target_conversations, thresholds.target_tone_labels = conversations, tone
    thresholds.target_booking_outcomes = bookings
    thresholds.save()


def test_no_ml_ready_alert_until_all_three_targets_are_met(thresholds):
    _small_targets(thresholds)
    _material(conversations=3, bookings=1, tone_labels=1)  # tone labels short
    result = monitor_readiness_run()
    assert result["alerts"] == [] and result["ml_ready"] is False and result["missing"] == ["Labeled tone examples"]


def test_all_three_targets_raise_one_ml_ready_alert_once(thresholds):
    _small_targets(thresholds)
    _material(conversations=3, bookings=1, tone_labels=2)
    SatisfactionSurveyFactory()  # surveys do not gate it (their target stays 500)
    assert monitor_readiness_run()["alerts"] == ["readiness.ml_ready"]
    monitor_readiness_run()
    alert = Alert.objects.get(condition__startswith="readiness.")
    assert (alert.condition, alert.period, alert.title) == (
        "readiness.ml_ready", "once@3/2/1", "ML READY! Time to consider deep learning models")
    assert "ML report" in alert.body


def test_changing_a_target_re_arms_the_ml_ready_alert(thresholds):
    _small_targets(thresholds)
    _material(conversations=4, bookings=1, tone_labels=2)
    monitor_readiness_run()
    _small_targets(thresholds, conversations=4)
    assert monitor_readiness_run()["alerts"] == ["readiness.ml_ready"]
    assert sorted(Alert.objects.values_list("period", flat=True)) == ["once@3/2/1", "once@4/2/1"]
