import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.providers import get_provider
from agents.providers.hybrid import HybridProvider
from agents.providers.templates import TemplateProvider
from hibachi.settings.base import confidence_thresholds

from .conftest import set_options


def test_default_provider_is_the_one_named_by_ai_provider_and_is_built_once(ai_settings):
    ai_settings.AI_PROVIDER = "hybrid"

    provider = get_provider()

    assert isinstance(provider, HybridProvider) and provider is get_provider("hybrid")
    assert isinstance(provider.student, TemplateProvider) and provider.student is get_provider("templates")


def test_unknown_alias_is_a_configuration_error_naming_the_known_ones(ai_settings):
    with pytest.raises(ImproperlyConfigured, match=r"No model provider 'gpt5'.*known: templates, openai"):
        get_provider("gpt5")


def test_wrong_backend_path_is_a_configuration_error(ai_settings):
    ai_settings.AI_PROVIDERS = {**ai_settings.AI_PROVIDERS, "broken": {"BACKEND": "agents.providers.nope.Nope"}}

    with pytest.raises(ImproperlyConfigured, match=r"AI_PROVIDERS\['broken'\]\['BACKEND'\] must be a dotted path"):
        get_provider("broken")


def test_backend_that_is_not_a_provider_is_a_configuration_error(ai_settings):
    ai_settings.AI_PROVIDERS = {**ai_settings.AI_PROVIDERS, "odd": {"BACKEND": "decimal.Decimal"}}

    with pytest.raises(ImproperlyConfigured, match="is not a ModelProvider"):
        get_provider("odd")


def test_openai_without_an_api_key_says_to_set_openai_api_key(ai_settings):
    set_options(ai_settings, "openai", api_key=None)

    with pytest.raises(ImproperlyConfigured, match="set the OPENAI_API_KEY environment variable"):
        get_provider("openai")


def test_openai_model_without_a_price_is_a_configuration_error(ai_settings):
    set_options(ai_settings, "openai", model="gpt-9-turbo")

    with pytest.raises(ImproperlyConfigured, match=r"No price for model 'gpt-9-turbo': add it to .*AI_MODEL_PRICES"):
        get_provider("openai")


def test_openai_timeout_above_thirty_seconds_is_refused(ai_settings):
    set_options(ai_settings, "openai", timeout=120)

    with pytest.raises(ImproperlyConfigured, match=r"\['timeout'\] must be in \(0, 30\]"):
        get_provider("openai")


def test_unknown_option_is_a_configuration_error(ai_settings):
    set_options(ai_settings, "ollama", temperature=0.2)

    with pytest.raises(ImproperlyConfigured, match=r"AI_PROVIDERS\['ollama'\]\['OPTIONS'\] does not fit"):
        get_provider("ollama")


def test_hybrid_with_the_same_student_and_teacher_is_a_configuration_error(ai_settings):
    set_options(ai_settings, "hybrid", teacher="templates")

    with pytest.raises(ImproperlyConfigured, match="same student and teacher"):
        get_provider("hybrid")


def test_hybrid_cannot_be_built_from_another_hybrid(ai_settings):
    set_options(ai_settings, "hybrid", teacher="hybrid-ollama")

    with pytest.raises(ImproperlyConfigured, match="is itself a hybrid"):
        get_provider("hybrid")


def test_hybrid_whose_teacher_is_misconfigured_fails_when_it_is_built(ai_settings):
    set_options(ai_settings, "openai", api_key="")

    with pytest.raises(ImproperlyConfigured, match="OPENAI_API_KEY"):
        get_provider("hybrid")


@pytest.mark.parametrize("low, high", [(0.8, 0.5), (0.5, 0.5), (-0.1, 0.5), (0.4, 1.2)])
def test_confidence_thresholds_must_satisfy_0_le_low_lt_high_le_1(low, high):
    with pytest.raises(ImproperlyConfigured, match="0 <= LOW < HIGH <= 1"):
        confidence_thresholds(low, high)


def test_valid_confidence_thresholds_are_accepted():
    assert confidence_thresholds(0.4, 0.75) == (0.4, 0.75)
