"""Pluggable language-model providers, chosen in settings.AI_PROVIDERS by import string (like Django's STORAGES)."""

from django.conf import settings

from hibachi.backends import Backends

from .base import GenerationRequest, GenerationResult, ModelProvider, Tool
from .renamed import current_alias

# The providers by alias, each built once (hibachi.backends: reset when AI_PROVIDERS or AI_MODEL_PRICES change).
_load = Backends(
    "AI_PROVIDERS", ModelProvider, noun="model provider", resets=("AI_PROVIDER", "AI_MODEL_PRICES"),
    hint="set AI_PROVIDER (or the hybrid's AI_STUDENT / AI_TEACHER) to one of them",
)


def get_provider(alias: str | None = None) -> ModelProvider:
    """The configured provider for `alias` (default: settings.AI_PROVIDER), built once per process. A renamed alias
    ("local") still works for one release, as its new name (see `renamed.py`)."""
    return _load(current_alias(alias or settings.AI_PROVIDER))


__all__ = ["GenerationRequest", "GenerationResult", "ModelProvider", "Tool", "get_provider"]
