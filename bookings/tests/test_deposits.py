"""Deposits (issue 16, item 3): a payment link per booking from the configured provider (Stripe Checkout through
the official client, against a fake Stripe on 127.0.0.1), the signed webhook confirming the booking, and the manual
default where staff mark the deposit paid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import Booking, DepositPayment
from bookings.payments import get_payment_provider
from bookings.services import booking_create, deposit_link_get_or_create, deposit_paid_record
from bookings.tests.factories import ChefFactory
from bookings.tests.fake_stripe import FakeStripe
from conversations.tests.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("prices")


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.PAYMENT_PROVIDERS = {
            "manual": {"BACKEND": "bookings.payments.manual.ManualPayments"},
            "stripe": {"BACKEND": "bookings.payments.stripe_checkout.StripeCheckoutPayments", "OPTIONS": {
                "api_key": fake.api_key, "webhook_secret": fake.webhook_secret, "api_base": fake.url,
                "success_url": "https://myhibachi.example/paid/{booking}", "timeout": 5}},
        }
        settings.PAYMENT_PROVIDER = "stripe"
        yield fake


@pytest.fixture
def booking():
    ChefFactory(name="Kenji")
    day = dt.date.today() + dt.timedelta(days=20)
    return booking_create(customer=CustomerFactory(email="lena@example.com"), event_date=day, slot="18:00",
                          adults=12, zip_code="95113")


def _post_webhook(client, payload, signature):
    return client.post(reverse("payment-webhook", args=["stripe"]), data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)


def test_a_deposit_link_is_a_stripe_checkout_session_for_the_deposit(fake_stripe, booking):
    payment = deposit_link_get_or_create(booking=booking)

    assert payment.url.startswith(f"{fake_stripe.url}/c/pay/cs_test_") and payment.reference.startswith("cs_test_")
    request = fake_stripe.requests[-1]
    params = request["params"]
    assert params["line_items"]["0"]["price_data"]["unit_amount"] == "10000"  # the handbook's $100 deposit
    assert params["client_reference_id"] == str(booking.pk) and params["customer_email"] == "lena@example.com"
    assert params["success_url"] == f"https://myhibachi.example/paid/{booking.pk}"
    assert request["headers"]["Idempotency-Key"] == f"deposit-payment-{payment.pk}"
    assert payment.amount == Decimal("100.00") and payment.status == "pending"


def test_an_open_link_is_reused_not_made_again(fake_stripe, booking):
    first = deposit_link_get_or_create(booking=booking)
    assert deposit_link_get_or_create(booking=booking) == first
    assert len(fake_stripe.requests) == 1


def test_the_signed_webhook_marks_the_deposit_paid_and_confirms_the_booking(fake_stripe, booking, client):
    payment = deposit_link_get_or_create(booking=booking)
    payload, signature = fake_stripe.event_for(payment.reference)

    response = _post_webhook(client, payload, signature)

    assert response.status_code == 200 and response.json()["status"] == "paid"
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.deposit_paid == Decimal("100.00")
    assert booking.confirmed_at is not None and payment.paid_at is not None


def test_a_forged_webhook_changes_nothing(fake_stripe, booking, client):
    payment = deposit_link_get_or_create(booking=booking)
    payload, signature = fake_stripe.event_for(payment.reference, secret="whsec_attacker")
    response = _post_webhook(client, payload, signature)
    assert response.status_code == 400 and "signature" in response.json()["detail"].lower()
    assert _post_webhook(client, payload, "").status_code == 400
    booking.refresh_from_db()
    assert booking.status == Booking.Status.QUOTED
    assert DepositPayment.objects.get().status == "pending"


def test_a_stale_signed_webhook_is_refused(fake_stripe, booking, client):
    payment = deposit_link_get_or_create(booking=booking)
    payload, signature = fake_stripe.event_for(payment.reference, timestamp=int(dt.datetime.now().timestamp()) - 3600)
    assert _post_webhook(client, payload, signature).status_code == 400
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.QUOTED


def test_a_replayed_webhook_changes_nothing_the_second_time(fake_stripe, booking, client):
    payment = deposit_link_get_or_create(booking=booking)
    payload, signature = fake_stripe.event_for(payment.reference)
    _post_webhook(client, payload, signature)
    second = _post_webhook(client, payload, signature)
    assert second.status_code == 200 and second.json()["handled"] is False
    assert DepositPayment.objects.filter(status="paid").count() == 1


def test_an_expired_session_closes_the_link_and_a_new_one_is_made(fake_stripe, booking, client):
    payment = deposit_link_get_or_create(booking=booking)
    payload, signature = fake_stripe.event_for(payment.reference, kind="checkout.session.expired", paid=False)
    assert _post_webhook(client, payload, signature).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "expired"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.QUOTED
    assert deposit_link_get_or_create(booking=booking) != payment


def test_a_payment_for_a_booking_that_cannot_be_confirmed_is_still_recorded(fake_stripe, booking, client):
    """The money moved: the payment stays recorded for staff to settle, the webhook is acknowledged (no retries)."""
    payment = deposit_link_get_or_create(booking=booking)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    payload, signature = fake_stripe.event_for(payment.reference)
    assert _post_webhook(client, payload, signature).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "paid" and Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_stripe_refusing_is_a_payment_error_and_leaves_no_link(fake_stripe, booking):
    from bookings.payments import PaymentError

    fake_stripe.failing = 400
    with pytest.raises(PaymentError):
        deposit_link_get_or_create(booking=booking)
    assert not DepositPayment.objects.exclude(url="").exists()


def test_the_manual_provider_makes_no_link_and_staff_confirm_with_the_deposit(booking, admin_client):
    assert get_payment_provider().alias == "manual"
    assert deposit_link_get_or_create(booking=booking) is None

    admin_client.post(reverse("admin:bookings_booking_changelist"),
                      {"action": "mark_deposit_paid", "_selected_action": [booking.pk]})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.deposit_paid == Decimal("100.00")
    assert DepositPayment.objects.get(booking=booking).provider == "staff:admin"


def test_staff_cannot_confirm_a_booking_of_a_past_event(booking):
    from django.core.exceptions import ValidationError

    Booking.objects.filter(pk=booking.pk).update(event_date=dt.date.today() - dt.timedelta(days=1))
    booking.refresh_from_db()
    with pytest.raises(ValidationError):
        deposit_paid_record(booking=booking)
    assert not DepositPayment.objects.exists()


def test_a_webhook_for_an_unconfigured_provider_is_a_404(client):
    assert client.post(reverse("payment-webhook", args=["paypal"]), data=b"{}",
                       content_type="application/json").status_code == 404
