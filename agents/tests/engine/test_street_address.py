"""The event's street address in the booking flow (issue 16, item 9): asked right after the ZIP or city, skipped when
already given, put off once with "later", shown in the summary and kept on the booking; a too-soon date is said before
it is asked for; an answer with only an address stays with sales."""

import pytest

from agents.engine import dialogue
from agents.engine.router import route

pytestmark = pytest.mark.django_db

ADDRESS_QUESTION = dialogue.QUESTIONS["street_address"]


def test_the_address_is_asked_right_after_the_zip_and_the_answer_is_kept_on_the_booking(business, chat):
    customer = chat()
    customer.say("How much for 12 adults on Dec 12 at 6pm?")
    asked = customer.say("94538")
    assert ADDRESS_QUESTION in asked.reply.text and asked.conversation.state["asked"] == "street_address"

    answered = customer.say("its 4410 rosewood ct apt 2")
    assert answered.conversation.state["booking"]["address"] == "4410 rosewood ct apt 2"
    assert answered.conversation.state["asked"] == "name" and ADDRESS_QUESTION not in answered.reply.text
    summary = customer.say("Lena Park, lena@example.com")
    assert "in 94538 (4410 rosewood ct apt 2), total $660" in summary.reply.text, customer.transcript()

    booked = customer.say("yes")

    assert booked.booking.address == "4410 rosewood ct apt 2" and booked.booking.zip_code == "94538"


def test_an_address_given_with_the_details_is_not_asked_for(business, chat):
    customer = chat(name="Lena Park", email="lena@example.com")

    summary = customer.say("12 adults on Dec 12 at 6pm at my place, 55 Mission Blvd apt 4, Fremont 94538")

    assert ADDRESS_QUESTION not in summary.reply.text and "Shall I book it?" in summary.reply.text
    assert "(55 Mission Blvd apt 4, Fremont)" in summary.reply.text
    assert customer.say("yes").booking.address == "55 Mission Blvd apt 4, Fremont"


def test_an_address_put_off_is_not_asked_again_and_the_booking_goes_ahead_without_it(business, chat):
    customer = chat(name="Ana Lopez", email="ana@example.com")
    assert ADDRESS_QUESTION in customer.say("10 adults Dec 20 at 6pm, 94538").reply.text

    summary = customer.say("not sure yet, can I send it later?")

    assert ADDRESS_QUESTION not in summary.reply.text and "Shall I book it?" in summary.reply.text
    assert customer.say("yes").booking.address == ""


def test_an_answer_that_is_neither_an_address_nor_later_asks_again(business, chat):
    customer = chat(name="Ana Lopez", email="ana@example.com")
    customer.say("10 adults Dec 20 at 6pm, 94538")

    result = customer.say("is that price with tax?")

    assert result.booking is None and "address" not in result.conversation.state["booking"]
    assert "address_later" not in result.conversation.state["booking"]


def test_a_date_too_soon_is_handed_to_staff_before_the_address_is_asked(business, chat):
    result = chat(name="Sue Bell", email="sue@example.com").say("can we do tomorrow at 6pm? 10 adults in 94538")

    assert result.escalated and ADDRESS_QUESTION not in result.reply.text


def test_a_message_with_only_an_address_stays_with_sales_whatever_its_intent_reads_as():
    state = {"stage": "collecting", "booking": {"adults": 12}}

    agent = route(intent="menu_question", entities={"street_address": "345 Sycamore St"}, state=state,
                  changed=["address"], text="It's 345 Sycamore St", intent_confidence=0.6)

    assert agent == "sales"


def test_later_counts_only_as_the_answer_to_the_address_question():
    state = {}
    dialogue.merge_entities(state, {}, text="I'll send it later", expected="name")
    assert dialogue.missing(state, customer=type("C", (), {"name": "", "email": "", "phone": ""})())[:1] == [
        "adults"]
    assert "address_later" not in dialogue.booking_slots(state)

    dialogue.merge_entities(state, {}, text="I'll send it later", expected="street_address")
    assert dialogue.booking_slots(state)["address_later"] is True


def test_a_misspelt_street_name_corrected_in_a_later_message_replaces_the_address(business, chat):
    customer = chat()
    customer.say("How much for 12 adults on Dec 12 at 6pm in 94538?")
    customer.say("its 118 Magnola Ave")

    fixed = customer.say("sorry i meant Magnolia Ave")

    assert fixed.conversation.state["booking"]["address"] == "118 Magnolia Ave", customer.transcript()
