"""Writes for the price list and the chefs."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from bookings.models import Chef, PriceItem


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
