"""Deposits: a payment link per booking from the configured provider, and recording a payment (webhook or staff),
which confirms the booking under the deposit rule (`booking_confirm`)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, DepositPayment
from bookings.payments import PaymentEvent, get_payment_provider
from bookings.quotes import deposit_amount

from .bookings import booking_confirm

logger = logging.getLogger(__name__)


def deposit_link_get_or_create(*, booking: Booking) -> DepositPayment | None:
    """The booking's open payment link, or a new one from the provider; None when the provider takes no online
    payments (manual) or the booking needs no deposit any more. Raises bookings.payments.PaymentError when the
    provider cannot make one (the booking stands; staff can send a link later)."""
    provider = get_payment_provider()
    if not provider.online or booking.status not in (Booking.Status.INQUIRY, Booking.Status.QUOTED):
        return None
    now = timezone.now()
    with transaction.atomic():
        Booking.objects.select_for_update().filter(pk=booking.pk).first()
        open_link = (DepositPayment.objects.filter(booking=booking, status=DepositPayment.Status.PENDING,
                                                   provider=provider.alias).exclude(url="")
                     .filter(expires_at__gt=now).order_by("-created_at").first())
        if open_link is not None:
            return open_link
        payment = DepositPayment.objects.create(booking=booking, provider=provider.alias, amount=deposit_amount())
    link = provider.link(booking=booking, amount=payment.amount, idempotency_key=f"deposit-payment-{payment.pk}")
    payment.reference, payment.url, payment.expires_at = link.reference, link.url, link.expires_at
    payment.save(update_fields=["reference", "url", "expires_at"])
    return payment


@transaction.atomic
def deposit_event_record(*, event: PaymentEvent) -> DepositPayment | None:
    """A verified provider event: a payment settles its link and confirms the booking; an expiry closes the link.
    Idempotent: an event seen before (a provider's retry or a replay) changes nothing."""
    if DepositPayment.objects.filter(event_id=event.event_id).exists():
        return None
    payment = DepositPayment.objects.select_for_update().filter(reference=event.reference).first()
    if payment is None:
        logger.warning("Payment event %s for an unknown payment %s ignored.", event.event_id, event.reference)
        return None
    if payment.status != DepositPayment.Status.PENDING:
        return payment
    payment.event_id = event.event_id
    if not event.paid:
        payment.status = DepositPayment.Status.EXPIRED
        payment.save(update_fields=["status", "event_id"])
        return payment
    return _paid(payment, amount=event.amount, strict=False)


@transaction.atomic
def deposit_paid_record(*, booking: Booking, amount: Decimal | None = None, user=None) -> DepositPayment:
    """Staff took the deposit outside the provider (cash, check, card by phone): record it and confirm the booking.
    Raises ValidationError when the booking cannot be confirmed (the deposit rule, a past event...)."""
    amount = Decimal(amount) if amount is not None else deposit_amount()
    payment = DepositPayment.objects.create(booking=booking, provider=f"staff:{getattr(user, 'username', '')}"[:40],
                                            amount=amount)
    return _paid(payment, amount=amount, strict=True)


def _paid(payment: DepositPayment, *, amount: Decimal, strict: bool) -> DepositPayment:
    """Mark paid and confirm the booking. `strict` (staff): a booking that cannot be confirmed undoes everything and
    raises. Not strict (a provider's webhook: the money has moved): the payment stays recorded and staff are left to
    settle the booking (the admin lists paid deposits of unconfirmed bookings)."""
    payment.status, payment.paid_at, payment.amount = DepositPayment.Status.PAID, timezone.now(), amount
    payment.save(update_fields=["status", "paid_at", "amount", "event_id"])
    booking = Booking.objects.select_for_update().get(pk=payment.booking_id)
    if booking.status in (Booking.Status.INQUIRY, Booking.Status.QUOTED):
        try:
            booking_confirm(booking=booking, deposit_paid=amount)
        except ValidationError as exc:
            if strict:
                raise
            logger.warning("Deposit for booking %s recorded but the booking was not confirmed: %s", booking.pk,
                           "; ".join(exc.messages))
    return payment
