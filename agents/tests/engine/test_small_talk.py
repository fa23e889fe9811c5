"""Short messages that are not questions get a sensible answer, not a hand-over to staff."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["thanks!", "great, thank you so much", "Thanks, that helps! Thanks a lot!"])
def test_thanks_gets_a_youre_welcome(business, chat, text):
    result = chat().say(text)
    assert result.reply.text.startswith("You're welcome!") and not result.escalated


def test_bye_gets_a_goodbye(business, chat):
    result = chat().say("bye")
    assert result.reply.text == "Thank you for chatting with us! Have a great day."


def test_thanks_mid_booking_asks_for_the_next_detail(business, chat):
    customer = chat()
    customer.say("quote for 12 adults please")
    result = customer.say("thanks!")
    assert result.reply.text == "You're welcome! Which date would you like?"


@pytest.mark.parametrize("text", ["ok", "lol", "what?"])
def test_a_message_with_nothing_to_answer_says_what_the_assistant_can_do(business_with_knowledge, chat, text):
    result = chat().say(text)
    assert "I can quote a party, check open dates, book an event" in result.reply.text
    assert not result.escalated


@pytest.mark.parametrize("text, fact, document", [
    ("Can the chef cook indoors?", "never indoors", "Frequently asked questions"),
    ("what proteins can we choose?", "chicken, NY strip steak, shrimp, salmon, scallops or tofu", "Menu"),
    ("is there a vegan option?", "tofu and vegetables", "Dietary needs and allergies"),
    ("what happens if it rains?", "24 hours' notice", "Weather and venue"),
    ("do you bring plates?", "You provide tables, chairs, plates", "What to provide"),
])
def test_policy_and_menu_questions_are_answered_from_the_documents_with_a_citation(business_with_knowledge, chat,
                                                                                    text, fact, document):
    result = chat().say(text)
    assert result.reply.agent == "knowledge" and fact in result.reply.text
    assert result.citations[0]["title"] == document
    assert f"(Source: {document} (v" in result.reply.text


@pytest.mark.parametrize("text", ["hey do yall come out to peoples homes??", "can you come to my place?"])
def test_a_question_the_documents_answer_is_answered_even_when_its_intent_is_unsure(business_with_knowledge, chat,
                                                                                   text):
    result = chat().say(text)
    assert "cooks at your home or venue" in result.reply.text
    assert not result.escalated
