"""Which slots can still be booked, and which chefs are free to cook them.

Rules (handbook): events start at 12:00, 15:00, 18:00 or 20:30 Pacific, any day; each active chef does at most two
events a day and never two at the same slot; a party of 31-60 needs two free chefs at that slot; cancelled bookings
hold no chef, nor do released holds ("expired") and unpaid inquiries or quotes past their `hold_expires_at` (the
beat job releases those; until it runs they are simply not counted). Every other booking holds its chefs. A slot needs at least 48 hours'
notice from `now` to the event start; a sooner request is not bookable here and is passed to staff ("needs_staff").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from hibachi.compiled_query import CompiledQuery

from .models import Booking, Chef, hold_lapsed_q
from .quotes import chefs_needed_for
from .selectors import active_chefs_cached

NOTICE = timedelta(hours=48)
MAX_EVENTS_PER_CHEF_PER_DAY = 2
SLOTS = list(Booking.Slot.values)  # in the order of the day

FULLY_BOOKED, NEEDS_STAFF, PAST = "fully_booked", "needs_staff", "past"

# date -> chef id -> the slots of the chef's bookings that day
BusyMap = dict[date, dict[int, list[str]]]


def validate_slot(slot: str) -> str:
    if slot not in SLOTS:
        raise ValidationError({"slot": f"{slot!r} is not an event slot; use one of {', '.join(SLOTS)}."})
    return slot


def event_start(*, event_date: date, slot: str) -> datetime:
    """When the event starts, as an aware datetime in the business's time zone (settings.TIME_ZONE)."""
    hour, minute = map(int, validate_slot(slot).split(":"))
    return datetime.combine(event_date, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def aware_now(now: datetime | None = None) -> datetime:
    """`now` in UTC (a naive value is read in the current time zone), or the current time.

    UTC matters: Python subtracts two datetimes that share a tzinfo by wall clock, which is an hour off across a
    daylight-saving change; `event_start(...) - aware_now(...)` is always real elapsed time.
    """
    if now is None:
        return timezone.now()
    return (timezone.make_aware(now) if timezone.is_naive(now) else now).astimezone(UTC)


def _notice_reason(*, event_date: date, slot: str, now: datetime) -> str | None:
    start = event_start(event_date=event_date, slot=slot)
    if start <= now:
        return PAST
    if start - now < NOTICE:
        return NEEDS_STAFF
    return None


def _assignments(dates, now: datetime):
    """(event date, chef id, slot, booking id) of every chef assignment that holds the chef on `dates` at `now`."""
    return (Booking.chefs.through.objects.filter(booking__event_date__in=dates)
            .exclude(booking__status__in=[Booking.Status.CANCELLED, Booking.Status.EXPIRED])
            .exclude(hold_lapsed_q(now, prefix="booking__"))
            .values_list("booking__event_date", "chef_id", "booking__slot", "booking_id"))


# One date, as every reply that talks about a date asks: compiled once per process (hibachi.compiled_query), since
# Django took 2 ms to build this statement and PostgreSQL 0.1 ms to answer it.
_DAY_ASSIGNMENTS = CompiledQuery(lambda day, now: _assignments([day], now),
                                 params={"day": date, "now": datetime})


def _busy_map(dates: list[date], *, exclude_booking: Booking | None = None, now: datetime | None = None) -> BusyMap:
    now = aware_now(now)
    if len(dates) == 1 and type(dates[0]) is date:
        rows = _DAY_ASSIGNMENTS.all(day=dates[0], now=now)
    else:
        rows = _assignments(dates, now)
    # A booking that moves or grows does not compete with its own assignment.
    excluded = exclude_booking.pk if exclude_booking is not None and exclude_booking.pk else None
    busy: BusyMap = defaultdict(lambda: defaultdict(list))
    for event_date, chef_id, slot, booking_id in rows:
        if booking_id != excluded:
            busy[event_date][chef_id].append(slot)
    return busy


def _free(chefs: list[Chef], day: dict[int, list[str]], slot: str) -> list[Chef]:
    """The chefs free at a slot, least busy that day first (then by name), so work is spread across the team."""
    free = [c for c in chefs if slot not in day.get(c.pk, []) and len(day.get(c.pk, [])) < MAX_EVENTS_PER_CHEF_PER_DAY]
    return sorted(free, key=lambda c: (len(day.get(c.pk, [])), c.name, c.pk))


def chefs_free_for(
    *,
    event_date: date,
    slot: str,
    chefs_needed: int,
    exclude_booking: Booking | None = None,
    prefer: list[Chef] | None = None,
    now: datetime | None = None,
) -> list[Chef]:
    """The `chefs_needed` chefs to assign to an event at this slot, or [] when fewer are free.

    `exclude_booking` leaves a booking's own assignment out (when it moves or grows); `prefer` puts chefs first
    (its current chefs, so a customer keeps their chef when possible). Notice is not checked here.
    """
    validate_slot(slot)
    chefs = active_chefs_cached()
    free = _free(chefs, _busy_map([event_date], exclude_booking=exclude_booking, now=now)[event_date], slot)
    preferred = {c.pk for c in prefer or []}
    free.sort(key=lambda c: c.pk not in preferred)  # stable: keeps least-busy order within each group
    return free[:chefs_needed] if len(free) >= chefs_needed else []


def slot_staff(
    *,
    chefs: list[Chef],
    event_date: date,
    slot: str,
    guests: int,
    chefs_needed: int,
    exclude_booking: Booking | None = None,
    prefer: list[Chef] | None = None,
    now: datetime | None = None,
) -> tuple[str | None, list[Chef]]:
    """(None, the chefs to assign) when the slot can be booked, else (the reason, []): slot_status and
    chefs_free_for in one read of the day's assignments, among `chefs` (the active chefs, as the caller locked
    them)."""
    validate_slot(slot)
    now = aware_now(now)
    day = _busy_map([event_date], exclude_booking=exclude_booking, now=now)[event_date]
    reason = _slot_status(chefs, day, event_date=event_date, slot=slot, chefs_needed=chefs_needed_for(guests),
                          now=now)["reason"]
    if reason is not None:
        return reason, []
    free = _free(chefs, day, slot)
    preferred = {c.pk for c in prefer or []}
    free.sort(key=lambda c: c.pk not in preferred)  # stable: keeps least-busy order within each group
    if len(free) < chefs_needed:
        return FULLY_BOOKED, []
    return None, free[:chefs_needed]


def _slot_status(chefs, day, *, event_date, slot, chefs_needed, now) -> dict:
    free_chefs = len(_free(chefs, day, slot))
    reason = _notice_reason(event_date=event_date, slot=slot, now=now)
    if reason is None and free_chefs < chefs_needed:
        reason = FULLY_BOOKED
    return {"available": reason is None, "free_chefs": free_chefs, "reason": reason}


def availability_for_date(*, event_date: date, guests: int = 1, now: datetime | None = None) -> dict:
    """Every slot of a date for a party of `guests`.

    {"date": "2026-12-12", "guests": 25, "chefs_needed": 1, "notice_ok": bool,
     "slots": {"12:00": {"available": bool, "free_chefs": int, "reason": None | "fully_booked" | "needs_staff" |
     "past"}, ...}}. `notice_ok` is True when every slot of the date is at least 48 hours away; when it is False
    the slots with reason "needs_staff" are for staff to decide.
    """
    now = aware_now(now)
    chefs_needed = chefs_needed_for(guests)
    chefs = active_chefs_cached()
    day = _busy_map([event_date], now=now)[event_date]
    slots = {
        slot: _slot_status(chefs, day, event_date=event_date, slot=slot, chefs_needed=chefs_needed, now=now)
        for slot in SLOTS
    }
    return {
        "date": event_date.isoformat(),
        "guests": guests,
        "chefs_needed": chefs_needed,
        "notice_ok": all(_notice_reason(event_date=event_date, slot=s, now=now) is None for s in SLOTS),
        "slots": slots,
    }


def slot_status(
    *, event_date: date, slot: str, guests: int, now: datetime | None = None, exclude_booking: Booking | None = None
) -> dict:
    """{"available", "free_chefs", "reason"} for one slot (see availability_for_date)."""
    validate_slot(slot)
    chefs = active_chefs_cached()
    now = aware_now(now)
    day = _busy_map([event_date], exclude_booking=exclude_booking, now=now)[event_date]
    return _slot_status(chefs, day, event_date=event_date, slot=slot, chefs_needed=chefs_needed_for(guests), now=now)


def slot_is_available(*, event_date: date, slot: str, guests: int, now: datetime | None = None) -> bool:
    return slot_status(event_date=event_date, slot=slot, guests=guests, now=now)["available"]


def next_available_slots(
    *,
    start_date: date,
    guests: int,
    now: datetime | None = None,
    limit: int = 3,
    days: int = 30,
    exclude_booking: Booking | None = None,
) -> list[dict]:
    """Up to `limit` bookable slots from `start_date` on (that date included, `days` days at most), earliest first:
    [{"date": "2026-12-12", "slot": "18:00", "free_chefs": 2}, ...]. Alternatives to offer a customer."""
    now = aware_now(now)
    chefs_needed = chefs_needed_for(guests)
    chefs = active_chefs_cached()
    dates = [start_date + timedelta(days=offset) for offset in range(days)]
    busy = _busy_map(dates, exclude_booking=exclude_booking, now=now)
    found = []
    for event_date in dates:
        for slot in SLOTS:
            status = _slot_status(chefs, busy[event_date], event_date=event_date, slot=slot,
                                  chefs_needed=chefs_needed, now=now)
            if status["available"]:
                found.append({"date": event_date.isoformat(), "slot": slot, "free_chefs": status["free_chefs"]})
                if len(found) >= limit:
                    return found
    return found
