"""Price a party from the PriceItem rows, so that a staff edit in the admin changes the next quote.

Rules (handbook prices; the numbers come from the rows named in brackets):
- Food: adults [adult], children 6-12 [child], children under 6 [child_under_6]; per-person upgrades (any active
  per_person row other than those three: filet_mignon, lobster_tail, third_protein, yakisoba_noodles) and per-order
  add-ons (any active per_order row: gyoza, edamame).
- Minimum food order [food_minimum]: it is a minimum *food* order, so base meals, upgrades and add-ons all count
  towards it. When the food subtotal is lower, the difference is added as `minimum_applied`.
- Travel [travel_per_mile]: see `service_area.travel_fee` (free within 20 straight-line miles of Fremont 94538, then
  per mile beyond 20, one way, miles rounded up). No ZIP means travel is not priced yet (`travel_miles` is None).
- Deposit [deposit] is part of the total (deducted from the bill); the balance is paid to the chef on the day.
- Tip is not included: 20% of the food total is suggested.
- One chef per 30 guests (children under 6 count as guests), at most two chefs; a bigger party raises
  CustomQuoteRequired because staff quote those.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ImproperlyConfigured, ValidationError

from . import service_area
from .catalog import HANDBOOK_PRICE_ITEMS
from .exceptions import CustomQuoteRequired
from .models import PriceItem
from .selectors import price_rows

CENTS = Decimal("0.01")
SUGGESTED_TIP_RATE = Decimal("0.20")
GUESTS_PER_CHEF = 30
MAX_CHEFS = 2
MAX_GUESTS = GUESTS_PER_CHEF * MAX_CHEFS

# The per-person rows for the party itself, and the quote_calculate argument each one prices.
PARTY_CODES = {"adult": "adults", "child": "children", "child_under_6": "children_under_6"}
MINIMUM_CODE, TRAVEL_CODE, DEPOSIT_CODE = "food_minimum", "travel_per_mile", "deposit"
_CATALOG_ORDER = {code: index for index, (code, *_rest) in enumerate(HANDBOOK_PRICE_ITEMS)}


def money(value) -> Decimal:
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Quote:
    adults: int
    children: int
    children_under_6: int
    line_items: list[dict]  # {code, name, quantity, unit_price, amount}: party, then upgrades, then add-ons
    food_subtotal: Decimal
    minimum_applied: Decimal  # the top-up to the minimum food order; 0 when the subtotal reaches it
    food_total: Decimal
    zip_code: str | None
    travel_miles: int | None
    travel_fee: Decimal
    total: Decimal
    deposit: Decimal
    balance_due: Decimal
    suggested_tip: Decimal
    chefs_needed: int

    @property
    def guests(self) -> int:
        return self.adults + self.children + self.children_under_6

    def as_dict(self) -> dict:
        """JSON-safe: money as strings with two decimals ("1250.00"), counts as ints."""

        def safe(value):
            if isinstance(value, Decimal):
                return str(money(value))
            if isinstance(value, list):
                return [safe(v) for v in value]
            if isinstance(value, dict):
                return {k: safe(v) for k, v in value.items()}
            return value

        return {**safe(asdict(self)), "guests": self.guests}


def chefs_needed_for(guests: int) -> int:
    """1 chef for up to 30 guests, 2 for 31-60; more than 60 raises CustomQuoteRequired."""
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < 1:
        raise ValidationError({"guests": f"The number of guests must be a whole number of at least 1, not {guests!r}."})
    if guests > MAX_GUESTS:
        raise CustomQuoteRequired(guests=guests, max_guests=MAX_GUESTS)
    return max(1, -(-guests // GUESTS_PER_CHEF))


def _count(value, field: str, errors: dict, *, minimum: int = 0) -> int:
    """A whole number >= minimum (ints or digit strings, as tool calls send them); records an error otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().lstrip("-").isdigit():
        errors.setdefault(field, f"{field} must be a whole number, not {value!r}.")
        return 0
    number = int(value)
    if number < minimum:
        errors.setdefault(field, f"{field} must be at least {minimum}, not {number}.")
    return number


def _price_rows(codes) -> dict[str, PriceItem]:
    rows = price_rows()   # the per-process cache: a quote reads no table
    return {code: rows[code] for code in set(codes) if code in rows}


def _choices(kind: str) -> str:
    codes = sorted(row.code for row in price_rows().values()
                   if row.kind == kind and row.active and row.code not in PARTY_CODES)
    return ", ".join(codes) or "none"


def _row(rows: dict[str, PriceItem], code: str, field: str, errors: dict) -> PriceItem | None:
    """An active price row the quote needs; a missing one is a setup problem, an inactive one staff turned off."""
    row = rows.get(code)
    if row is None:
        raise ImproperlyConfigured(f"There is no {code!r} price row; run `manage.py seed_demo` or add it in the admin.")
    if not row.active:
        errors.setdefault(field, f"The price {code!r} ({row.name}) is not active, so it cannot be quoted.")
        return None
    return row


def quote_calculate(
    *,
    adults: int,
    children: int = 0,
    children_under_6: int = 0,
    upgrades: dict[str, int | None] | None = None,
    addons: dict[str, int] | None = None,
    zip_code: str | None = None,
) -> Quote:
    """Price a party. `upgrades`: code -> number of guests, or None for every paying guest (adults + children);
    `addons`: code -> quantity ordered. Invalid input raises ValidationError keyed by the argument at fault."""
    errors: dict[str, str] = {}
    party = {
        "adults": _count(adults, "adults", errors, minimum=1),
        "children": _count(children, "children", errors),
        "children_under_6": _count(children_under_6, "children_under_6", errors),
    }
    if errors:
        raise ValidationError(errors)
    guests = sum(party.values())
    chefs_needed = chefs_needed_for(guests)
    paying = party["adults"] + party["children"]

    upgrades, addons = dict(upgrades or {}), dict(addons or {})
    for field, value in (("upgrades", upgrades), ("addons", addons)):
        if any(not isinstance(code, str) for code in value):
            raise ValidationError({field: f"{field} must map price codes to numbers."})
    zip_code = service_area.normalize_zip(zip_code) if zip_code not in (None, "") else None

    rows = _price_rows([*PARTY_CODES, MINIMUM_CODE, DEPOSIT_CODE, TRAVEL_CODE, *upgrades, *addons])
    lines: list[tuple[PriceItem, int]] = []
    for code, field in PARTY_CODES.items():
        if party[field] and (row := _row(rows, code, field, errors)):
            lines.append((row, party[field]))

    for code, wanted in upgrades.items():
        row = rows.get(code)
        if row is None or row.kind != PriceItem.Kind.PER_PERSON or code in PARTY_CODES:
            choices = _choices(PriceItem.Kind.PER_PERSON)
            errors.setdefault("upgrades", f"{code!r} is not a per-person upgrade; choose from {choices}.")
            continue
        quantity = paying if wanted is None else _count(wanted, "upgrades", errors)
        if quantity > guests:
            errors.setdefault("upgrades", f"{code}: {quantity} guests asked for, but the party has {guests}.")
        if _row(rows, code, "upgrades", errors) and quantity > 0:
            lines.append((rows[code], quantity))

    for code, wanted in addons.items():
        row = rows.get(code)
        if row is None or row.kind != PriceItem.Kind.PER_ORDER:
            errors.setdefault("addons", f"{code!r} is not an add-on; choose from {_choices(PriceItem.Kind.PER_ORDER)}.")
            continue
        quantity = _count(wanted, "addons", errors)
        if _row(rows, code, "addons", errors) and quantity > 0:
            lines.append((row, quantity))

    minimum_row = _row(rows, MINIMUM_CODE, MINIMUM_CODE, errors)
    deposit_row = _row(rows, DEPOSIT_CODE, DEPOSIT_CODE, errors)
    travel_row = _row(rows, TRAVEL_CODE, "zip_code", errors) if zip_code else None
    if errors:
        raise ValidationError(errors)

    group = {code: 0 for code in PARTY_CODES} | {code: 1 for code in upgrades} | {code: 2 for code in addons}
    lines.sort(key=lambda line: (group[line[0].code], _CATALOG_ORDER.get(line[0].code, 99), line[0].code))
    line_items = [
        {
            "code": row.code,
            "name": row.name,
            "quantity": quantity,
            "unit_price": money(row.unit_price),
            "amount": money(row.unit_price * quantity),
        }
        for row, quantity in lines
    ]
    food_subtotal = money(sum((item["amount"] for item in line_items), Decimal("0")))
    food_total = max(food_subtotal, money(minimum_row.unit_price))
    miles = service_area.travel_miles(zip_code) if zip_code else None
    fee = money(service_area.travel_fee(miles=miles, per_mile=travel_row.unit_price)) if travel_row else money(0)
    total = food_total + fee
    deposit = money(deposit_row.unit_price)
    return Quote(
        **party,
        line_items=line_items,
        food_subtotal=food_subtotal,
        minimum_applied=food_total - food_subtotal,
        food_total=food_total,
        zip_code=zip_code,
        travel_miles=miles,
        travel_fee=fee,
        total=total,
        deposit=deposit,
        balance_due=total - deposit,
        suggested_tip=money(food_total * SUGGESTED_TIP_RATE),
        chefs_needed=chefs_needed,
    )


def deposit_amount() -> Decimal:
    """The deposit that confirms a booking, from its price row."""
    errors: dict[str, str] = {}
    row = _row(_price_rows([DEPOSIT_CODE]), DEPOSIT_CODE, DEPOSIT_CODE, errors)
    if errors:
        raise ValidationError(errors)
    return money(row.unit_price)
