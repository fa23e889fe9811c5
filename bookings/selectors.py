"""Reads of the price list, chefs and bookings. Customer data is always scoped by the customer passed in."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from hibachi.versioned_cache import VersionedCache

from .models import Booking, Chef, PriceItem


def price_list() -> QuerySet[PriceItem]:
    return PriceItem.objects.filter(active=True).order_by("kind", "unit_price")


def _price_rows_load() -> dict[str, PriceItem]:
    return {row.code: row for row in PriceItem.objects.order_by("kind", "code")}


# Every quote, upsell sentence and exemplar template reads the price list: cached per process, invalidated on every
# write of a PriceItem row (BookingsConfig.ready, hibachi.versioned_cache).
PRICE_ROWS = VersionedCache("bookings.price_rows", _price_rows_load)


def _active_chefs_load() -> tuple[Chef, ...]:
    return tuple(Chef.objects.filter(active=True))


# The availability checks of every booking turn read the team: cached per process, invalidated on every write of a
# Chef row. A booking's write locks and reads the rows themselves (bookings.services.bookings._lock_chefs).
ACTIVE_CHEFS = VersionedCache("bookings.active_chefs", _active_chefs_load)


def active_chefs_cached() -> list[Chef]:
    """The active chefs (by name), from the per-process cache: read them, never change them."""
    return list(ACTIVE_CHEFS.get())


def price_rows() -> dict[str, PriceItem]:
    """Every price row, active or not, by code (ordered by kind and code), from the per-process cache. Shared by
    every caller: read them, never change them (write with bookings.services.price_item_upsert or the admin)."""
    return PRICE_ROWS.get()


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


def booking_hold_until(booking: Booking) -> datetime | None:
    """When the hold of an unpaid booking ends (local time); None when nothing is held."""
    if booking.hold_expires_at is None or booking.deposit_paid or booking.status not in (
            Booking.Status.INQUIRY, Booking.Status.QUOTED):
        return None
    return timezone.localtime(booking.hold_expires_at)


def booking_hold_text(booking: Booking) -> str:
    """What the customer is told about the hold of an unpaid booking (how long, until when, Pacific time), with a
    leading space to follow a sentence; "" when nothing is held. (The assistant's confirmation says it in the
    editable wording of agents.engine.wording, situation sales.date_held.)"""
    until = booking_hold_until(booking)
    if until is None:
        return ""
    return (f" We hold the date for you for {settings.BOOKING_HOLD_HOURS:g} hours, until {until:%A, %B} {until.day} "
            f"at {until:%H:%M}; without the deposit by then it is released.")


CALENDAR_HISTORY_DAYS = 60  # past events kept in a calendar feed (completed ones, for the chef's records)


def calendar_bookings(*, chef: Chef | None = None, today: date | None = None) -> QuerySet[Booking]:
    """Confirmed events from today on, and confirmed or completed ones of the last CALENDAR_HISTORY_DAYS days, soonest
    first; only `chef`'s when given."""
    today = today or timezone.localdate()
    queryset = (
        Booking.objects.filter(event_date__gte=today - timedelta(days=CALENDAR_HISTORY_DAYS))
        .filter(status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED])
        .select_related("customer").prefetch_related("chefs").order_by("event_date", "slot", "pk")
    )
    if chef is not None:
        queryset = queryset.filter(chefs=chef)
    return queryset


def bookings_week(*, monday: date) -> dict:
    """The quoted and confirmed bookings of the 7 days from `monday` (and completed ones), grouped for the week view:
    `chefs` (active ones and any assigned that week), `by_chef` {(chef id, day): [bookings]}, `unassigned` {day:
    [bookings]}."""
    bookings = list(
        Booking.objects.filter(event_date__gte=monday, event_date__lt=monday + timedelta(days=7))
        .filter(status__in=[Booking.Status.QUOTED, Booking.Status.CONFIRMED, Booking.Status.COMPLETED])
        .select_related("customer").prefetch_related("chefs").order_by("event_date", "slot", "pk")
    )
    by_chef: dict = {}
    unassigned: dict = {}
    chefs = {chef.pk: chef for chef in Chef.objects.filter(active=True)}
    for booking in bookings:
        assigned = list(booking.chefs.all())
        if not assigned:
            unassigned.setdefault(booking.event_date, []).append(booking)
        for chef in assigned:
            chefs.setdefault(chef.pk, chef)
            by_chef.setdefault((chef.pk, booking.event_date), []).append(booking)
    return {"chefs": sorted(chefs.values(), key=lambda chef: chef.name), "by_chef": by_chef, "unassigned": unassigned}
