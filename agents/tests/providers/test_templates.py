from decimal import Decimal

import pytest

from agents.models import ModelCall
from agents.providers import get_provider

from .conftest import make_request

pytestmark = pytest.mark.django_db


def test_templates_renders_the_draft_for_the_customers_tone(ai_settings):
    result = get_provider("templates").generate(make_request(tone="casual"))

    assert result.text == "20 adults? That's $1,100 all in!"
    assert (result.route, result.provider, result.model) == ("student", "templates", "templates-v1")
    assert (result.prompt_tokens, result.completion_tokens, result.cost_usd) == (0, 0, Decimal("0"))
    assert result.latency_ms >= 0


def test_templates_falls_back_to_the_default_draft_for_a_tone_without_one(ai_settings):
    result = get_provider("templates").generate(make_request(tone="formal"))

    assert result.text == "For 20 adults the total is $1,100."


def test_templates_confidence_is_intent_confidence_scaled_by_completeness(ai_settings):
    provider = get_provider("templates")

    assert provider.generate(make_request(intent_confidence=0.8, completeness=1.0)).confidence == pytest.approx(0.8)
    assert provider.generate(make_request(intent_confidence=0.8, completeness=0.5)).confidence == pytest.approx(0.6)
    assert provider.generate(make_request(intent_confidence=0.8, completeness=0.0)).confidence == pytest.approx(0.4)


def test_templates_with_an_empty_draft_hands_over_to_a_human_with_the_failed_attempt(ai_settings):
    result = get_provider("templates").generate(make_request(draft={"default": ""}))

    assert (result.text, result.route) == (None, "human")
    assert "draft has no" in result.escalation_reason
    attempt = result.attempts[0]
    assert (attempt["provider"], attempt["ok"], attempt["route"]) == ("templates", False, "student")
    assert "draft has no" in attempt["error"]
    assert not ModelCall.objects.exists()   # stored by the pipeline's commit step, with the reply


def test_templates_is_the_default_provider_and_renders_drafts(settings):
    provider = get_provider()

    assert settings.AI_PROVIDER == "templates" and provider.alias == "templates"
    assert provider.renders_drafts and not provider.reads_facts
