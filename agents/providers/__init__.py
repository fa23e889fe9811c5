"""Pluggable language-model providers, chosen in settings.AI_PROVIDERS by import string (like Django's STORAGES)."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import GenerationRequest, GenerationResult, ModelProvider, Tool
from .renamed import current_alias


def get_provider(alias: str | None = None) -> ModelProvider:
    """The configured provider for `alias` (default: settings.AI_PROVIDER), built once per process. A renamed alias
    ("local") still works for one release, as its new name (see `renamed.py`)."""
    return _load(current_alias(alias or settings.AI_PROVIDER))


@cache
def _load(alias: str) -> ModelProvider:
    config = settings.AI_PROVIDERS.get(alias)
    if config is None:
        raise ImproperlyConfigured(
            f"No model provider {alias!r} in settings.AI_PROVIDERS (known: {', '.join(settings.AI_PROVIDERS)}); "
            "set AI_PROVIDER (or the hybrid's AI_STUDENT / AI_TEACHER) to one of them."
        )
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(
            f"AI_PROVIDERS[{alias!r}]['BACKEND'] must be a dotted path to a ModelProvider class, "
            f"e.g. 'agents.providers.templates.TemplateProvider': {exc}"
        ) from exc
    if not (isinstance(backend, type) and issubclass(backend, ModelProvider)):
        raise ImproperlyConfigured(
            f"AI_PROVIDERS[{alias!r}]['BACKEND'] = {config['BACKEND']!r} is not a ModelProvider subclass."
        )
    try:
        return backend(alias=alias, **config.get("OPTIONS", {}))
    except TypeError as exc:
        raise ImproperlyConfigured(
            f"AI_PROVIDERS[{alias!r}]['OPTIONS'] does not fit {config['BACKEND']}: {exc}"
        ) from exc


@receiver(setting_changed)
def _forget_providers(*, setting, **kwargs):
    if setting in {"AI_PROVIDERS", "AI_PROVIDER", "AI_MODEL_PRICES"}:
        _load.cache_clear()


__all__ = ["GenerationRequest", "GenerationResult", "ModelProvider", "Tool", "get_provider"]
