"""Pluggable customer memory, chosen in settings.MEMORY_BACKENDS / MEMORY_BACKEND by import string."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import Memory


@lru_cache(maxsize=None)
def get_memory(alias: str | None = None) -> Memory:
    """The memory backend configured under `alias` (settings.MEMORY_BACKEND when None), built once and cached."""
    backends = getattr(settings, "MEMORY_BACKENDS", None) or {}
    alias = alias or getattr(settings, "MEMORY_BACKEND", "postgres")
    config = backends.get(alias)
    if not isinstance(config, dict):
        raise ImproperlyConfigured(
            f"No memory backend {alias!r} in settings.MEMORY_BACKENDS (known: {', '.join(backends) or 'none'}). "
            "Set MEMORY_BACKEND to one of them, or add it (see docs/upgrade-graph-memory.md)."
        )
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(
            f"MEMORY_BACKENDS[{alias!r}]['BACKEND'] must be a dotted path to a Memory class: {exc}"
        ) from exc
    if not (isinstance(backend, type) and issubclass(backend, Memory)):
        raise ImproperlyConfigured(f"MEMORY_BACKENDS[{alias!r}]['BACKEND'] is not a Memory subclass.")
    try:
        return backend(alias=alias, **config.get("OPTIONS", {}))
    except TypeError as exc:
        raise ImproperlyConfigured(f"MEMORY_BACKENDS[{alias!r}]['OPTIONS'] do not fit {config['BACKEND']}: {exc}") from exc


__all__ = ["Memory", "get_memory"]
