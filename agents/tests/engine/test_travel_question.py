"""A travel-fee question before the party is known gets that place's fee (the sales agent, with the price list's
per-mile rate)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("text", "answer"), [
    ("Do you charge a travel fee to Sacramento?",
     "Travel to Sacramento is $116: it is 78 miles from our base in Fremont, and the first 20 miles are free."),
    ("is there a travel fee to Milpitas",
     "Travel to Milpitas is free: it is 8 miles from our base in Fremont, and the first 20 miles are free."),
])
def test_a_travel_fee_question_before_the_party_is_answered_with_that_places_fee(business, chat, text, answer):
    result = chat().say(text)

    assert answer in result.reply.text and not result.escalated
    assert result.reply.text.endswith("How many guests will there be (adults, children 6-12 and children under 6)?")


def test_once_the_party_is_known_the_travel_fee_is_in_the_quote_not_said_again(business, chat):
    customer = chat()
    customer.say("Do you charge a travel fee to Sacramento?")

    result = customer.say("20 adults")

    assert "plus $116 travel (78 miles from Fremont), so the total is $1,216" in result.reply.text
    assert "Travel to Sacramento is" not in result.reply.text
