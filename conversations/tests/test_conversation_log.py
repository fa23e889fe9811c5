"""The business plan's conversation log: its shape, when it is written, and the conversion of old rows."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from conversations import services
from conversations.models import ConversationLog
from conversations.tests.factories import AIMessageFactory, ConversationFactory, MessageFactory
from learning.models import LabeledExample
from learning.tests.factories import SatisfactionSurveyFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _exchange(conversation, *, minutes_ago=60):
    at = NOW - datetime.timedelta(minutes=minutes_ago)
    question = MessageFactory(conversation=conversation, sent_at=at, text="Hey! I wanna book for 30 people",
                              tone="casual", intent="booking_inquiry", intent_confidence=0.85,
                              entities={"CARDINAL": ["30"]}, sentiment="positive")
    reply = AIMessageFactory(conversation=conversation, sent_at=at + datetime.timedelta(seconds=1),
                             text="Awesome! For 30 guests...", latency_ms=85, confidence=0.9, in_reply_to=question,
                             metadata={"tone_used": "warm", "suggested_upsells": ["gyoza", "third_protein"],
                                       "response_time_ms": 85})
    conversation.last_activity_at = reply.sent_at
    conversation.save(update_fields=["last_activity_at"])
    return question, reply


def test_the_log_has_the_plans_fields_and_numbers_as_numbers():
    conversation = ConversationFactory(started_at=NOW - datetime.timedelta(hours=2))
    question, _ = _exchange(conversation)
    BookingFactory(conversation=conversation, customer=conversation.customer, total=Decimal("1950.00"),
                   addons={"gyoza": 3})

    log = services.conversation_log_rebuild(conversation=conversation)

    assert isinstance(log.pk, uuid.UUID)
    assert log.customer_id == conversation.customer_id and log.timestamp == conversation.started_at
    customer, ai = log.conversation_data["messages"]
    assert customer == {"role": "customer", "content": "Hey! I wanna book for 30 people", "detected_tone": "casual",
                        "detected_intent": "booking_inquiry", "entities_extracted": {"CARDINAL": ["30"]},
                        "confidence": 0.85, "sentiment": "positive", "message_id": question.pk,
                        "at": question.sent_at.isoformat()}
    assert (ai["role"], ai["tone_used"], ai["suggested_upsells"], ai["response_time_ms"]) == (
        "ai", "warm", ["gyoza", "third_protein"], 85)
    booking_id = log.outcome_data["booking_id"]
    assert log.outcome_data == {"booked": True, "booking_id": booking_id, "total_value": 1950.0,
                                "accepted_upsells": ["gyoza"], "escalated": False, "status": "active"}
    assert log.performance_metrics["response_time_ms"] == 85
    assert log.metadata["conversation_id"] == conversation.pk


def test_tone_accuracy_is_the_share_of_staff_labeled_messages_whose_detected_tone_matched():
    conversation = ConversationFactory()
    right, _ = _exchange(conversation, minutes_ago=90)
    wrong, _ = _exchange(conversation, minutes_ago=80)
    unlabeled, _ = _exchange(conversation, minutes_ago=70)
    LabeledExample.objects.create(message=right, text=right.text, intent="booking_inquiry", tone="casual",
                                  sentiment="positive", source="staff")
    LabeledExample.objects.create(message=wrong, text=wrong.text, intent="booking_inquiry", tone="anxious",
                                  sentiment="positive", source="staff")
    LabeledExample.objects.create(message=unlabeled, text=unlabeled.text, intent="booking_inquiry", tone="formal",
                                  sentiment="positive", source="local", verified=False)  # a model's guess: not a label

    log = services.conversation_log_rebuild(conversation=conversation)

    assert log.performance_metrics["tone_accuracy"] == 0.5


def test_the_beat_writes_logs_of_idle_conversations_only():
    idle, busy = ConversationFactory(), ConversationFactory()
    _exchange(idle, minutes_ago=45)
    _exchange(busy, minutes_ago=5)

    assert services.conversation_logs_write(idle_minutes=30, now=NOW) == 1

    assert ConversationLog.objects.get().conversation_id == idle.pk
    assert services.conversation_logs_write(idle_minutes=30, now=NOW) == 0  # nothing new: nothing rewritten


def test_a_booking_confirmed_later_rewrites_the_log():
    conversation = ConversationFactory()
    _exchange(conversation, minutes_ago=45)
    booking = BookingFactory(conversation=conversation, customer=conversation.customer, status=Booking.Status.QUOTED,
                             total=Decimal("1100"))
    services.conversation_logs_write(idle_minutes=30, now=NOW)
    assert ConversationLog.objects.get().outcome_data["booked"] is False

    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED,
                                                 updated_at=timezone.now() + datetime.timedelta(seconds=1))

    assert services.conversation_logs_write(idle_minutes=30, now=NOW) == 1
    outcome = ConversationLog.objects.get().outcome_data
    assert (outcome["booked"], outcome["booking_id"], outcome["total_value"]) == (True, booking.pk, 1100.0)


def test_a_survey_answered_later_rewrites_the_log():
    conversation = ConversationFactory()
    _exchange(conversation, minutes_ago=45)
    services.conversation_logs_write(idle_minutes=30, now=NOW)

    SatisfactionSurveyFactory(conversation=conversation, rating=4,
                              created_at=timezone.now() + datetime.timedelta(seconds=1))

    assert services.conversation_logs_write(idle_minutes=30, now=NOW) == 1
    assert ConversationLog.objects.get().performance_metrics["customer_satisfaction"] == 4


def test_the_table_has_the_plans_three_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'conversation_logs'")
        indexes = dict(cursor.fetchall())
    assert {"idx_conv_timestamp", "idx_conv_outcome", "idx_conv_customer"} <= set(indexes)
    assert "(outcome_data ->> 'booked'::text)" in indexes["idx_conv_outcome"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_old_rows():
    executor = MigrationExecutor(connection)
    before, after = [("conversations", "0006_message_history")], [("conversations", "0007_conversation_log_plan_schema")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Customer = old_apps.get_model("conversations", "Customer")
    Conversation = old_apps.get_model("conversations", "Conversation")
    Message = old_apps.get_model("conversations", "Message")
    OldLog = old_apps.get_model("conversations", "ConversationLog")
    customer = Customer.objects.create(name="Ann")
    conversation = Conversation.objects.create(customer=customer, channel="sms")
    reply = Message.objects.create(conversation=conversation, customer=customer, channel="sms", direction="outbound",
                                   author="ai", text="That is $1,250.", latency_ms=120)
    OldLog.objects.create(
        conversation=conversation, customer=customer, timestamp=conversation.started_at,
        messages_data=[
            {"id": 1, "at": "2026-11-01T10:00:00", "author": "customer", "text": "20 adults", "intent": "booking_inquiry",
             "confidence": 0.8, "tone": "casual", "sentiment": "neutral", "entities": {"adults": 20}},
            {"id": reply.pk, "at": "2026-11-01T10:00:02", "author": "ai", "text": "That is $1,250.", "intent": "",
             "confidence": 0.9, "tone": "", "sentiment": "", "entities": {}, "agent": "sales", "route": "student"},
        ],
        outcome_data={"booked": True, "booking_id": 7, "total_value": "1250.00", "accepted_upsells": ["gyoza"]},
        performance_data={"messages": 2, "response_time_ms": 2000, "response_time_ms_max": 2000, "csat": 5},
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    log = new_apps.get_model("conversations", "ConversationLog").objects.get()

    assert isinstance(log.pk, uuid.UUID)
    customer_row, ai_row = log.conversation_data["messages"]
    assert (customer_row["role"], customer_row["detected_intent"], customer_row["entities_extracted"]) == (
        "customer", "booking_inquiry", {"adults": 20})
    assert (ai_row["role"], ai_row["response_time_ms"]) == ("ai", 120)
    assert log.outcome_data["total_value"] == 1250.0
    assert log.performance_metrics == {"response_time_ms": 120, "tone_accuracy": None, "customer_satisfaction": 5}
    assert log.metadata["legacy_send_gap_ms"] == 2000
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
