"""Dual-write memory for the move to the graph: writes go to both backends, reads come from the primary.

A failed write to the secondary is logged and left for `memory_reconcile` / `memory_migrate` to repair, so that the
graph can never take the product down while it is being introduced."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured

from . import get_memory
from .base import Memory

logger = logging.getLogger(__name__)


class DualMemory(Memory):
    def __init__(self, *, alias: str, primary: str, secondary: str):
        super().__init__(alias=alias)
        if alias in (primary, secondary) or primary == secondary:
            raise ImproperlyConfigured(
                f"MEMORY_BACKENDS[{alias!r}] must name two other backends as 'primary' and 'secondary'."
            )
        self.primary_alias, self.secondary_alias = primary, secondary
        self.secondary_failures = 0

    @property
    def primary(self) -> Memory:
        return get_memory(self.primary_alias)

    @property
    def secondary(self) -> Memory:
        return get_memory(self.secondary_alias)

    def append(self, message) -> None:
        self.primary.append(message)
        try:
            self.secondary.append(message)
        except Exception:
            self.secondary_failures += 1
            logger.exception("Memory %r: writing message %s to %r failed; run memory_reconcile.",
                             self.alias, message.pk, self.secondary_alias)

    def recent(self, customer, limit: int = 20) -> list[dict]:
        return self.primary.recent(customer, limit)

    def context(self, customer) -> dict:
        return self.primary.context(customer)

    def journey(self, customer) -> list[dict]:
        return self.primary.journey(customer)
