"""Pluggable customer memory, chosen in settings.MEMORY_BACKENDS / MEMORY_BACKEND by import string."""

from hibachi.backends import Backends

from .base import Memory

# get_memory(alias=None): the memory backend configured under `alias` (settings.MEMORY_BACKEND when None), built once.
get_memory = Backends(
    "MEMORY_BACKENDS", Memory, noun="memory backend", default_setting="MEMORY_BACKEND", default="postgres",
    hint="set MEMORY_BACKEND to one of them, or add it (see docs/upgrade-graph-memory.md)",
)

__all__ = ["Memory", "get_memory"]
