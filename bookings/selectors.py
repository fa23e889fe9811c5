"""Reads of the price list, chefs and bookings. Customer data is always scoped by the customer passed in."""

from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import Booking, Chef, PriceItem


def price_list() -> QuerySet[PriceItem]:
    return PriceItem.objects.filter(active=True).order_by("kind", "unit_price")


def active_chefs() -> QuerySet[Chef]:
    return Chef.objects.filter(active=True)


def customer_bookings(*, customer) -> QuerySet[Booking]:
    return Booking.objects.filter(customer=customer).order_by("-event_date")


def customer_open_bookings(*, customer, today: date | None = None) -> QuerySet[Booking]:
    """The customer's bookings still to happen (from today, Pacific time), neither cancelled, completed nor released
    (hold expired), soonest first."""
    today = today or timezone.localdate()
    return (
        Booking.objects.filter(customer=customer, event_date__gte=today)
        .exclude(status__in=[Booking.Status.CANCELLED, Booking.Status.COMPLETED, Booking.Status.EXPIRED])
        .prefetch_related("chefs")
        .order_by("event_date", "slot")
    )


def booking_as_dict(booking: Booking) -> dict:
    """The one JSON shape of a booking: the API's responses, the memory backends' context and the engine's tools all
    use it. Dates ISO 8601, money as decimal strings (never floats)."""
    return {
        "id": booking.pk, "event_date": booking.event_date.isoformat(), "slot": booking.slot,
        "adults": booking.adults, "children": booking.children, "children_under_6": booking.children_under_6,
        "guests": booking.guests, "food_total": str(booking.food_total), "travel_fee": str(booking.travel_fee),
        "total": str(booking.total), "status": booking.status,
    }


def booking_hold_text(booking: Booking) -> str:
    """What the customer is told about the hold of an unpaid booking (how long, until when, Pacific time), with a
    leading space to follow a sentence; "" when nothing is held."""
    if booking.hold_expires_at is None or booking.deposit_paid or booking.status not in (
            Booking.Status.INQUIRY, Booking.Status.QUOTED):
        return ""
    until = timezone.localtime(booking.hold_expires_at)
    return (f" We hold the date for you for {settings.BOOKING_HOLD_HOURS:g} hours, until {until:%A, %B} {until.day} "
            f"at {until:%H:%M}; without the deposit by then it is released.")
