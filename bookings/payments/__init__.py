"""Pluggable payment providers for deposits, chosen in settings.PAYMENT_PROVIDERS by import string (like STORAGES);
PAYMENT_PROVIDER names the one in use ("manual" by default, "stripe" when STRIPE_API_KEY is set)."""

from __future__ import annotations

from hibachi.backends import Backends

from .base import PaymentError, PaymentEvent, PaymentLink, PaymentProvider, WebhookRefused

_providers = Backends(
    "PAYMENT_PROVIDERS", PaymentProvider, noun="payment provider", default="manual",
    default_setting="PAYMENT_PROVIDER",
    hint="add it, e.g. {'BACKEND': 'bookings.payments.stripe_checkout.StripeCheckoutPayments', 'OPTIONS': {...}}",
)


def get_payment_provider(alias: str | None = None) -> PaymentProvider:
    """The provider configured under `alias` (default: settings.PAYMENT_PROVIDER), built once per process."""
    return _providers(alias)


__all__ = ["PaymentError", "PaymentEvent", "PaymentLink", "PaymentProvider", "WebhookRefused", "get_payment_provider"]
