import pytest
import time_machine

from agents.engine.surveys import survey_rating
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
    assert request.survey == survey
    assert result.reply.text == "Thank you for your feedback!" and result.reply.agent == "survey"


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
