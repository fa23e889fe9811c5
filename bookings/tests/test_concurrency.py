"""Two bookings for the same slot at the same time cannot take the same chef (real PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, transaction

from bookings.exceptions import SlotUnavailable
from bookings.models import Booking
from bookings.services import booking_create
from bookings.tests.conftest import EVENT_DATE, NOW
from bookings.tests.factories import ChefFactory
from conversations.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("prices")]


def _race(first_customer, second_customer):
    """The first booking is created and its transaction held open; the second is attempted meanwhile.

    Returns (the second attempt's outcome, whether it was still waiting while the first transaction was open).
    """
    first_booked, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = booking_create(
                    customer=first_customer, event_date=EVENT_DATE, slot="18:00", adults=20, now=NOW
                )
                first_booked.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            outcome["second"] = booking_create(
                customer=second_customer, event_date=EVENT_DATE, slot="18:00", adults=20, now=NOW
            )
        except SlotUnavailable as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert first_booked.wait(10)
    second_thread = threading.Thread(target=second)
    second_thread.start()
    second_thread.join(0.5)
    waited = second_thread.is_alive()
    release.set()
    first_thread.join(10)
    second_thread.join(10)
    return outcome, waited


def test_a_concurrent_booking_waits_and_then_finds_the_only_chef_taken():
    chef = ChefFactory()
    outcome, waited = _race(CustomerFactory(), CustomerFactory())
    assert isinstance(outcome["second"], SlotUnavailable)
    assert outcome["second"].reason == "fully_booked"
    assert [list(b.chefs.all()) for b in Booking.objects.all()] == [[chef]]
    assert waited, "the second booking should wait for the first one's lock on the chefs"


def test_concurrent_bookings_get_different_chefs():
    ana, ben = ChefFactory(name="Ana"), ChefFactory(name="Ben")
    outcome, waited = _race(CustomerFactory(), CustomerFactory())
    assert list(outcome["first"].chefs.all()) == [ana]
    assert list(outcome["second"].chefs.all()) == [ben]
    assert waited
