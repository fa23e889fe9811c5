"""The interface every alert channel implements."""

from __future__ import annotations

from abc import ABC, abstractmethod


class AlertDeliveryError(Exception):
    """The channel could not deliver the alert; the message says why (recorded on the attempt)."""


class AlertChannel(ABC):
    def __init__(self, *, alias: str):
        self.alias = alias

    @abstractmethod
    def send(self, alert) -> None:
        """Deliver `alert` (a monitoring.models.Alert) or raise AlertDeliveryError."""
