"""Pluggable sentence embedders, chosen in settings.EMBEDDERS by import string (like Django's STORAGES)."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import Embedder


@lru_cache(maxsize=None)
def get_embedder(alias: str = "default") -> Embedder:
    config = settings.EMBEDDERS.get(alias)
    if config is None:
        raise ImproperlyConfigured(f"No embedder {alias!r} in settings.EMBEDDERS (known: {', '.join(settings.EMBEDDERS)}).")
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(f"EMBEDDERS[{alias!r}]['BACKEND'] must be a dotted path to an Embedder: {exc}") from exc
    return backend(**config.get("OPTIONS", {}))


__all__ = ["Embedder", "get_embedder"]
