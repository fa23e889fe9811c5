"""The price guard through the whole pipeline: a language model (the fake OpenAI server on 127.0.0.1) that invents a
price does not reach the customer with it; one that quotes the computed price is sent as written."""

import pytest

from agents.models import ModelCall
from agents.providers import _load
from agents.tests.fakes import openai_api
from agents.tests.providers.conftest import _clean_cache, ai_settings, fake_ollama, fake_openai  # noqa: F401

pytestmark = pytest.mark.django_db
QUESTION = "How much for 12 adults?"   # the price list's quote: $660 in total


@pytest.fixture
def openai_answers(ai_settings):  # noqa: F811
    ai_settings.AI_PROVIDER = "openai"
    ai_settings.CONFIDENCE_THRESHOLD_LOW = 0.1
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def test_an_invented_price_is_replaced_by_the_templates_quote(business, chat, openai_answers, fake_openai):  # noqa: F811
    fake_openai.script(openai_api.answer("Great news: 12 adults come to just $1,299 with a free sake bar!"))

    result = chat().say(QUESTION)

    reply = result.reply
    assert "$1,299" not in reply.text and "$660" in reply.text
    assert result.quote["total"] == "660.00"
    assert reply.metadata["price_guard"] == {"unbacked": ["$1,299"], "replaced": True}
    assert (reply.route, reply.provider, reply.model) == ("teacher", "openai", "gpt-4o-mini")
    assert ModelCall.objects.filter(provider="openai", ok=True).count() == 1   # the model call stays recorded


def test_an_invented_price_in_the_hybrid_teachers_text_is_replaced(business, chat, openai_answers,
                                                                    fake_openai):  # noqa: F811
    openai_answers.AI_PROVIDER, openai_answers.CONFIDENCE_THRESHOLD_HIGH = "hybrid", 0.99
    _load.cache_clear()
    fake_openai.script(openai_api.answer("12 adults: 600 dollars, deposit included."))

    result = chat().say(QUESTION)

    assert (result.reply.route, result.reply.provider) == ("teacher", "openai")
    assert "600 dollars" not in result.reply.text and "$660" in result.reply.text
    assert result.reply.metadata["price_guard"] == {"unbacked": ["600 dollars"], "replaced": True}


def test_the_computed_total_is_sent_as_the_model_wrote_it(business, chat, openai_answers, fake_openai):  # noqa: F811
    text = "Lovely! For 12 adults the total is $660.00, and travel is free near Fremont."
    fake_openai.script(openai_api.answer(text))

    result = chat().say(QUESTION)

    assert result.reply.text == text and result.reply.provider == "openai"
    assert "price_guard" not in result.reply.metadata


def test_a_price_the_model_got_from_the_quote_tool_is_backed(business, chat, openai_answers,
                                                             fake_openai):  # noqa: F811
    fake_openai.script(
        openai_api.tool_calls(("quote", {"adults": 20})),
        openai_api.answer("And for 20 adults it would be $1,100."),
    )

    result = chat().say(QUESTION)

    assert result.reply.text == "And for 20 adults it would be $1,100."
    assert "price_guard" not in result.reply.metadata
