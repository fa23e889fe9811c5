from datetime import date

import pytest

from bookings.models import Booking
from bookings.selectors import customer_bookings, customer_open_bookings
from bookings.tests.factories import BookingFactory
from conversations.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


def test_open_bookings_are_the_customers_future_live_bookings_soonest_first():
    customer = CustomerFactory()
    later = BookingFactory(customer=customer, event_date=date(2026, 12, 20), status=Booking.Status.QUOTED)
    today = BookingFactory(customer=customer, event_date=TODAY, status=Booking.Status.CONFIRMED)
    BookingFactory(customer=customer, event_date=date(2026, 11, 30), status=Booking.Status.CONFIRMED)  # past
    BookingFactory(customer=customer, event_date=date(2026, 12, 5), status=Booking.Status.CANCELLED)
    BookingFactory(customer=customer, event_date=date(2026, 12, 6), status=Booking.Status.COMPLETED)
    BookingFactory(event_date=date(2026, 12, 7), status=Booking.Status.CONFIRMED)  # another customer's
    assert list(customer_open_bookings(customer=customer, today=TODAY)) == [today, later]


def test_customer_bookings_are_scoped_to_the_customer():
    customer = CustomerFactory()
    own = BookingFactory(customer=customer)
    BookingFactory()
    assert list(customer_bookings(customer=customer)) == [own]
