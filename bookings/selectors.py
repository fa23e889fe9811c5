"""Reads of the price list, chefs and bookings. Customer data is always scoped by the customer passed in."""

from datetime import date

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
    """The customer's bookings still to happen (from today, Pacific time), neither cancelled nor completed, soonest
    first."""
    today = today or timezone.localdate()
    return (
        Booking.objects.filter(customer=customer, event_date__gte=today)
        .exclude(status__in=[Booking.Status.CANCELLED, Booking.Status.COMPLETED])
        .prefetch_related("chefs")
        .order_by("event_date", "slot")
    )
