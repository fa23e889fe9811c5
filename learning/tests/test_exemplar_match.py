"""The correction memory's second look: what a customer message asks about, and when two near messages differ."""

import pytest

from learning.exemplar_match import question_terms, same_question


@pytest.mark.parametrize(("first", "second"), [
    ("Are you available on December 12?", "Are you available on December 19?"),
    ("Is sunday the 4th open", "Is there any opening on Sunday the 17th?"),
    ("Can we move the party to 6pm?", "Can we move the party to Sunday?"),
    ("How much does it cost per adult?", "How much does it cost per child?"),
    ("What's the earliest start time?", "What's the latest start time?"),
    ("Do you serve Oakland?", "Do you serve Los Angeles?"),
    ("Do you do gluten free?", "Do you do dairy free?"),
    ("Do you bring the grill?", "Do you bring propane?"),
    ("Can I pay by card?", "Can I pay the deposit in cash?"),
    ("and how much is travel to sacramento", "Do you travel to Sacramento?"),
    ("how long is the party usually, like 2 hrs?", "can the party go longer than 90 min"),
    ("How much for 6 adults, 3 kids aged 2, 8 and 12?", "How much for 14 adults and 3 kids aged 8?"),
])
def test_near_messages_that_ask_about_different_things_are_different_questions(first, second):
    assert not same_question(first, second)


@pytest.mark.parametrize(("first", "second"), [
    ("How much do kids cost?", "what's the price for children?"),
    ("Do kids under 6 eat free?", "are toddlers free?"),
    ("Do you bring the grill?", "does the chef bring his own grill?"),
    ("Is the deposit refundable?", "do I get my deposit back if I cancel?"),
    ("Can we bring our own drinks?", "is it ok if we provide our own beverages?"),
    ("How many guests can one chef handle?", "what's the max party size for one chef?"),   # one side names "max"
])
def test_rewordings_of_one_question_are_the_same_question(first, second):
    assert same_question(first, second)


def test_party_sizes_are_figures_the_reply_refills_not_a_different_question():
    assert same_question("How much would it be for 20 adults?", "how much for 30 adults?")


def test_a_message_is_read_for_its_day_time_place_and_who():
    terms = question_terms("Can you come to Fremont on Dec 19 at 6:30pm for 12 adults and 3 kids aged 4?")
    assert terms["when"] == {"12-19", "18:30"}
    assert terms["where"] == {"Fremont"}
    assert terms["who"] == {"adult", "child", "under_6"}
    assert terms["asks"] == {"other"}
    assert question_terms("how much is the filet upgrade?")["asks"] == {"price"}
