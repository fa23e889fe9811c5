"""The demo's teacher: the agent's draft, described and priced as the OpenAI call it stands for."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.providers.calls import model_cost
from agents.providers.chat import chat_messages
from agents.providers.demo_teacher import TOKENS_PER_MESSAGE, DemoTeacherProvider, estimated_tokens

from .conftest import make_request


def test_it_answers_with_the_draft_and_prices_the_prompt_an_openai_provider_would_send():
    request = make_request(tone="casual")
    result = DemoTeacherProvider(alias="demo-teacher", model="gpt-4o").generate(request)

    assert result.text == "20 adults? That's $1,100 all in!" and result.route == "teacher"
    prompt = sum(estimated_tokens(m["content"]) + TOKENS_PER_MESSAGE for m in chat_messages(request))
    assert result.prompt_tokens == prompt > 40          # system prompt with the facts, history, message
    assert result.completion_tokens == estimated_tokens(result.text)
    assert result.cost_usd == model_cost("gpt-4o", prompt, result.completion_tokens) > Decimal("0")
    [attempt] = result.attempts
    assert (attempt["provider"], attempt["model"], attempt["ok"]) == ("demo-teacher", "gpt-4o", True)


def test_without_a_draft_it_fails_like_a_model_that_gave_no_answer():
    result = DemoTeacherProvider().generate(make_request(draft={}))
    assert result.text is None and result.route == "human" and not result.attempts[0]["ok"]


def test_a_model_without_a_price_is_refused():
    with pytest.raises(ImproperlyConfigured, match="No price"):
        DemoTeacherProvider(model="no-such-model")
