"""Issue 12's engine side: a yes with new details books in the same turn, the question just asked reads the short
answer, only the customer's own contact is adopted, a head count that includes the children, and the reply's tone
follows the conversation."""

from decimal import Decimal

import pytest

from agents.engine import dialogue
from agents.engine.tone import conversation_tone
from bookings.models import Booking

pytestmark = pytest.mark.django_db

NAME_QUESTION = dialogue.QUESTIONS["name"]


def test_yes_with_name_and_contact_books_in_the_same_turn(business, chat):
    customer = chat()
    customer.say("How much for 12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct?")

    result = customer.say("ok book it, my name is Priya Nair, priya@example.com, 650-555-0190")

    assert result.booking is not None and result.booking.total == Decimal("660.00"), customer.transcript()
    assert "You're booked" in result.reply.text


def test_yes_after_the_summary_with_new_contact_books_in_the_same_turn(business, chat):
    customer = chat(name="Lena Park")
    customer.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct")
    assert "Shall I book it?" in customer.say("my email is lena@example.com").reply.text

    result = customer.say("perfect, book it. 510-555-0101")

    assert result.booking is not None and result.booking.total == Decimal("660.00"), customer.transcript()


def test_yes_with_details_that_change_the_total_shows_it_once_and_the_next_yes_books(business, chat):
    customer = chat(name="Lena Park", email="lena@example.com")
    customer.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct")

    changed = customer.say("yes book it, and add 2 orders of gyoza")
    booked = customer.say("yes")

    assert changed.booking is None and "$684" in changed.reply.text, customer.transcript()
    assert booked.booking is not None and booked.booking.total == Decimal("684.00")


def test_a_yes_before_the_last_detail_books_when_that_detail_comes(business, chat):
    customer = chat()
    customer.say("How much for 12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct?")
    assert NAME_QUESTION in customer.say("sounds good, let's book").reply.text

    result = customer.say("Lena Park, lena@example.com")

    assert result.booking is not None and result.booking.total == Decimal("660.00"), customer.transcript()


def test_a_price_question_is_never_a_yes(business, chat):
    customer = chat(name="Lena Park", email="lena@example.com")
    customer.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct")

    result = customer.say("ok, and how much is the deposit?")

    assert result.booking is None and not Booking.objects.exists()


def test_details_without_a_yes_to_a_shown_total_are_not_booked(business, chat):
    result = chat().say("ok so 12 adults Dec 12 6pm 94538, 4410 Rosewood Ct, I'm Lena Park, lena@example.com")

    assert result.booking is None and "Shall I book it?" in result.reply.text


def test_the_name_question_takes_a_bare_name(business, chat):
    customer = chat()
    customer.say("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct")
    assert customer.last.conversation.state["asked"] == "name"

    result = customer.say("lena park")

    state = result.conversation.state
    assert state["booking"]["name"] == "Lena Park"
    assert NAME_QUESTION not in result.reply.text and state["asked"] == "contact"


def test_the_guest_question_takes_a_bare_number(business, chat):
    customer = chat()
    assert customer.say("hi, we'd like a hibachi party").conversation.state["asked"] == "adults"

    result = customer.say("12")

    assert result.conversation.state["booking"]["adults"] == 12
    assert "$660" in result.reply.text


def test_the_start_time_question_takes_a_bare_hour(business, chat):
    customer = chat()
    customer.say("12 adults on Dec 12 in 94538, at 4410 Rosewood Ct")
    customer.say("Lena Park, lena@example.com")   # everything but the start time
    state = customer.last.conversation.state
    assert state["asked"] == "slot"

    result = customer.say("6")

    assert result.conversation.state["booking"]["slot"] == "18:00"


def test_only_the_customers_own_contact_is_adopted():
    state = {}
    entities = {"phone": "+15105559999", "other_contacts": [{"name": "Mike", "phone": "+16505551234"}]}

    dialogue.merge_entities(state, entities, text="Mike 650-555-1234 is my brother, mine is 510-555-9999")

    assert state["booking"]["phone"] == "+15105559999"


def test_a_head_count_that_includes_the_children_keeps_the_adults():
    state = {"booking": {"adults": 20, "children": 5}}

    changed = dialogue.merge_entities(state, {"guests": 25}, text="25 for everybody, kids included")

    assert state["booking"]["adults"] == 20 and "adults" not in changed


def test_a_head_count_flagged_as_including_children_subtracts_them():
    state = {}

    dialogue.merge_entities(state, {"guests": 25, "children": 5, "guests_includes_children": True},
                            text="25 of us, 5 of them kids")

    assert state["booking"]["adults"] == 20 and state["booking"]["children"] == 5


def test_the_tone_follows_the_conversation_not_one_neutral_message():
    state = {}
    tones = [conversation_tone(state, tone) for tone in ("casual", "casual", "direct", "casual")]

    assert tones == ["casual", "casual", "casual", "casual"]


def test_the_tone_changes_when_the_customer_keeps_changing_it():
    state = {}
    tones = [conversation_tone(state, tone) for tone in ("casual", "formal", "formal")]

    assert tones[-1] == "formal"


def test_a_neutral_message_among_friendly_ones_is_answered_in_the_friendly_tone(business, chat, monkeypatch):
    from agents.engine import pipeline
    from nlu.parser import NLUResult

    real_parse = pipeline.nlu.parse
    message_tones = iter(["casual", "casual", "formal"])

    def parse(text, **kwargs):
        result = real_parse(text, **kwargs)
        return NLUResult(**{**result.to_dict(), "tone": next(message_tones)})

    monkeypatch.setattr(pipeline.nlu, "parse", parse)
    customer = chat()
    customer.say("hey! 12 adults on Dec 12 at 6pm")
    customer.say("94538 :)")

    result = customer.say("My name is Lena Park.")

    assert result.reply.text.startswith("Sure thing!"), customer.transcript()
    assert result.message.tone == "formal"   # the message keeps its own reading


def test_the_acts_decide_yes_and_no_when_the_nlu_gives_them():
    assert dialogue.is_affirm("great, book it please", acts=["affirm"])
    assert not dialogue.is_affirm("ok", acts=["request_info"])
    assert dialogue.is_deny("hmm", acts=["deny"])


def test_without_acts_a_yes_that_asks_a_question_is_no_yes():
    assert dialogue.is_affirm("yes please book it")
    assert not dialogue.is_affirm("ok, what's the deposit?")
    assert dialogue.is_affirm("ok can you book it?")


def test_agreeing_to_a_detail_is_not_asking_to_book():
    assert not dialogue.asks_to_book("ok 6pm then")
    assert not dialogue.asks_to_book("ok 6pm then", acts=["affirm", "inform"])
    assert dialogue.asks_to_book("sounds good", acts=["affirm"])
    assert dialogue.asks_to_book("sounds good, let's book")


def test_the_street_address_given_is_kept_on_the_booking(business, chat, monkeypatch):
    from agents.engine import pipeline
    from nlu.parser import NLUResult

    real_parse = pipeline.nlu.parse

    def parse(text, **kwargs):
        result = real_parse(text, **kwargs)
        if "Oak" in text:   # what the entity extractor gives for a street address
            result = NLUResult(**{**result.to_dict(), "entities": {**result.entities,
                                                                   "street_address": "12 Oak St"}})
        return result

    monkeypatch.setattr(pipeline.nlu, "parse", parse)
    customer = chat(name="Lena Park", email="lena@example.com")
    customer.say("12 adults on Dec 12 at 6pm in 94538, at 12 Oak St")

    result = customer.say("yes")

    assert result.booking.address == "12 Oak St"


def test_the_yes_no_questions_are_not_passed_to_the_extractor_as_a_slot(business, chat, monkeypatch):
    from agents.engine import pipeline

    seen = []
    real_parse = pipeline.nlu.parse

    def parse(text, **kwargs):
        seen.append(kwargs.get("expected"))
        return real_parse(text, **kwargs)

    monkeypatch.setattr(pipeline.nlu, "parse", parse)
    customer = chat(name="Lena Park", email="lena@example.com")
    customer.say("12 adults on Dec 12 in 94538, at 4410 Rosewood Ct")
    customer.say("6pm")
    customer.say("yes")

    assert seen == [None, "slot", None]


def test_a_yes_after_the_name_question_is_not_taken_for_a_name():
    assert dialogue.extract_name("yesss book it 🥳", expected="name") is None
    assert dialogue.extract_name("ok sounds good", expected="name") is None
    assert dialogue.extract_name("Tia Brooks 📧 tia.brooks@example.com", expected="name") == "Tia Brooks"
    assert dialogue.extract_name("name's Bill Park", expected="name") == "Bill Park"


def test_a_date_after_the_name_question_is_not_taken_for_a_name():
    state = {}

    dialogue.merge_entities(state, {"date": "2026-12-12"}, text="Dec 12", expected="name")

    assert "name" not in state["booking"]


def test_kids_included_said_after_a_head_count_takes_the_kids_out_of_it():
    state = {}
    dialogue.merge_entities(state, {"guests": 25}, text="25 people")
    dialogue.merge_entities(state, {"children": 5}, text="5 of them are kids aged 8")

    dialogue.merge_entities(state, {"guests_includes_children": True}, text="for everybody, kids included")

    assert state["booking"]["adults"] == 20 and state["booking"]["children"] == 5


# --- kids' ages said after the kids were counted, a head count corrected without a noun ----------------------------

KIDS_BY_AGE = {"adults": 1, "adults_by_age": 1, "children": 1, "children_under_6": 1}   # "kids r 13, 11 and 5"


def test_kids_ages_said_later_split_the_kids_counted_before():
    state = {"booking": {"adults": 8, "children": 3}}

    dialogue.merge_entities(state, KIDS_BY_AGE, text="kids r 13, 11 and 5")

    assert state["booking"] == {"adults": 9, "children": 1, "children_under_6": 1}


def test_the_same_kids_ages_said_twice_count_the_teen_once():
    state = {"booking": {"adults": 8, "children": 3}}
    dialogue.merge_entities(state, KIDS_BY_AGE, text="kids r 13, 11 and 5")

    changed = dialogue.merge_entities(state, KIDS_BY_AGE, text="kids are 13, 11 and 5")

    assert state["booking"] == {"adults": 9, "children": 1, "children_under_6": 1} and changed == []


def test_kids_ages_all_13_or_over_leave_no_children():
    state = {"booking": {"adults": 8, "children": 2}}

    dialogue.merge_entities(state, {"adults": 2, "adults_by_age": 2}, text="the kids are 13 and 15")

    assert state["booking"] == {"adults": 10, "children": 0, "children_under_6": 0}


def test_a_teen_who_is_not_one_of_the_kids_counted_joins_the_adults():
    state = {"booking": {"adults": 10, "children": 2}}

    dialogue.merge_entities(state, {"adults": 1, "adults_by_age": 1}, text="oh and my son is 14")

    assert state["booking"] == {"adults": 11, "children": 2}


def test_an_adult_count_with_no_ages_replaces_the_adults_and_forgets_the_teens():
    state = {"booking": {"adults": 8, "children": 3}}
    dialogue.merge_entities(state, KIDS_BY_AGE, text="kids r 13, 11 and 5")

    dialogue.merge_entities(state, {"adults": 12, "correction": True}, text="actually 12 adults")

    assert state["booking"]["adults"] == 12 and "adults_by_age" not in state


def test_an_adult_count_with_a_teen_in_one_message_is_taken_as_said():
    state = {"booking": {"adults": 4}}

    dialogue.merge_entities(state, {"adults": 11, "adults_by_age": 1, "children": 1},
                            text="10 adults plus my 2 nephews, they're 13 and 9")

    assert state["booking"] == {"adults": 11, "children": 1}


def test_kids_ages_said_in_a_later_message_reach_the_booking(business, chat):
    customer = chat(channel="sms", phone="+15105550211")
    customer.say("need hibachi fri nov 20 6pm")
    customer.say("8 grownups n 3 kids")

    result = customer.say("kids r 13, 11 and 5")

    booking = result.conversation.state["booking"]
    assert (booking["adults"], booking["children"], booking["children_under_6"]) == (9, 1, 1), customer.transcript()


def test_a_head_count_corrected_without_a_noun_replaces_the_adults(business, chat):
    customer = chat(channel="sms", phone="+14085550122")
    customer.say("hey looking to book hibachi for 10 ppl")
    customer.say("wait make that 16 my bf just told me his brothers r coming lol")

    result = customer.say("ya all adults")

    assert result.conversation.state["booking"]["adults"] == 16, customer.transcript()
    assert result.conversation.state["booking"]["children"] == 0


# --- session 12: the outside conversations' categories (phrased anew) -----------------------------------------------


def test_a_day_of_the_month_alone_restates_the_date_in_the_booking():
    from agents.engine.dialogue import date_meant

    assert date_meant("2026-12-19", "2026-11-19", "yes, book it for the 19th") == "2026-12-19"


def test_a_date_that_names_its_month_replaces_the_date_in_the_booking():
    from agents.engine.dialogue import date_meant

    assert date_meant("2026-12-19", "2026-11-19", "make it november 19 instead") == "2026-11-19"


@pytest.mark.parametrize("text", ["yes the total works, the address is 12 elm st", "that price is fine, 12 elm st"])
def test_agreeing_to_the_total_with_the_last_detail_asks_to_book(text):
    from agents.engine.dialogue import asks_to_book

    assert asks_to_book(text, acts=["affirm", "inform"], gave_details=True)


def test_a_yes_to_a_detail_does_not_ask_to_book():
    from agents.engine.dialogue import asks_to_book

    assert not asks_to_book("ok 6pm then", acts=["affirm", "inform"], gave_details=True)


def test_an_unclear_message_in_the_booking_flow_is_asked_again_once_and_counted(business, chat):
    from agents.engine import dialogue
    from agents.engine.specialists.sales import UNCLEAR_ASKED_AGAIN, SalesAgent

    customer = chat()
    customer.say("How much for 12 adults on Dec 12 at 6pm in 94538?")

    first = customer.say("hmm lol")
    assert not first.escalated and dialogue.QUESTIONS["street_address"] in first.reply.text, customer.transcript()
    assert first.conversation.state["unclear_in_a_row"] == 1
    second = customer.say("ugh whatever lol")
    assert second.conversation.state["unclear_in_a_row"] == 2
    answered = customer.say("its 4410 rosewood ct")
    assert "unclear_in_a_row" not in answered.conversation.state

    class Ctx:   # the understanding given: enough to ask again the first time, none (the NLU's own) the second
        changed = []
        state = {"stage": "collecting"}
        message = type("M", (), {"text": "hmm lol"})

    assert SalesAgent._understanding(Ctx) == UNCLEAR_ASKED_AGAIN and SalesAgent._understanding(Ctx) is None


@pytest.mark.parametrize("text", ["Last name is Kowalczyk. K, O, W, A, L, C, Z, Y, K.", "that's J-A-N-S-E-N, Jansen"])
def test_a_name_spelt_out_letter_by_letter_is_no_yes_whatever_the_acts_say(text):
    from agents.engine.dialogue import asks_to_book, is_affirm

    assert not is_affirm(text, acts=["affirm", "inform"])
    assert not asks_to_book(text, acts=["affirm"])


def test_a_yes_beside_a_spelt_out_name_is_still_a_yes():
    from agents.engine.dialogue import is_affirm

    assert is_affirm("yes book it, that's R-O-S-S", acts=["affirm", "inform"])
