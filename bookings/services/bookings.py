"""A booking's life: create (priced and with chefs assigned), confirm, reschedule, change guests, cancel.

Policy (handbook, "Deposit, payment, changes" and "Weather"):
- A booking is priced by `quote_calculate` from the price rows at the moment it is created or its party changes;
  a reschedule keeps the agreed price.
- Chef assignment is serialised: the active chefs' rows are locked (SELECT ... FOR UPDATE, in primary-key order)
  before free chefs are looked up, so two concurrent bookings cannot take the same chef at the same slot or push a
  chef past two events a day. The team is small, so locking all of it costs nothing worth optimising.
- Reschedule: free, once per booking, with at least 48 hours' notice before the event as currently booked. A rain
  reschedule (`weather=True`) needs only 24 hours' notice and does not use up the free reschedule (the handbook
  makes it free of charge because of a forecast, not a change of plan); it is counted separately and not limited.
  The new slot itself must be bookable: 48 hours away and with enough free chefs.
- Guest count changes are allowed until 48 hours before the event; the booking is re-quoted and re-staffed.
- Cancellation 7 days (168 hours) or more before the event start refunds the deposit; later, the deposit is kept.
- Holds: an inquiry or quote holds its chefs for BOOKING_HOLD_HOURS (default 24) after it is made
  (`hold_expires_at`); unpaid after that, it stops counting for availability and the beat job
  (`booking_holds_release`) marks it "expired". Staff extend a hold (`booking_hold_extend`); a deposit keeps it.
  Confirming a quote whose hold lapsed staffs it again (its chefs may have been given to someone else meanwhile).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from bookings import availability
from bookings.exceptions import SlotUnavailable
from bookings.models import Booking, Chef, hold_lapsed_q
from bookings.quotes import Quote, chefs_needed_for, deposit_amount, money, quote_calculate
from bookings.service_area import normalize_zip, zip_for_city

FREE_RESCHEDULES = 1
RESCHEDULE_NOTICE = timedelta(hours=48)
WEATHER_RESCHEDULE_NOTICE = timedelta(hours=24)
GUEST_CHANGE_NOTICE = timedelta(hours=48)
REFUND_NOTICE = timedelta(days=7)

CREATE_STATUSES = (Booking.Status.INQUIRY, Booking.Status.QUOTED)
OPEN_STATUSES = (Booking.Status.INQUIRY, Booking.Status.QUOTED, Booking.Status.CONFIRMED)


def _lock_booking(booking: Booking) -> Booking:
    """Lock the booking's row for this transaction and reload it, so checks see what is really stored."""
    Booking.objects.select_for_update().filter(pk=booking.pk).values_list("pk", flat=True).get()
    booking.refresh_from_db()
    return booking


def _lock_chefs() -> list[Chef]:
    """Lock the active chefs' rows (every booking write takes them, in pk order) and return them as locked."""
    return list(Chef.objects.select_for_update().filter(active=True).order_by("pk"))


def _require_open(booking: Booking, action: str) -> None:
    if booking.status not in OPEN_STATUSES:
        raise ValidationError(
            {"status": ValidationError(f"A {booking.get_status_display().lower()} booking cannot be {action}.",
                                       code="booking_closed")}
        )


def _starts_in(booking: Booking, now: datetime) -> timedelta:
    return availability.event_start(event_date=booking.event_date, slot=booking.slot) - now


def _quote_for(*, adults, children, children_under_6, upgrades, addons, zip_code: str, city: str) -> Quote:
    """Travel is priced from the ZIP, or from a representative ZIP of the city when the customer gave only that."""
    location = zip_code or (zip_for_city(city) if city.strip() else None)
    return quote_calculate(
        adults=adults, children=children, children_under_6=children_under_6,
        upgrades=upgrades, addons=addons, zip_code=location,
    )


def _staff(
    *, event_date: date, slot: str, guests: int, chefs_needed: int, now: datetime, booking: Booking | None = None
) -> list[Chef]:
    """Lock the team and pick the chefs for a slot, or raise SlotUnavailable with alternatives to offer. The team as
    locked and one read of the day's assignments serve both the slot's check and the pick."""
    team = _lock_chefs()
    current = list(booking.chefs.all()) if booking is not None and booking.pk else []
    reason, chefs = availability.slot_staff(
        chefs=team, event_date=event_date, slot=slot, guests=guests, chefs_needed=chefs_needed,
        exclude_booking=booking, prefer=current, now=now,
    )
    if reason is not None:
        alternatives = availability.next_available_slots(
            start_date=event_date, guests=guests, now=now, exclude_booking=booking
        )
        raise SlotUnavailable(event_date=event_date, slot=slot, reason=reason, alternatives=alternatives)
    return chefs


def _apply_quote(booking: Booking, quote: Quote) -> None:
    booking.food_total, booking.travel_fee, booking.total = quote.food_total, quote.travel_fee, quote.total
    booking.quote = quote.as_dict()


@transaction.atomic
def booking_create(
    *,
    customer,
    event_date: date,
    slot: str,
    adults: int,
    children: int = 0,
    children_under_6: int = 0,
    conversation=None,
    address: str = "",
    city: str = "",
    zip_code: str = "",
    proteins: list[str] | None = None,
    upgrades: dict[str, int | None] | None = None,
    addons: dict[str, int] | None = None,
    status: str = Booking.Status.QUOTED,
    now: datetime | None = None,
) -> Booking:
    """Price the party, check the slot (notice and chefs) and record the booking with its chefs assigned.

    Raises ValidationError for bad input, ServiceAreaError for a ZIP or city we do not serve, CustomQuoteRequired
    over 60 guests, and SlotUnavailable (with `alternatives`) when the slot cannot be booked.
    """
    now = availability.aware_now(now)
    availability.validate_slot(slot)
    if status not in CREATE_STATUSES:
        raise ValidationError({"status": f"A booking is created as {' or '.join(CREATE_STATUSES)}; "
                                         "confirm it with booking_confirm once the deposit is paid."})
    if conversation is not None and conversation.customer_id != customer.pk:
        raise ValidationError({"conversation": "The conversation belongs to another customer."})
    if proteins is not None and not all(isinstance(p, str) and p.strip() for p in proteins):
        raise ValidationError({"proteins": "Proteins must be a list of protein names."})
    zip_code = normalize_zip(zip_code) if str(zip_code or "").strip() else ""
    city = (city or "").strip()
    quote = _quote_for(adults=adults, children=children, children_under_6=children_under_6,
                       upgrades=upgrades, addons=addons, zip_code=zip_code, city=city)
    chefs = _staff(event_date=event_date, slot=slot, guests=quote.guests, chefs_needed=quote.chefs_needed, now=now)
    booking = Booking(
        customer=customer,
        conversation=conversation,
        event_date=event_date,
        slot=slot,
        address=(address or "").strip(),
        city=city,
        zip_code=zip_code,
        adults=quote.adults,
        children=quote.children,
        children_under_6=quote.children_under_6,
        proteins=[p.strip() for p in proteins or []],
        upgrades={code: None if n is None else int(n) for code, n in (upgrades or {}).items()},
        addons={code: int(n) for code, n in (addons or {}).items()},
        status=status,
        hold_expires_at=hold_expiry(now),
    )
    _apply_quote(booking, quote)
    booking.save()
    booking.chefs.add(*chefs)   # a new booking has none: add, not set (which reads the current ones first)
    return booking


@transaction.atomic
def booking_confirm(*, booking: Booking, deposit_paid: Decimal | None = None, now: datetime | None = None) -> Booking:
    """Confirm a booking once its deposit is paid (by default the deposit price row; never less than it)."""
    now = availability.aware_now(now)
    _lock_booking(booking)
    if booking.status not in CREATE_STATUSES:
        raise ValidationError({"status": f"Only an inquiry or a quote can be confirmed; this booking is "
                                         f"{booking.get_status_display().lower()}."})
    if _starts_in(booking, now) <= timedelta(0):
        raise ValidationError({"event_date": "The event has already started; it cannot be confirmed."})
    if not (booking.zip_code or booking.city):
        raise ValidationError({"zip_code": "Add the event's ZIP code or city before confirming, so travel is priced."})
    required = deposit_amount()
    paid = money(required if deposit_paid is None else deposit_paid)
    if paid < required:
        raise ValidationError({"deposit_paid": f"A deposit of {required} confirms a booking; {paid} was paid."})
    if paid > booking.total:
        raise ValidationError({"deposit_paid": f"The deposit ({paid}) cannot exceed the total ({booking.total})."})
    if booking.hold_lapsed(now):  # its chefs were free for others meanwhile: staff it again (or SlotUnavailable)
        booking.chefs.set(_staff(event_date=booking.event_date, slot=booking.slot, guests=booking.guests,
                                 chefs_needed=chefs_needed_for(booking.guests), now=now, booking=booking))
    booking.status, booking.deposit_paid, booking.confirmed_at = Booking.Status.CONFIRMED, paid, now
    booking.save(update_fields=["status", "deposit_paid", "confirmed_at", "updated_at"])
    return booking


@transaction.atomic
def booking_reschedule(
    *, booking: Booking, event_date: date, slot: str, weather: bool = False, now: datetime | None = None
) -> Booking:
    """Move a booking to another date and slot under the reschedule policy (see the module docstring)."""
    now = availability.aware_now(now)
    availability.validate_slot(slot)
    _lock_booking(booking)
    _require_open(booking, "rescheduled")
    if (booking.event_date, booking.slot) == (event_date, slot):
        raise ValidationError({"event_date": "The booking is already at that date and slot."})
    notice = WEATHER_RESCHEDULE_NOTICE if weather else RESCHEDULE_NOTICE
    if _starts_in(booking, now) < notice:
        hours = int(notice.total_seconds() // 3600)
        rule = "A rain reschedule" if weather else "A free reschedule"
        raise ValidationError({"event_date": ValidationError(
            f"{rule} needs at least {hours} hours' notice before the booked event "
            f"({booking.event_date.isoformat()} {booking.slot}); please contact our staff.", code="late_reschedule")})
    if not weather and booking.rescheduled_count >= FREE_RESCHEDULES:
        raise ValidationError({"event_date": ValidationError(
            "A booking can be rescheduled free of charge once, and this one already was; please contact our staff "
            "(a move because of a rain forecast is still possible with 24 hours' notice).",
            code="reschedule_limit")})
    chefs = _staff(event_date=event_date, slot=slot, guests=booking.guests,
                   chefs_needed=chefs_needed_for(booking.guests), now=now, booking=booking)
    booking.event_date, booking.slot = event_date, slot
    if weather:
        booking.weather_reschedule_count += 1
    else:
        booking.rescheduled_count += 1
    booking.save(update_fields=["event_date", "slot", "rescheduled_count", "weather_reschedule_count", "updated_at"])
    booking.chefs.set(chefs)
    return booking


@transaction.atomic
def booking_change_guests(
    *,
    booking: Booking,
    adults: int | None = None,
    children: int | None = None,
    children_under_6: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Change the party until 48 hours before the event: re-quoted at today's prices, chefs added or released."""
    now = availability.aware_now(now)
    _lock_booking(booking)
    _require_open(booking, "changed")
    if _starts_in(booking, now) < GUEST_CHANGE_NOTICE:
        raise ValidationError({"guests": ValidationError(
            "The guest count can change until 48 hours before the event; please contact our staff.",
            code="guest_change_closed")})
    quote = _quote_for(
        adults=booking.adults if adults is None else adults,
        children=booking.children if children is None else children,
        children_under_6=booking.children_under_6 if children_under_6 is None else children_under_6,
        upgrades=booking.upgrades, addons=booking.addons, zip_code=booking.zip_code, city=booking.city,
    )
    current = list(booking.chefs.all())
    if quote.chefs_needed > len(current):
        chefs = _staff(event_date=booking.event_date, slot=booking.slot, guests=quote.guests,
                       chefs_needed=quote.chefs_needed, now=now, booking=booking)
    else:
        chefs = sorted(current, key=lambda c: (c.name, c.pk))[: quote.chefs_needed]
    booking.adults, booking.children, booking.children_under_6 = quote.adults, quote.children, quote.children_under_6
    _apply_quote(booking, quote)
    booking.save()
    booking.chefs.set(chefs)
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, now: datetime | None = None) -> tuple[Booking, bool]:
    """Cancel a booking; the deposit is refunded when the event is 7 or more days away. Frees its chefs."""
    now = availability.aware_now(now)
    _lock_booking(booking)
    _require_open(booking, "cancelled")
    refunded = booking.deposit_paid > 0 and _starts_in(booking, now) >= REFUND_NOTICE
    booking.status, booking.cancelled_at, booking.deposit_refunded = Booking.Status.CANCELLED, now, refunded
    booking.save(update_fields=["status", "cancelled_at", "deposit_refunded", "updated_at"])
    return booking, refunded


def hold_expiry(now: datetime, hours: float | None = None) -> datetime:
    return now + timedelta(hours=settings.BOOKING_HOLD_HOURS if hours is None else hours)


@transaction.atomic
def booking_hold_extend(*, booking: Booking, hours: float | None = None, now: datetime | None = None) -> Booking:
    """Staff keep an unpaid inquiry or quote: its hold runs `hours` (default BOOKING_HOLD_HOURS) from now, or from
    its current expiry when that is later. A hold already released ("expired") is not revived: book it again."""
    now = availability.aware_now(now)
    _lock_booking(booking)
    if booking.status not in CREATE_STATUSES:
        raise ValidationError({"status": f"Only an inquiry or a quote is held; this booking is "
                                         f"{booking.get_status_display().lower()}."})
    if booking.hold_lapsed(now):  # not yet released by the job, but its chefs may be taken: check them again
        booking.chefs.set(_staff(event_date=booking.event_date, slot=booking.slot, guests=booking.guests,
                                 chefs_needed=chefs_needed_for(booking.guests), now=now, booking=booking))
    start = max(now, booking.hold_expires_at) if booking.hold_expires_at else now
    booking.hold_expires_at = hold_expiry(start, hours)
    booking.save(update_fields=["hold_expires_at", "updated_at"])
    return booking


def booking_holds_release(*, now: datetime | None = None) -> int:
    """Beat job: mark every unpaid inquiry or quote whose hold ran out as "expired" (its chefs are free again; they
    were already not counted). Returns how many were released. Safe to run at any time and twice."""
    now = availability.aware_now(now)
    released = Booking.objects.filter(hold_lapsed_q(now)).update(status=Booking.Status.EXPIRED, updated_at=now)
    return released


EVENT_LENGTH = timedelta(hours=2)  # handbook: 30 minutes of set-up, about 90 of cooking


@transaction.atomic
def booking_complete(*, booking: Booking, now: datetime | None = None) -> Booking:
    """Mark a confirmed booking completed once its event is over."""
    now = availability.aware_now(now)
    _lock_booking(booking)
    if booking.status != Booking.Status.CONFIRMED:
        raise ValidationError({"status": f"Only a confirmed booking can be completed; this one is "
                                         f"{booking.get_status_display().lower()}."})
    if _starts_in(booking, now) > -EVENT_LENGTH:
        raise ValidationError({"status": "The event is not over yet."})
    booking.status = Booking.Status.COMPLETED
    booking.save(update_fields=["status", "updated_at"])
    return booking


def bookings_complete_past(*, now: datetime | None = None) -> int:
    """Mark every confirmed booking whose event ended completed (beat, nightly). Returns how many."""
    now = availability.aware_now(now)
    done = 0
    candidates = Booking.objects.filter(status=Booking.Status.CONFIRMED, event_date__lte=now.date())
    for booking in candidates.iterator():
        try:
            booking_complete(booking=booking, now=now)
        except ValidationError:
            continue  # today's event still running
        done += 1
    return done


def booking_set_status(*, booking: Booking, status: str) -> Booking:
    """Set a status directly (staff tools). Customer-facing changes go through the functions above."""
    if status not in Booking.Status.values:
        raise ValidationError({"status": f"{status!r} is not a booking status."})
    booking.status = status
    booking.save(update_fields=["status", "updated_at"])
    return booking
