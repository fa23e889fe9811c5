"""An upgrade taken by part of the party is charged for that part only: a number of guests as the subject ("Ten of
the adults would like a third protein"), a share counted from the party ("half of us want lobster"), and a vague
amount ("some of us") that is not charged for anyone until the customer gives the number."""

import pytest

from agents.engine import dialogue

pytestmark = pytest.mark.django_db


def test_half_of_the_party_is_counted_from_the_party_given_before():
    state = {"booking": {"adults": 20, "children": 4}}

    dialogue.merge_entities(state, {"upgrades": {"lobster_tail": "half"}}, text="half of us want lobster")

    assert state["booking"]["upgrades"] == {"lobster_tail": 12}


def test_half_of_the_adults_is_counted_from_the_party_given_in_the_same_message():
    state = {}

    dialogue.merge_entities(state, {"adults": 24, "children": 6, "upgrades": {"third_protein": "half_adults"}},
                            text="24 adults and 6 kids, half the adults want a third protein")

    assert state["booking"]["upgrades"] == {"third_protein": 12}


def test_a_share_before_the_party_is_known_is_not_charged():
    state = {}

    changed = dialogue.merge_entities(state, {"upgrades": {"lobster_tail": "half"}}, text="half of us want lobster")

    assert "upgrades" not in changed and "upgrades" not in state["booking"]


def test_a_number_of_upgrades_replaces_everyone_said_before():
    state = {"booking": {"adults": 25, "upgrades": {"filet_mignon": None}}}

    dialogue.merge_entities(state, {"upgrades": {"filet_mignon": 6}}, text="actually only 6 want the filet")

    assert state["booking"]["upgrades"] == {"filet_mignon": 6}


def test_ten_of_the_adults_third_protein_is_charged_for_ten(business, chat):
    customer = chat()

    result = customer.say("Hi! 24 adults and 6 kids (ages 7 to 11) on Dec 12 at 6pm in 94538. Ten of the adults would "
                          "like a third protein. Everyone else is fine with two.")

    quote = result.conversation.state["booking"]
    assert quote["upgrades"] == {"third_protein": 10}, customer.transcript()
    # 24 x 55 + 6 x 30 + 10 x 10 = 1600
    assert "$1,600" in result.reply.text, customer.transcript()


def test_six_people_asking_for_filet_keeps_the_party_and_charges_six(business, chat):
    customer = chat()

    result = customer.say("Quote please: 25 adults on Dec 12 at 6pm in 94538. Six people on the leadership team "
                          "have asked for the filet mignon.")

    booking = result.conversation.state["booking"]
    assert (booking["adults"], booking["upgrades"]) == (25, {"filet_mignon": 6}), customer.transcript()
    # 25 x 55 + 6 x 5 = 1405
    assert "$1,405" in result.reply.text, customer.transcript()
