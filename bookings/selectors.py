"""Reads of the price list, chefs and bookings."""

from django.db.models import QuerySet

from .models import Booking, Chef, PriceItem


def price_list() -> QuerySet[PriceItem]:
    return PriceItem.objects.filter(active=True).order_by("kind", "unit_price")


def active_chefs() -> QuerySet[Chef]:
    return Chef.objects.filter(active=True)


def customer_bookings(*, customer) -> QuerySet[Booking]:
    return Booking.objects.filter(customer=customer).order_by("-event_date")
