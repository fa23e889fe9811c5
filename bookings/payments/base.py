"""The interface every payment provider implements: a deposit link for a booking, and the provider's webhook."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal


class PaymentError(Exception):
    """The provider could not create the link (network, refused request); the message says why."""


class WebhookRefused(Exception):
    """A webhook that must not be acted on: a missing or wrong signature, a stale timestamp, a malformed body."""


@dataclass(frozen=True)
class PaymentLink:
    reference: str  # the provider's id for this payment (a Stripe Checkout Session id)
    url: str  # where the customer pays
    expires_at: object | None = None  # an aware datetime, when the provider gives one


@dataclass(frozen=True)
class PaymentEvent:
    """A verified webhook event: which payment, paid or not, and how much (in dollars)."""

    event_id: str
    reference: str
    paid: bool
    amount: Decimal
    kind: str


class PaymentProvider(ABC):
    """A provider takes deposits. `link()` returns None when it has no online payment (staff mark deposits paid)."""

    online = True

    def __init__(self, *, alias: str):
        self.alias = alias

    @abstractmethod
    def link(self, *, booking, amount: Decimal, idempotency_key: str) -> PaymentLink | None:
        """A page where the customer pays `amount` for `booking` (raise PaymentError when it cannot be made). The same
        `idempotency_key` never makes two payments (a retried request returns the first link)."""

    def webhook_event(self, *, payload: bytes, headers) -> PaymentEvent | None:
        """The verified event in a webhook request, or None for an event type the provider sends that we ignore.
        Raise WebhookRefused for anything unsigned or malformed."""
        raise WebhookRefused(f"The payment provider {self.alias!r} takes no webhooks.")
