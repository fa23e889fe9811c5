"""Writes for the price list, chefs and bookings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Booking, Chef, PriceItem


def price_item_upsert(
    *, code: str, name: str, kind: str, unit_price: Decimal, active: bool = True, overwrite: bool = True
) -> tuple[PriceItem, bool]:
    """Create a price row, or update it when `overwrite` (seeding passes False so staff edits survive a re-seed)."""
    if kind not in PriceItem.Kind.values:
        raise ValidationError({"kind": f"{kind!r} is not a price kind."})
    if Decimal(unit_price) < 0:
        raise ValidationError({"unit_price": "A price cannot be negative."})
    values = {"name": name, "kind": kind, "unit_price": Decimal(unit_price), "active": active}
    if overwrite:
        return PriceItem.objects.update_or_create(code=code, defaults=values)
    return PriceItem.objects.get_or_create(code=code, defaults=values)


def chef_get_or_create(*, name: str) -> Chef:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A chef needs a name."})
    chef, _ = Chef.objects.get_or_create(name=name)
    return chef


def _validate_party(*, adults: int, children: int, children_under_6: int) -> None:
    errors = {}
    if adults is None or int(adults) < 1:
        errors["adults"] = "A booking needs at least one adult."
    if int(children) < 0:
        errors["children"] = "The number of children cannot be negative."
    if int(children_under_6) < 0:
        errors["children_under_6"] = "The number of children under 6 cannot be negative."
    if errors:
        raise ValidationError(errors)


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
    upgrades: dict[str, int] | None = None,
    addons: dict[str, int] | None = None,
    food_total: Decimal = Decimal("0"),
    travel_fee: Decimal = Decimal("0"),
    deposit_paid: Decimal = Decimal("0"),
    status: str = Booking.Status.INQUIRY,
    chefs: list[Chef] | None = None,
) -> Booking:
    """Record a booking with its priced totals (total = food + travel)."""
    _validate_party(adults=adults, children=children, children_under_6=children_under_6)
    if slot not in Booking.Slot.values:
        raise ValidationError({"slot": f"{slot!r} is not an event slot; use one of {', '.join(Booking.Slot.values)}."})
    if status not in Booking.Status.values:
        raise ValidationError({"status": f"{status!r} is not a booking status."})
    if conversation is not None and conversation.customer_id != customer.pk:
        raise ValidationError({"conversation": "The conversation belongs to another customer."})
    food_total, travel_fee, deposit_paid = Decimal(food_total), Decimal(travel_fee), Decimal(deposit_paid)
    if min(food_total, travel_fee, deposit_paid) < 0:
        raise ValidationError("Amounts cannot be negative.")
    booking = Booking.objects.create(
        customer=customer,
        conversation=conversation,
        event_date=event_date,
        slot=slot,
        address=address,
        city=city,
        zip_code=zip_code,
        adults=adults,
        children=children,
        children_under_6=children_under_6,
        proteins=list(proteins or []),
        upgrades=dict(upgrades or {}),
        addons=dict(addons or {}),
        food_total=food_total,
        travel_fee=travel_fee,
        total=food_total + travel_fee,
        deposit_paid=deposit_paid,
        status=status,
    )
    if chefs:
        booking.chefs.set(chefs)
    return booking


def booking_set_status(*, booking: Booking, status: str) -> Booking:
    if status not in Booking.Status.values:
        raise ValidationError({"status": f"{status!r} is not a booking status."})
    booking.status = status
    booking.save(update_fields=["status", "updated_at"])
    return booking
