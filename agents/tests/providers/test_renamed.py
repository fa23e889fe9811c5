"""The template provider's old names ("local", agents.providers.local.LocalProvider) work for one release, with a
warning that says what to write instead."""

import importlib
import logging
import sys

import pytest
from django.core import checks

from agents.providers import get_provider
from agents.providers.renamed import _logged
from agents.providers.templates import TemplateProvider

from .conftest import set_options


def renamed_warnings():
    return [message for message in checks.run_checks() if message.id in {"agents.W001", "agents.W002"}]


def test_the_default_settings_raise_no_warning():
    assert renamed_warnings() == []


def test_the_old_alias_is_the_template_provider_and_is_logged_once(ai_settings, caplog):
    _logged.clear()
    with caplog.at_level(logging.WARNING, logger="agents.providers.renamed"):
        provider = get_provider("local")
        get_provider("local")

    assert provider is get_provider("templates") and isinstance(provider, TemplateProvider)
    assert [record.getMessage() for record in caplog.records] == [
        "The model provider alias 'local' is deprecated: using 'templates'. Set AI_PROVIDER / AI_STUDENT / "
        "AI_TEACHER to 'templates'."
    ]


def test_ai_provider_local_in_the_environment_still_answers_with_a_system_check_warning(ai_settings):
    ai_settings.AI_PROVIDER = "local"

    assert get_provider().alias == "templates"
    [warning] = renamed_warnings()
    assert (warning.id, warning.level) == ("agents.W001", checks.WARNING)
    assert "AI_PROVIDER = 'local' is a deprecated provider alias" in warning.msg
    assert "Set AI_PROVIDER=templates" in warning.hint


def test_a_hybrid_whose_student_is_local_is_warned_about(ai_settings):
    set_options(ai_settings, "hybrid", student="local")

    assert get_provider("hybrid").student is get_provider("templates")
    [warning] = renamed_warnings()
    assert warning.msg.startswith("AI_PROVIDERS['hybrid']['OPTIONS']['student'] = 'local'")
    assert "Set AI_STUDENT=templates" in warning.hint


def test_the_old_dotted_path_still_loads_with_a_deprecation_warning(ai_settings):
    ai_settings.AI_PROVIDERS = {**ai_settings.AI_PROVIDERS,
                                "local": {"BACKEND": "agents.providers.local.LocalProvider", "OPTIONS": {}}}
    sys.modules.pop("agents.providers.local", None)

    with pytest.warns(DeprecationWarning, match="agents.providers.templates.TemplateProvider"):
        provider = get_provider("local")

    assert isinstance(provider, TemplateProvider) and provider.alias == "local"
    assert [warning.id for warning in renamed_warnings()] == ["agents.W002"]
    assert importlib.import_module("agents.providers.local").LocalProvider is TemplateProvider
