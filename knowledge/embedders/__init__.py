"""Pluggable sentence embedders, chosen in settings.EMBEDDERS by import string (like Django's STORAGES)."""

from hibachi.backends import Backends

from .base import Embedder

# get_embedder(alias="default"): the embedder configured under `alias`, built once (the model loads on first use).
get_embedder = Backends(
    "EMBEDDERS", Embedder, noun="embedder", default="default",
    hint="add it, e.g. {'BACKEND': 'knowledge.embedders.local.MiniLMEmbedder', 'OPTIONS': {}}",
)

__all__ = ["Embedder", "get_embedder"]
