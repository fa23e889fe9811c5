from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from conversations.models import Message
from conversations.services import conversation_escalate
from conversations.tests.factories import ConversationFactory, MessageFactory
from learning.tests.factories import SatisfactionSurveyFactory
from monitoring.models import Alert
from monitoring.selectors.readiness import days_to_ready, edge_cases, ml_readiness
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


def test_edge_cases_are_flagged_by_each_rule():
    ordinary = _message()
    low_confidence = _message(intent_confidence=0.69)
    no_entities = _message(entities={})
    frustrated = _message(sentiment="negative")
    escalated = _message()
    conversation_escalate(conversation=escalated.conversation, reason="asked for a human", message=escalated)
    flagged = set(edge_cases(confidence_below=0.7).values_list("id", flat=True))
    assert flagged == {low_confidence.pk, no_entities.pk, frustrated.pk, escalated.pk}
    assert ordinary.pk not in flagged


def test_a_reply_corrected_more_than_twice_flags_the_customer_message():
    from django.apps import apps

    try:
        correction = apps.get_model("learning", "Correction")
    except LookupError:
        pytest.skip("the learning app has no Correction model")
    inbound = _message()
    reply = MessageFactory(
        conversation=inbound.conversation,
        direction=Message.Direction.OUTBOUND,
        author=Message.Author.AI,
        in_reply_to=inbound,
        text="Hi",
    )
    for _ in range(3):
        correction.objects.create(message=reply, original_text="Hi", corrected_text="Hello")
    assert inbound.pk in set(edge_cases(confidence_below=0.7).values_list("id", flat=True))


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


def test_no_readiness_alert_below_targets(thresholds):
    ConversationFactory()
    assert monitor_readiness_run()["alerts"] == []


def test_each_target_reached_alerts_once(thresholds):
    thresholds.target_conversations = 2
    thresholds.target_booking_outcomes = 1
    thresholds.target_surveys = 1
    thresholds.save()
    conversation = ConversationFactory()
    ConversationFactory()
    BookingFactory(conversation=conversation, customer=conversation.customer)
    SatisfactionSurveyFactory(conversation=conversation)
    result = monitor_readiness_run()
    assert set(result["alerts"]) == {"readiness.conversations", "readiness.booking_outcomes", "readiness.surveys"}
    monitor_readiness_run()
    assert Alert.objects.filter(condition__startswith="readiness.").count() == 3
