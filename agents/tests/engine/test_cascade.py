"""The hybrid cascade through the whole pipeline, with the teacher on a fake OpenAI server on 127.0.0.1."""

import pytest

from agents.models import ModelCall
from learning.models import TutorPair
from agents.providers import _load
from agents.tests.fakes import openai_api
from agents.tests.providers.conftest import _clean_cache, ai_settings, fake_ollama, fake_openai  # noqa: F401
from conversations.models import Conversation, Escalation

pytestmark = pytest.mark.django_db
QUESTION = "How much for 12 adults?"   # the template student answers it with confidence ~0.8-0.9


@pytest.fixture
def hybrid(ai_settings):  # noqa: F811
    ai_settings.AI_PROVIDER = "hybrid"
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def test_confident_student_answers_alone(business, chat, hybrid, fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.5

    result = chat().say(QUESTION)

    assert result.reply.route == "student" and "$660" in result.reply.text
    assert fake_openai.hits == 0 and not TutorPair.objects.exists()


def test_unsure_student_is_replaced_by_the_teacher_and_the_pair_is_stored(business, chat, hybrid,
                                                                          fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.99
    fake_openai.script(openai_api.answer("12 adults come to $660 in total; travel is free near Fremont."))

    result = chat().say(QUESTION)

    assert (result.reply.route, result.reply.provider) == ("teacher", "openai")
    assert result.reply.text == "12 adults come to $660 in total; travel is free near Fremont."
    pair = TutorPair.objects.get()
    assert pair.inbound_message == result.message and pair.sent == "teacher"
    assert "$660" in pair.student_text
    assert sorted(ModelCall.objects.values_list("provider", flat=True)) == ["openai", "templates"]
    sent_tools = {tool["function"]["name"] for tool in fake_openai.requests[0]["json"]["tools"]}
    assert sent_tools == {"quote", "availability", "customer_lookup", "escalate_to_human"}


def test_teacher_outage_sends_the_students_answer(business, chat, hybrid, fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.99
    fake_openai.script(openai_api.error(500))

    result = chat().say(QUESTION)

    assert result.reply.route == "student" and "$660" in result.reply.text
    assert ModelCall.objects.filter(provider="openai", ok=False).exists()
    assert not result.escalated


def test_below_low_the_customer_goes_to_a_human(business, chat, hybrid, fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_LOW, hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.97, 0.99

    result = chat().say(QUESTION)

    assert result.escalated and result.reply.route == "human"
    assert Escalation.objects.get().reason == "low confidence"
    assert Conversation.objects.get().status == Conversation.Status.WAITING_FOR_HUMAN
    assert fake_openai.hits == 0


def test_the_teacher_can_hand_the_customer_to_staff_with_its_tool(business, chat, hybrid, fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.99
    fake_openai.script(
        openai_api.tool_calls(("escalate_to_human", {"reason": "asks for a corporate discount", "priority": "high"})),
        openai_api.answer("I've asked a member of our team to help with the discount."),
    )

    result = chat().say(QUESTION)

    assert result.escalated
    escalation = Escalation.objects.get()
    assert escalation.reason == "the model asked for a human: asks for a corporate discount"
    assert escalation.priority == "high"


def test_when_both_models_fail_the_customer_goes_to_staff_and_both_failed_calls_are_stored(
        business, chat, hybrid, fake_ollama, fake_openai):  # noqa: F811
    hybrid.AI_PROVIDER = "hybrid-ollama"
    _load.cache_clear()
    fake_ollama.fail(500)
    fake_openai.fail(500)

    result = chat().say(QUESTION)

    assert result.escalated and result.reply.route == "human"
    assert Escalation.objects.get().reason == "student and teacher both failed"
    calls = list(ModelCall.objects.order_by("id"))
    assert [(c.provider, c.ok, c.inbound_message_id) for c in calls] == [
        ("ollama", False, result.message.pk), ("openai", False, result.message.pk)]
    assert not TutorPair.objects.exists()


def test_a_teachers_reply_carries_the_teachers_model_version(business, chat, hybrid, fake_openai):  # noqa: F811
    hybrid.CONFIDENCE_THRESHOLD_HIGH = 0.99
    fake_openai.script(openai_api.answer("12 adults come to $660."))

    result = chat().say(QUESTION)

    assert result.reply.metadata["model_version"] == "gpt-4o-mini"
