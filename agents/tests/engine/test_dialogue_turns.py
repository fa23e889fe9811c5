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
