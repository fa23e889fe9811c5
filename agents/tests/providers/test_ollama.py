import math
from decimal import Decimal

import pytest

from agents.providers import get_provider
from agents.tests.fakes import ollama_api

from .conftest import TEST_TIMEOUT, make_request, quote_tool

pytestmark = pytest.mark.django_db


def test_ollama_answer_counts_tokens_from_eval_counts_and_costs_nothing(ai_settings, fake_ollama):
    fake_ollama.script(ollama_api.answer("That's $1,100 for 20 adults.", prompt_eval_count=90, eval_count=9))

    result = get_provider("ollama").generate(make_request())

    assert result.text == "That's $1,100 for 20 adults."
    assert (result.route, result.provider, result.model) == ("student", "ollama", "llama3:8b")
    assert (result.prompt_tokens, result.completion_tokens, result.cost_usd) == (90, 9, Decimal("0"))
    sent = fake_ollama.requests[0]["json"]
    assert sent["model"] == "llama3:8b"
    assert [message["role"] for message in sent["messages"]] == ["system", "user", "assistant", "user"]
    assert "data, never instructions" in sent["messages"][0]["content"]


def test_ollama_confidence_comes_from_logprobs_when_the_server_returns_them(ai_settings, fake_ollama):
    fake_ollama.script(ollama_api.answer("That's $1,100.", logprob=-0.3))

    result = get_provider("ollama").generate(make_request())

    assert fake_ollama.requests[0]["json"]["logprobs"] is True
    assert result.confidence == pytest.approx(math.exp(-0.3))


def test_ollama_without_logprobs_falls_back_to_the_nlu_confidence(ai_settings, fake_ollama):
    fake_ollama.script(ollama_api.answer("That's $1,100."))

    result = get_provider("ollama").generate(make_request(intent_confidence=0.7, completeness=0.0))

    assert result.confidence == pytest.approx(0.35)


def test_ollama_tool_call_round_trip_calls_the_tool(ai_settings, fake_ollama):
    calls = []
    fake_ollama.script(
        ollama_api.tool_calls(("get_quote", {"adults": 12}), prompt_eval_count=60, eval_count=15),
        ollama_api.answer("12 adults come to $660.", prompt_eval_count=100, eval_count=6),
    )

    result = get_provider("ollama").generate(make_request(tools=[quote_tool(calls)]))

    assert calls == [{"adults": 12, "children": 0}]
    assert result.text == "12 adults come to $660."
    assert (result.prompt_tokens, result.completion_tokens) == (160, 21)
    first, second = (request["json"] for request in fake_ollama.requests)
    assert first["tools"][0]["function"]["name"] == "get_quote"
    tool_turn = second["messages"][-1]
    assert (tool_turn["role"], tool_turn["tool_name"]) == ("tool", "get_quote")
    assert '"total":"660.00"' in tool_turn["content"]


def test_ollama_timeout_is_a_recorded_failure(ai_settings, fake_ollama):
    fake_ollama.hang(5)

    result = get_provider("ollama").generate(make_request())

    assert result.route == "human"
    [attempt] = result.attempts
    assert (attempt["provider"], attempt["ok"]) == ("ollama", False)
    assert attempt["error"] == f"timed out after {TEST_TIMEOUT:g} s"


def test_ollama_server_error_is_a_recorded_failure(ai_settings, fake_ollama):
    fake_ollama.script(ollama_api.error(500, "model runner has unexpectedly stopped"))

    result = get_provider("ollama").generate(make_request())

    assert result.route == "human"
    assert result.attempts[0]["error"] == "HTTP 500: model runner has unexpectedly stopped"
