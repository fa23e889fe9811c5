"""The understand step with an LLM configured: the model's acts and slots (fake OpenAI server on 127.0.0.1) are merged
into the NLU reading saved on the message, after the rules' cross-check."""

import pytest

from agents.engine import pipeline
from agents.providers import _load
from agents.providers.extraction import TOOL_NAME
from agents.tests.fakes import openai_api
from agents.tests.providers.conftest import _clean_cache, ai_settings, fake_ollama, fake_openai  # noqa: F401
from conversations.services import message_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def openai_reads(ai_settings):  # noqa: F811
    ai_settings.AI_PROVIDER = "openai"
    ai_settings.AI_EXTRACTION = True
    ai_settings.CONFIDENCE_THRESHOLD_LOW = 0.1
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def test_the_models_checked_reading_is_merged_into_the_messages_nlu(business, chat, openai_reads,
                                                                     fake_openai):  # noqa: F811
    fake_openai.script(
        openai_api.tool_calls((TOOL_NAME, {"acts": ["request_info", "inform"],
                                           "slots": {"adults": 40, "name": "Priya"}})),
        openai_api.answer("Happy to help with a quote!"),
    )

    result = chat().say("Hi, I'm Priya, how much for 12 adults?")

    result.message.refresh_from_db()
    assert result.message.entities["adults"] == 12     # the invented 40 never replaces the customer's 12
    assert result.message.entities["name"] == "Priya"
    assert fake_openai.requests[0]["json"]["tool_choice"]["function"]["name"] == TOOL_NAME
    assert result.reply.text == "Happy to help with a quote!"


def test_the_understand_step_carries_the_models_acts(business, openai_reads, fake_openai):  # noqa: F811
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["affirm", "inform"], "slots": {}})))
    message, _ = message_receive(channel="web", sender={"external_id": "visitor-acts"},
                                 text="perfect, book it. Priya 650-555-0190")

    understood = pipeline._understand(pipeline._load(message))

    assert understood.nlu["acts"] == ["affirm", "inform"] and understood.nlu["acts_source"] == "openai"


def test_without_extraction_the_model_is_asked_only_for_the_answer(business, chat, openai_reads,
                                                                    fake_openai):  # noqa: F811
    openai_reads.AI_EXTRACTION = False
    fake_openai.script(openai_api.answer("Happy to help with a quote!"))

    result = chat().say("how much for 12 adults?")

    assert fake_openai.hits == 1 and result.reply.text == "Happy to help with a quote!"
