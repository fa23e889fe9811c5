"""Stripe Checkout through the official `stripe` library: one Checkout Session per deposit, and the webhook
(`checkout.session.completed`) verified with the endpoint's signing secret.

OPTIONS: `api_key` (sk_...), `webhook_secret` (whsec_...), `success_url` / `cancel_url` (the customer's browser goes
there after paying; `{booking}` is replaced by the booking number), `api_base` (tests: a local fake Stripe server),
`expires_minutes` (30-1440; Stripe's default is 24 h).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import stripe
from django.core.exceptions import ImproperlyConfigured

from .base import PaymentError, PaymentEvent, PaymentLink, PaymentProvider, WebhookRefused

PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAILED_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}


class StripeCheckoutPayments(PaymentProvider):
    def __init__(self, *, alias: str, api_key: str = "", webhook_secret: str = "", success_url: str = "",
                 cancel_url: str = "", api_base: str = "", expires_minutes: int = 24 * 60, currency: str = "usd",
                 timeout: float = 10):
        super().__init__(alias=alias)
        missing = [name for name, value in (("api_key", api_key), ("webhook_secret", webhook_secret),
                                            ("success_url", success_url)) if not value]
        if missing:
            raise ImproperlyConfigured(f"PAYMENT_PROVIDERS[{alias!r}] (Stripe) needs OPTIONS {', '.join(missing)} "
                                       "(STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, PAYMENT_SUCCESS_URL).")
        if not 30 <= int(expires_minutes) <= 24 * 60:
            raise ImproperlyConfigured("Stripe Checkout sessions expire after 30 minutes to 24 hours.")
        self.webhook_secret, self.currency = webhook_secret, currency
        self.success_url, self.cancel_url = success_url, cancel_url or success_url
        self.expires = dt.timedelta(minutes=int(expires_minutes))
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else {},
            http_client=stripe.RequestsClient(timeout=timeout), max_network_retries=2,
        )

    def link(self, *, booking, amount: Decimal, idempotency_key: str) -> PaymentLink:
        expires_at = dt.datetime.now(dt.UTC) + self.expires
        cents = int((Decimal(amount) * 100).to_integral_value())
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {"currency": self.currency, "unit_amount": cents,
                               "product_data": {"name": f"Deposit for hibachi booking #{booking.pk}"}},
            }],
            "client_reference_id": str(booking.pk),
            "metadata": {"booking_id": str(booking.pk)},
            "success_url": self.success_url.replace("{booking}", str(booking.pk)),
            "cancel_url": self.cancel_url.replace("{booking}", str(booking.pk)),
            "expires_at": int(expires_at.timestamp()),
        }
        if getattr(booking.customer, "email", ""):
            params["customer_email"] = booking.customer.email
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe refused the deposit link: {exc.user_message or exc}") from exc
        return PaymentLink(reference=session.id, url=session.url,
                           expires_at=dt.datetime.fromtimestamp(session.expires_at, dt.UTC)
                           if getattr(session, "expires_at", None) else expires_at)

    def webhook_event(self, *, payload: bytes, headers) -> PaymentEvent | None:
        signature = headers.get("Stripe-Signature")
        if not signature:
            raise WebhookRefused("The Stripe-Signature header is missing.")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRefused(f"The Stripe signature does not verify: {exc}") from exc
        except ValueError as exc:
            raise WebhookRefused(f"The body is not a Stripe event: {exc}") from exc
        if event.type not in PAID_EVENTS | FAILED_EVENTS:
            return None
        session = event.data.object.to_dict()
        paid = event.type in PAID_EVENTS and session.get("payment_status") == "paid"
        return PaymentEvent(event_id=event.id, reference=session["id"], paid=paid, kind=event.type,
                            amount=Decimal(session.get("amount_total") or 0) / 100)
