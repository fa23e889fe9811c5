"""Holds that expire (issue 14 point 2): an unpaid inquiry or quote holds its chef for BOOKING_HOLD_HOURS, then stops
counting for availability and is released by beat, unless the deposit is paid or staff extend it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.availability import slot_is_available
from bookings.exceptions import SlotUnavailable
from bookings.models import Booking
from bookings.selectors import booking_hold_text
from bookings.services import (
    booking_confirm,
    booking_create,
    booking_hold_extend,
    booking_holds_release,
)
from bookings.tests.conftest import EVENT_DATE, NOW
from bookings.tests.factories import ChefFactory
from conversations.tests.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("prices")


@pytest.fixture
def ana():
    return ChefFactory(name="Ana")


def _quote(now=NOW, **overrides):
    values = {"customer": CustomerFactory(), "event_date": EVENT_DATE, "slot": "18:00", "adults": 20,
              "zip_code": "95113", "now": now}
    return booking_create(**{**values, **overrides})


def test_a_quote_holds_its_chef_for_the_configured_hours(settings, ana):
    settings.BOOKING_HOLD_HOURS = 6
    booking = _quote()
    assert booking.hold_expires_at == NOW + timedelta(hours=6)
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=20, now=NOW + timedelta(hours=5))


def test_a_lapsed_hold_no_longer_counts_for_availability(ana):
    _quote()
    assert slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=20, now=NOW + timedelta(hours=24, seconds=1))


def test_a_lapsed_hold_frees_the_chef_for_the_next_customer(ana):
    _quote()
    later = _quote(now=NOW + timedelta(hours=25))
    assert list(later.chefs.all()) == [ana]


def test_a_paid_deposit_keeps_the_hold(ana):
    booking = _quote()
    Booking.objects.filter(pk=booking.pk).update(deposit_paid=Decimal("100"))
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=20, now=NOW + timedelta(hours=30))
    assert booking_holds_release(now=NOW + timedelta(hours=30)) == 0


def test_an_open_payment_link_keeps_the_hold(ana):
    from bookings.models import DepositPayment

    booking = _quote()
    DepositPayment.objects.create(booking=booking, provider="stripe", amount=Decimal("100"),
                                  expires_at=NOW + timedelta(hours=30))
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=20, now=NOW + timedelta(hours=25))
    assert booking_holds_release(now=NOW + timedelta(hours=25)) == 0
    assert booking_holds_release(now=NOW + timedelta(hours=31)) == 1


def test_the_release_job_expires_only_lapsed_unpaid_holds(ana):
    lapsed = _quote()
    ChefFactory(name="Ben")
    fresh = _quote(now=NOW + timedelta(hours=20))
    released = booking_holds_release(now=NOW + timedelta(hours=25))
    assert released == 1
    lapsed.refresh_from_db()
    fresh.refresh_from_db()
    assert (lapsed.status, fresh.status) == (Booking.Status.EXPIRED, Booking.Status.QUOTED)


def test_the_release_job_runs_from_beat(settings):
    job = settings.HIBACHI_BEAT_SCHEDULE["bookings-release-expired-holds"]
    assert job["task"] == "bookings.tasks.release_expired_holds"
    from bookings.tasks import release_expired_holds

    assert release_expired_holds.name == job["task"]


def test_staff_extend_a_hold_from_its_expiry(settings, ana):
    settings.BOOKING_HOLD_HOURS = 24
    booking = _quote()
    booking_hold_extend(booking=booking, now=NOW + timedelta(hours=2))
    assert booking.hold_expires_at == NOW + timedelta(hours=48)
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=20, now=NOW + timedelta(hours=30))


def test_a_released_hold_cannot_be_extended(ana):
    booking = _quote()
    booking_holds_release(now=NOW + timedelta(hours=25))
    with pytest.raises(ValidationError, match="expired"):
        booking_hold_extend(booking=booking, now=NOW + timedelta(hours=26))


def test_confirming_a_lapsed_quote_whose_chef_was_taken_is_refused(ana):
    first = _quote()
    _quote(now=NOW + timedelta(hours=25))   # the chef went to the next customer
    with pytest.raises(SlotUnavailable):
        booking_confirm(booking=first, now=NOW + timedelta(hours=26))


def test_the_customer_is_told_how_long_the_date_is_held(settings, ana):
    settings.BOOKING_HOLD_HOURS = 24
    text = booking_hold_text(_quote())
    assert text == " We hold the date for you for 24 hours, until Wednesday, December 2 at 09:00; without the " \
                   "deposit by then it is released."


def test_the_admin_extends_holds_by_post_only(staff_client, ana):
    booking = _quote()
    url = reverse("admin:bookings_booking_changelist")
    staff_client.get(url, {"action": "extend_hold", "_selected_action": [booking.pk]})
    booking.refresh_from_db()
    assert booking.hold_expires_at == NOW + timedelta(hours=24)   # a GET changes nothing

    response = staff_client.post(url, {"action": "extend_hold", "_selected_action": [booking.pk]}, follow=True)
    booking.refresh_from_db()
    assert booking.hold_expires_at > NOW + timedelta(hours=24)
    assert "1 hold(s) extended" in response.content.decode()
