"""Providers write nothing; the pipeline's commit step stores what they did with `generation_record`."""

from decimal import Decimal

import pytest

from agents.models import ModelCall
from agents.providers import get_provider
from agents.providers.recording import generation_record
from agents.tests.fakes import openai_api
from conversations.tests.factories import MessageFactory
from learning.models import TutorPair

from .conftest import make_request, quote_tool

pytestmark = pytest.mark.django_db


def request_for(message, **values):
    conversation = message.conversation
    return make_request(inbound_message_id=message.pk, conversation_id=conversation.pk,
                        customer_id=conversation.customer_id, **values)


def test_a_failed_generation_is_recorded_with_every_failed_attempt(ai_settings, fake_ollama, fake_openai):
    fake_ollama.fail(500)
    fake_openai.fail(500)
    request = request_for(MessageFactory(), intent_confidence=0.9)

    result = get_provider("hybrid-ollama").generate(request)
    assert not ModelCall.objects.exists()
    generation_record(request=request, generation=result)

    calls = list(ModelCall.objects.order_by("id"))
    assert [(c.provider, c.route, c.ok) for c in calls] == [("ollama", "student", False), ("openai", "teacher", False)]
    assert all(c.error.startswith("HTTP 500") for c in calls)
    assert all(c.inbound_message_id == request.inbound_message_id for c in calls)
    assert not TutorPair.objects.exists()


def test_tokens_spent_before_a_failure_are_recorded(ai_settings, fake_openai):
    fake_openai.script(openai_api.tool_calls(("get_quote", {"adults": 20}), prompt_tokens=300, completion_tokens=40),
                       openai_api.error(500))
    request = request_for(MessageFactory(), tools=[quote_tool([])])

    generation_record(request=request, generation=get_provider("openai").generate(request))

    call = ModelCall.objects.get()
    assert (call.ok, call.prompt_tokens, call.completion_tokens) == (False, 300, 40)
    assert call.cost_usd == Decimal("0.000069")   # 300 * 0.15 / 1M + 40 * 0.60 / 1M
