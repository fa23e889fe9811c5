import pytest
import time_machine

from agents.engine.surveys import survey_rating, survey_yes_no
from learning.models import SatisfactionSurvey, SurveyRequest
from learning.services.outcomes import survey_request_send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text, expected", [
    ("5", (5, "")), ("4/5", (4, "")), ("five stars", (5, "")), ("3 - the food was a bit cold", (3, "3 - the food was a bit cold")),
    ("I'd give it a 4!", (4, "")),
])
def test_ratings_are_read(text, expected):
    assert survey_rating(text) == expected


@pytest.mark.parametrize("text", ["12 adults please", "can we do 5 adults and 2 kids?", "hello", "10/10"])
def test_other_messages_are_not_ratings(text):
    assert survey_rating(text) is None


def test_a_rating_after_a_survey_is_recorded_and_thanked(business, chat):
    customer = chat()
    first = customer.say("How much for 12 adults?")
    with time_machine.travel(customer.clock, tick=False):
        request = survey_request_send(conversation=first.conversation, trigger=SurveyRequest.Trigger.CLOSED)

    result = customer.say("4 - great chef!")

    survey = SatisfactionSurvey.objects.get()
    assert (survey.rating, survey.comment, survey.conversation) == (4, "4 - great chef!", first.conversation)
    request.refresh_from_db()
    assert request.survey == survey and (survey.understood, survey.tone_ok) == (None, None)   # not asked yet
    assert result.reply.text == "Thank you for your feedback! Did we understand what you needed? Reply yes or no."
    assert result.reply.agent == "survey"


def test_a_number_without_a_pending_survey_goes_to_the_agents(business, chat):
    customer = chat()
    customer.say("How much for 12 adults?")

    result = customer.say("5")

    assert not SatisfactionSurvey.objects.exists()
    assert result.reply.agent != "survey"


def test_a_survey_is_answered_once(business, chat):
    customer = chat()
    first = customer.say("How much for 12 adults?")
    with time_machine.travel(customer.clock, tick=False):
        survey_request_send(conversation=first.conversation, trigger=SurveyRequest.Trigger.CLOSED)
    customer.say("5")

    again = customer.say("3")

    assert SatisfactionSurvey.objects.get().rating == 5
    assert again.reply.agent != "survey"


@pytest.mark.parametrize("text, expected", [
    ("yes", (True, "")), ("Yep!", (True, "")), ("👍", (True, "")), ("no", (False, "")),
    ("Not really, you missed my date", (False, "Not really, you missed my date")), ("nah", (False, "")),
])
def test_yes_and_no_are_read(text, expected):
    assert survey_yes_no(text) == expected


@pytest.mark.parametrize("text", ["no, 12 adults please", "yes and no", "nothing", "how much for 12 adults?"])
def test_other_messages_are_not_yes_or_no(text):
    assert survey_yes_no(text) is None


def test_the_survey_asks_what_it_stores_one_question_at_a_time_on_sms(business, chat):
    customer = chat(channel="sms", external_id="+14155550123", phone="+14155550123")
    first = customer.say("How much for 12 adults?")
    with time_machine.travel(customer.clock, tick=False):
        survey_request_send(conversation=first.conversation, trigger=SurveyRequest.Trigger.CLOSED)

    rated = customer.say("2")
    understood = customer.say("Not really, you missed my date")
    tone = customer.say("yes")

    assert rated.reply.text.startswith("Thank you for your feedback! We're sorry it wasn't better")
    assert rated.reply.text.endswith("Did we understand what you needed? Reply yes or no.")
    assert understood.reply.text == "Thank you! And was the tone of our replies right for you? Reply yes or no."
    assert tone.reply.text == "Thank you for your feedback!"
    assert {r.reply.channel for r in (rated, understood, tone)} == {"sms"}
    survey = SatisfactionSurvey.objects.get()
    assert (survey.rating, survey.understood, survey.tone_ok) == (2, False, True)
    assert survey.comment == "Not really, you missed my date"
    assert customer.say("yes").reply.agent != "survey"   # the survey is complete: back to the agents


def test_a_message_that_does_not_answer_the_question_goes_to_the_agents_and_the_survey_keeps_its_rating(
        business, chat):
    customer = chat()
    first = customer.say("How much for 12 adults?")
    with time_machine.travel(customer.clock, tick=False):
        survey_request_send(conversation=first.conversation, trigger=SurveyRequest.Trigger.CLOSED)
    customer.say("5")

    result = customer.say("How much for 15 adults?")

    assert result.reply.agent == "sales"
    survey = SatisfactionSurvey.objects.get()
    assert (survey.rating, survey.understood, survey.tone_ok) == (5, None, None)
