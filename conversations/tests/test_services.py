import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from conversations import services
from conversations.models import ChannelIdentity, Conversation, Customer, Message
from conversations.tests.factories import ConversationFactory, CustomerFactory, MessageFactory
from learning.tests.factories import SatisfactionSurveyFactory

pytestmark = pytest.mark.django_db


def test_normalize_phone_gives_e164_for_common_us_formats():
    assert services.normalize_phone("(415) 555-0123") == "+14155550123"
    assert services.normalize_phone("415.555.0123") == "+14155550123"
    assert services.normalize_phone("+1 415 555 0123") == "+14155550123"


def test_normalize_phone_rejects_garbage_with_a_field_error():
    with pytest.raises(ValidationError) as excinfo:
        services.normalize_phone("call me maybe")
    assert "phone" in excinfo.value.message_dict


def test_duplicate_message_external_id_on_same_channel_is_rejected_by_the_database():
    first = MessageFactory(external_id="SM123")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(conversation=first.conversation, external_id="SM123")


def test_same_external_id_on_another_channel_is_allowed():
    MessageFactory(external_id="abc-1")
    other = MessageFactory(conversation=ConversationFactory(channel="email"), external_id="abc-1")
    assert other.channel == "email"


def test_record_inbound_twice_with_same_external_id_returns_the_first_message_and_stores_nothing_new():
    conversation = ConversationFactory(channel="sms")
    first, created = services.message_record_inbound(conversation=conversation, text="Hi", external_id="SM9")
    again, created_again = services.message_record_inbound(conversation=conversation, text="Hi!!", external_id="SM9")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.text == "Hi"
    assert Message.objects.count() == 1


def test_record_inbound_rejects_empty_text():
    with pytest.raises(ValidationError):
        services.message_record_inbound(conversation=ConversationFactory(), text="   ")
    assert Message.objects.count() == 0


def test_database_allows_one_customer_per_phone():
    CustomerFactory(phone="+14155550123")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(phone="+14155550123")


def test_database_allows_one_customer_per_email_ignoring_case():
    CustomerFactory(email="Maria@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(email="maria@example.com")


def test_database_refuses_a_phone_that_is_not_e164():
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(phone="415-555-0123")


def test_customer_create_refuses_a_second_customer_with_the_same_normalised_phone():
    services.customer_create(name="A", phone="(415) 555-0123")
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(name="B", phone="+1 415-555-0123")
    assert "phone" in excinfo.value.message_dict
    assert Customer.objects.count() == 1


def test_identity_on_a_new_channel_joins_the_customer_with_the_same_phone():
    sms = services.customer_get_or_create_for_identity(channel="sms", external_id="+14155550123", phone="4155550123")
    voice = services.customer_get_or_create_for_identity(
        channel="voice", external_id="call-77", phone="+1 (415) 555-0123", name="Maria"
    )
    assert voice.pk == sms.pk
    assert ChannelIdentity.objects.filter(customer=sms).count() == 2
    sms.refresh_from_db()
    assert sms.name == "Maria"


def test_identity_joins_customer_by_email_case_insensitively():
    known = services.customer_create(email="Maria@Example.com")
    mail = services.customer_get_or_create_for_identity(channel="email", external_id="maria@example.com",
                                                        email="MARIA@example.com")
    assert mail.pk == known.pk
    assert Customer.objects.get().email == "maria@example.com"


def test_an_sms_sender_is_matched_by_its_number():
    owner = CustomerFactory(phone="+14155550123", email="owner@example.com")
    texted = services.customer_get_or_create_for_identity(channel="sms", external_id="+14155550123",
                                                          phone="+1 415 555 0123", email="new@example.com")
    assert texted.pk == owner.pk
    assert Customer.objects.get().email == "owner@example.com"


def test_an_email_or_phone_a_web_sender_states_is_a_claim_never_matched_nor_attached():
    """Issue 14.10: a visitor stating the owner's contact must not become the owner, nor keep the contact so that the
    owner's later messages join the visitor."""
    owner = CustomerFactory(phone="+14155550123", email="owner@example.com")
    claimed_owner = services.customer_get_or_create_for_identity(channel="web", external_id="v2",
                                                                 email="owner@example.com", phone="+14155550123")
    claimed_free = services.customer_get_or_create_for_identity(channel="web", external_id="v3",
                                                                email="free@example.com", phone="+14155550999")
    assert claimed_owner.pk != owner.pk and (claimed_owner.email, claimed_owner.phone) == (None, None)
    assert (claimed_free.email, claimed_free.phone) == (None, None)
    later = services.customer_get_or_create_for_identity(channel="email", external_id="free@example.com",
                                                         email="free@example.com")
    assert later.pk != claimed_free.pk


def test_identity_requires_an_external_id_and_a_known_channel():
    with pytest.raises(ValidationError):
        services.customer_get_or_create_for_identity(channel="web", external_id="  ")
    with pytest.raises(ValidationError):
        services.customer_get_or_create_for_identity(channel="fax", external_id="1")


def test_open_conversation_is_reused_until_closed():
    customer = CustomerFactory()
    first = services.conversation_get_or_create_open(customer=customer, channel="web")
    assert services.conversation_get_or_create_open(customer=customer, channel="web").pk == first.pk
    services.conversation_close(conversation=first)
    assert services.conversation_get_or_create_open(customer=customer, channel="web").pk != first.pk


def test_closing_a_conversation_builds_its_conversation_log():
    conversation = ConversationFactory()
    start = timezone.now() - datetime.timedelta(minutes=5)
    services.message_record_inbound(conversation=conversation, text="20 adults, 5 kids please", sent_at=start)
    services.message_record_outbound(
        conversation=conversation, text="That is $1,250.", sent_at=start + datetime.timedelta(seconds=2),
        agent="sales", route="student", confidence=0.9, latency_ms=80,
        metadata={"tone_used": "warm", "suggested_upsells": ["gyoza", "third_protein"], "response_time_ms": 80},
    )
    BookingFactory(customer=conversation.customer, conversation=conversation, upgrades={"filet_mignon": 20},
                   addons={"gyoza": 2}, total=Decimal("1350"))
    SatisfactionSurveyFactory(conversation=conversation, rating=4)

    services.conversation_close(conversation=conversation)

    log = conversation.log
    assert [m["role"] for m in log.conversation_data["messages"]] == ["customer", "ai"]
    assert log.outcome_data["booked"] is True
    assert log.outcome_data["total_value"] == 1350.0
    assert log.outcome_data["accepted_upsells"] == ["gyoza"]  # suggested and taken; filet was not suggested
    assert log.performance_metrics == {"response_time_ms": 80, "response_time_ms_max": 80, "tone_accuracy": None,
                                       "customer_satisfaction": 4}


def test_close_idle_closes_only_stale_open_conversations():
    now = timezone.now()
    stale = ConversationFactory(last_activity_at=now - datetime.timedelta(hours=30))
    fresh = ConversationFactory(last_activity_at=now - datetime.timedelta(hours=1))
    with_staff = ConversationFactory(last_activity_at=now - datetime.timedelta(hours=30),
                                     status=Conversation.Status.HUMAN_ACTIVE)
    assert services.conversations_close_idle(idle_hours=24, now=now) == 1
    stale.refresh_from_db(), fresh.refresh_from_db(), with_staff.refresh_from_db()
    assert (stale.status, fresh.status, with_staff.status) == ("closed", "active", "human_active")
