"""The pipeline's guarantees: commit before the model, escalation rules, humans in charge, provider failures."""

import re

import psycopg
import pytest
from django.db import connection

from agents.models import ModelCall
from agents.providers import _load
from agents.providers.base import ModelProvider
from agents.providers.templates import TemplateProvider
from bookings.services import booking_confirm
from conversations import services as conversation_services
from conversations.models import Conversation, Escalation, Message

pytestmark = pytest.mark.django_db


class CommittedCheckProvider(ModelProvider):
    """Fails the test's expectations unless the inbound message is visible from another connection (committed)."""

    seen = []

    def __init__(self, **options):
        pass

    def generate(self, request, *, route=None):
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params) as other:
            row = other.execute("SELECT text FROM conversations_message WHERE id = %s",
                                [request.inbound_message_id]).fetchone()
        self.seen.append(row)
        return TemplateProvider().generate(request, route=route)


class BrokenProvider(ModelProvider):
    def __init__(self, **options):
        pass

    def generate(self, request, *, route=None):
        raise RuntimeError("model server exploded")


@pytest.fixture
def provider(settings):
    def use(backend):
        settings.AI_PROVIDERS = {**settings.AI_PROVIDERS, "test": {"BACKEND": backend, "OPTIONS": {}}}
        settings.AI_PROVIDER = "test"
        _load.cache_clear()
    yield use
    _load.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_inbound_message_is_committed_before_the_model_is_called(business, chat, provider):
    provider("agents.tests.engine.test_pipeline.CommittedCheckProvider")
    CommittedCheckProvider.seen.clear()

    chat().say("How much for 12 adults?")

    assert CommittedCheckProvider.seen == [("How much for 12 adults?",)]


def test_a_provider_crash_keeps_the_message_and_hands_over_to_a_human(business, chat, provider):
    provider("agents.tests.engine.test_pipeline.BrokenProvider")
    customer = chat()

    with pytest.raises(RuntimeError):
        customer.say("How much for 12 adults?")

    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert inbound.text == "How much for 12 adults?"
    assert inbound.intent == "pricing_question"     # NLU ran and was saved; the reply can be retried
    assert not inbound.replies.exists()


def test_every_reply_records_its_model_call(business, chat):
    result = chat().say("How much for 12 adults?")

    call = ModelCall.objects.get()
    assert call.provider == "templates" and call.route == "student" and call.ok
    assert result.reply.provider == "templates" and result.reply.model == "templates-v1"
    assert result.reply.latency_ms >= 0 and result.reply.in_reply_to == result.message


@pytest.mark.parametrize("text, reason", [
    ("The chef showed up an hour late last Saturday and the food was cold. Very disappointed.",
     "complaint about a past event"),
    ("I want a refund for my deposit", "refund request"),
    ("Can I talk to a real person please?", "customer asked for a human"),
])
def test_handbook_escalations_go_to_a_human(business, chat, text, reason, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = chat().say(text)

    assert result.escalated and result.reply.route == "human" and result.reply.agent == "care"
    escalation = Escalation.objects.get()
    assert escalation.reason == reason
    assert Conversation.objects.get().status == Conversation.Status.WAITING_FOR_HUMAN
    assert "member of our team" in result.reply.text


def test_party_over_sixty_needs_a_custom_quote_from_staff(business, chat):
    result = chat().say("We'd like hibachi for 75 adults on Dec 12")

    assert result.escalated
    assert Escalation.objects.get().reason == "party over 60 guests"
    assert result.quote is None


def test_a_date_within_48_hours_is_passed_to_staff(business, chat):
    customer = chat(email="short@example.com", name="Short Notice")
    customer.say("Can we book 12 adults tomorrow at 6pm in 94538?")

    assert customer.last.escalated
    assert Escalation.objects.get().reason == "event requested with less than 48 hours' notice"


def test_outside_staff_hours_the_customer_is_told_when_a_person_will_reply(business, chat):
    import datetime
    from agents.tests.engine.conftest import PACIFIC

    late = chat(start=datetime.datetime(2026, 11, 2, 22, 30, tzinfo=PACIFIC))
    late.say("I need to speak with a manager")

    assert "back tomorrow at 9:00 Pacific" in late.last.reply.text


def test_while_waiting_for_a_human_the_ai_acknowledges_once_then_stays_quiet(business, chat):
    customer = chat()
    customer.say("Can I talk to a real person please?")

    second = customer.say("Hello? Anyone there?")
    third = customer.say("Still waiting")

    assert second.reply is not None and "added this to your conversation" in second.reply.text
    assert third.reply is None
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 3   # nothing the customer said is lost


def test_while_staff_handle_the_conversation_the_ai_says_nothing_until_handed_back(business, chat, staff_user):
    customer = chat()
    first = customer.say("How much for 12 adults?")
    conversation_services.conversation_take_over(conversation=first.conversation, staff_user=staff_user)

    silent = customer.say("and for 15 adults?")
    conversation_services.conversation_hand_back(conversation=first.conversation, staff_user=staff_user)
    answered = customer.say("and for 15 adults?")

    assert silent.reply is None
    assert answered.reply is not None and "$825" in answered.reply.text


def test_care_only_sees_the_customers_own_bookings(business, chat):
    someone = chat(channel="sms", external_id="+14155550161", phone="+14155550161", name="Some One")
    for text in ("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", "yes"):
        someone.say(text)
    stranger = chat(channel="sms", external_id="+14155550162", phone="+14155550162", name="A Stranger")

    result = stranger.say("I need to cancel my booking")

    assert "couldn't find an upcoming booking" in result.reply.text
    assert str(someone.last.booking.pk) not in result.reply.text


def test_cancellation_seven_days_ahead_refunds_the_deposit_after_confirmation(business, chat):
    customer = chat(channel="sms", external_id="+14155550163", phone="+14155550163", name="Cat Smith")
    for text in ("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", "yes"):
        customer.say(text)
    booking = booking_confirm(booking=customer.last.booking, now=customer.clock)   # the $100 deposit is paid

    asked = customer.say("I need to cancel my booking")
    done = customer.say("yes")

    assert "$100 deposit will be refunded" in asked.reply.text and "Shall I cancel it?" in asked.reply.text
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.deposit_refunded
    assert "cancelled" in done.reply.text


def test_cancelling_an_unpaid_quote_promises_no_refund(business, chat):
    customer = chat(channel="sms", external_id="+14155550164", phone="+14155550164", name="Una Paid")
    for text in ("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", "yes"):
        customer.say(text)

    asked = customer.say("please cancel my booking")

    assert "No deposit has been paid yet" in asked.reply.text


def test_reschedule_is_applied_only_when_the_customer_confirms(business, chat):
    customer = chat(channel="sms", external_id="+14155550165", phone="+14155550165", name="Ron Weasley")
    for text in ("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", "yes"):
        customer.say(text)
    booking = customer.last.booking

    customer.say("Can we move our booking to December 19?")
    booking.refresh_from_db()
    assert booking.event_date.isoformat() == "2026-12-12"
    customer.say("yes please")

    booking.refresh_from_db()
    assert booking.event_date.isoformat() == "2026-12-19"


def test_memory_spans_channels_and_records_every_committed_message(business, chat,
                                                                    django_capture_on_commit_callbacks):
    from knowledge.memory import get_memory

    with django_capture_on_commit_callbacks(execute=True):
        # The visitor proved both contacts earlier (the helper sets the customer up with them).
        web = chat(channel="web", external_id="v-9", email="mia@example.com", phone="+14155550100", name="Mia Wong")
        web.say("Hi, my son is allergic to shellfish. How much for 12 adults?")
        sms = chat(channel="sms", external_id="+14155550100", phone="+14155550100")
        sms.say("and for 15 adults?")

    customer = sms.last.conversation.customer
    assert customer == web.last.conversation.customer
    memory = get_memory()
    recent = memory.recent(customer, limit=10)
    assert [m["channel"] for m in recent] == ["web", "web", "sms", "sms"]
    assert "shellfish" in memory.context(customer)["allergies"]


class DownMemory:
    alias = "down"

    def __init__(self, **kwargs):
        pass

    def recent(self, customer, limit=20):
        raise ConnectionError("graph database unreachable")

    context = journey = append = recent


def test_a_memory_backend_outage_still_gets_the_customer_an_answer(business, chat, monkeypatch):
    monkeypatch.setattr("agents.engine.pipeline.get_memory", lambda: DownMemory())

    result = chat().say("How much for 12 adults?")

    assert "$660" in result.reply.text and not result.escalated


def test_a_name_given_in_chat_is_kept_and_an_email_only_once_its_code_comes_back(
    business, chat, django_capture_on_commit_callbacks, mailoutbox
):
    customer = chat(external_id="anon-visitor")
    with django_capture_on_commit_callbacks(execute=True):
        asked = customer.say("quote for 12 adults please, I'm Lara Croft, lara@example.com")

    record = customer.last.conversation.customer
    record.refresh_from_db()
    assert (record.name, record.email) == ("Lara Croft", None)
    assert "sent a 6-digit code to lara@example.com" in asked.reply.text
    [sent] = [m for m in mailoutbox if m.to == ["lara@example.com"]]
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)

    confirmed = customer.say(code)

    record.refresh_from_db()
    assert record.email == "lara@example.com"
    assert "confirmed" in confirmed.reply.text


def test_a_contact_belonging_to_another_customer_is_left_alone(business, chat):
    from conversations.tests.factories import CustomerFactory

    CustomerFactory(email="taken@example.com")
    customer = chat(external_id="someone-else")
    result = customer.say("quote for 12 adults please, my email is taken@example.com")

    record = result.conversation.customer
    record.refresh_from_db()
    assert record.email is None and result.reply is not None


def test_a_booking_started_on_web_chat_is_finished_by_sms(business, chat):
    web = chat(channel="web", external_id="v-77", name="Tina Fey", phone="+14155550177")
    web.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct please")
    sms = chat(channel="sms", external_id="+14155550177", phone="+14155550177", start=web.clock)

    offer = sms.say("hi it's Tina again")
    summary = sms.say("yes")
    result = sms.say("yes book it")

    assert "Last time we talked about a party of 12 on Dec 12 at 18:00" in offer.reply.text
    assert offer.booking is None and summary.booking is None and "$660" in summary.reply.text
    assert result.booking is not None and result.booking.total == 660
    assert result.conversation != web.last.conversation
    assert result.conversation.state["carried_from_conversation"] == web.last.conversation.pk


def test_an_earlier_conversations_booking_is_offered_not_resumed(business, chat):
    web = chat(channel="web", external_id="v-78", name="Tina Fey", phone="+14155550178")
    web.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct please")
    sms = chat(channel="sms", external_id="+14155550178", phone="+14155550178", start=web.clock)

    first = sms.say("yes book it")

    assert first.booking is None
    assert "$660" in first.reply.text and "Shall I book it?" in first.reply.text


def test_declining_the_earlier_booking_starts_afresh(business, chat):
    web = chat(channel="web", external_id="v-79", name="Tina Fey", phone="+14155550179")
    web.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct please")
    sms = chat(channel="sms", external_id="+14155550179", phone="+14155550179", start=web.clock)

    sms.say("hello")
    result = sms.say("no, that's a different party")

    assert result.conversation.state["booking"].get("adults") is None
    assert dialogue_questions()["adults"] in result.reply.text


def dialogue_questions():
    from agents.engine.dialogue import QUESTIONS

    return QUESTIONS


def test_after_a_handover_for_an_unsure_reply_the_assistant_goes_on_with_what_it_is_sure_of(business, chat):
    from conversations.services import conversation_escalate

    customer = chat()
    first = customer.say("heyy do u guys do friendsgiving??")
    conversation_escalate(conversation=first.conversation, reason="low confidence", message=first.message)

    quoted = customer.say("we're 12 adults, sat dec 12 at 6pm in 94538")

    assert quoted.reply is not None and "$660" in quoted.reply.text and not quoted.escalated
    quoted.conversation.refresh_from_db()
    assert quoted.conversation.status == Conversation.Status.WAITING_FOR_HUMAN   # staff still have it to review


def test_after_a_handover_for_another_reason_the_assistant_still_only_acknowledges(business, chat):
    from conversations.services import conversation_escalate

    customer = chat()
    first = customer.say("hello")
    conversation_escalate(conversation=first.conversation, reason="complaint about a past event", message=first.message)

    second = customer.say("we're 12 adults, sat dec 12 at 6pm in 94538")

    assert second.reply is not None and "added this to your conversation" in second.reply.text
