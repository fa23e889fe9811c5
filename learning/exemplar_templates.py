"""A staff reply as a template: its facts become named slots when it is stored, and are re-filled per message.

A corrected reply was written for one conversation ("It's $55 per adult, so 20 adults come to $1,100"). Sent again
as written, it would quote yesterday's prices and someone else's party. So when the exemplar is made, every amount,
count, date and start time that is one of the conversation's facts is replaced by a slot naming that fact:

    {price:<code>}   a unit price of the price list (PriceItem code), e.g. {price:adult}
    {quote:<key>}    a figure of the turn's quote: total, food_total, travel_fee, deposit, balance_due, ...
    {count:<key>}    adults, children, children_under_6 or guests of the booking details
    {date:event|<format>}, {time:slot}   the event's date and start time

and `template_fill` writes today's values into them: the price list as it is now, the quote and booking details of
the conversation being answered. Every money amount must become a slot (a price is never copied from another
conversation); an amount that matches no fact, or matches two facts the words around it cannot tell apart, makes the
reply unfillable (`TemplateMade.unfillable`). Counts, dates and times that are not the old conversation's facts
("a chef for every 30 guests", "48 hours' notice") are policy and stay as written. A template whose slot has no value
in the conversation being answered (a {quote:total} before the party size is known) is not filled: `template_fill`
returns None and the engine does not use it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(?!\d)"
AMOUNT = re.compile(rf"(?:US\s?\$|\$|\bUSD\s?)\s?{_NUMBER}|\b{_NUMBER}\s?(?:dollars?|bucks|USD)\b", re.IGNORECASE)
_COUNT = re.compile(r"\b(\d{1,3})(\s+)(adults?|grown[- ]?ups?|guests?|people|persons?|kids?|children|child)\b",
                    re.IGNORECASE)
SLOT = re.compile(r"\{(price|quote|count|date|time):([a-z0-9_]+)(?:\|([a-z_]+))?\}")
QUOTE_KEYS = ("total", "food_total", "food_subtotal", "travel_fee", "deposit", "balance_due", "suggested_tip",
              "minimum_applied")
# Words that, near an amount, say which fact it is (besides the words of the price item's own name).
QUOTE_WORDS = {"total": ("total", "altogether", "all in"), "food_total": ("food",), "food_subtotal": ("subtotal",),
               "travel_fee": ("travel", "mile"), "deposit": ("deposit",), "balance_due": ("balance",),
               "suggested_tip": ("tip", "gratuity"), "minimum_applied": ("top-up", "top up")}
PRICE_WORDS = {"adult": ("adult", "grown", "person", "13 and over"), "child": ("child", "kid", "6-12", "6 to 12"),
               "child_under_6": ("under 6", "under six", "5 and under"), "food_minimum": ("minimum",),
               "travel_per_mile": ("mile",), "deposit": ("deposit",)}
COUNT_WORDS = {"adults": ("adult", "grown"), "children": ("kid", "child"), "guests": ("guest", "people", "person")}
DATE_FORMATS = {"long": lambda d: f"{d:%A, %B} {d.day}", "month_day": lambda d: f"{d:%B} {d.day}",
                "short": lambda d: f"{d:%b} {d.day}", "iso": lambda d: d.isoformat()}
NEAR = 40   # characters either side of an amount searched for the words that name it


@dataclass
class TemplateMade:
    template: str
    slots: dict = field(default_factory=dict)   # "{price:adult}" -> "$55" (what it replaced)
    unfillable: str = ""                         # why not, when the reply cannot be re-filled


def money(value) -> str:
    value = Decimal(str(value))
    return f"${value:,.0f}" if value == value.to_integral() else f"${value:,.2f}"


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _amount(match: re.Match) -> Decimal:
    whole, cents = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return Decimal(whole.replace(",", "") + (cents or "")).quantize(CENT)


def _near(text: str, start: int, end: int) -> str:
    return text[max(0, start - NEAR):end + NEAR].lower()


def _which(candidates: list[tuple[str, str]], near: str, names: dict[str, str]) -> tuple[str, str] | None:
    """The one candidate fact the words around the amount name; the only candidate; else None (ambiguous)."""
    if len(candidates) == 1:
        return candidates[0]
    named = []
    for kind, key in candidates:
        words = QUOTE_WORDS.get(key, ()) if kind == "quote" else (
            *PRICE_WORDS.get(key, ()), *[w for w in re.findall(r"[a-z]{4,}", names.get(key, "").lower())])
        if any(word in near for word in words):
            named.append((kind, key))
    if len(named) == 1:
        return named[0]
    prices = [c for c in named if c[0] == "price"]
    return prices[0] if len(prices) == 1 else None   # "$100 deposit": the price list's deposit and the quote's


def template_make(text: str, *, prices: dict[str, Decimal], price_names: dict[str, str] | None = None,
                  quote: dict | None = None, booking: dict | None = None) -> TemplateMade:
    """Replace the facts of `text` by slots. `prices`: PriceItem code -> unit price (active rows); `quote`: the quote
    the reply was written with (quote.as_dict()); `booking`: the booking details (counts, date, slot)."""
    price_names, quote, booking = price_names or {}, quote or {}, booking or {}
    slots: dict[str, str] = {}
    unfillable: list[str] = []

    def amount_slot(match: re.Match) -> str:
        value = _amount(match)
        candidates = [("quote", key) for key in QUOTE_KEYS if key in quote and _decimal(quote[key]) == value]
        candidates += [("price", code) for code, price in prices.items() if _decimal(price) == value]
        chosen = _which(candidates, _near(text, match.start(), match.end()), price_names)
        if chosen is None:
            unfillable.append(f"{match.group(0).strip()} is " + ("none of the conversation's facts" if not candidates
                                                                 else "more than one fact"))
            return match.group(0)
        slot = f"{{{chosen[0]}:{chosen[1]}}}"
        slots[slot] = match.group(0).strip()
        return slot

    result = AMOUNT.sub(amount_slot, text.replace("{", "(").replace("}", ")"))
    counts = {"adults": booking.get("adults"), "children": booking.get("children"),
              "children_under_6": booking.get("children_under_6")}
    if booking.get("adults"):
        counts["guests"] = sum(int(booking.get(k) or 0) for k in ("adults", "children", "children_under_6"))

    def count_slot(match: re.Match) -> str:
        number, word = int(match.group(1)), match.group(3).lower()
        for key, words in COUNT_WORDS.items():
            if counts.get(key) == number and any(word.startswith(w) for w in words):
                slot = f"{{count:{key}}}"
                slots[slot] = match.group(1)
                return slot + match.group(2) + match.group(3)
        return match.group(0)

    result = _COUNT.sub(count_slot, result)
    if booking.get("date"):
        day = datetime.date.fromisoformat(str(booking["date"]))
        for name, render in DATE_FORMATS.items():   # longest first: "Saturday, December 12" before "December 12"
            written = render(day)
            if written in result:
                slot = f"{{date:event|{name}}}"
                slots[slot] = written
                result = result.replace(written, slot)
    if booking.get("slot") and re.search(rf"(?<![\d:]){re.escape(booking['slot'])}(?![\d:])", result):
        slots["{time:slot}"] = booking["slot"]
        result = re.sub(rf"(?<![\d:]){re.escape(booking['slot'])}(?![\d:])", "{time:slot}", result)
    return TemplateMade(template=result, slots=slots, unfillable="; ".join(unfillable)[:255])


def slot_value(kind: str, key: str, fmt: str | None, *, prices: dict, quote: dict | None,
               booking: dict | None) -> str | None:
    """Today's value of one slot, written as the customer reads it; None when the conversation has none."""
    quote, booking = quote or {}, booking or {}
    if kind == "price":
        return money(prices[key]) if key in prices else None
    if kind == "quote":
        return money(quote[key]) if quote.get(key) is not None else None
    if kind == "count":
        if key == "guests":
            return str(sum(int(booking.get(k) or 0) for k in ("adults", "children", "children_under_6"))) \
                if booking.get("adults") else None
        return str(booking[key]) if booking.get(key) is not None else None
    if kind == "date" and booking.get("date"):
        return DATE_FORMATS.get(fmt or "long", DATE_FORMATS["long"])(datetime.date.fromisoformat(str(booking["date"])))
    if kind == "time":
        return booking.get("slot") or None
    return None


def template_fill(template: str, *, prices: dict, quote: dict | None = None, booking: dict | None = None,
                  masked: bool = False) -> str | None:
    """The template with today's values; None when one of its slots has no value here. `masked`: slots without a
    value become "[the adult price]"-style markers instead (for a few-shot example, which must not carry figures)."""
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        kind, key, fmt = match.groups()
        value = slot_value(kind, key, fmt, prices=prices, quote=quote, booking=booking)
        if value is None:
            missing = True
            return f"[the {key.replace('_', ' ')} {'price' if kind == 'price' else kind}]"
        return value

    filled = SLOT.sub(fill, template)
    return filled if masked or not missing else None


def amounts_masked(text: str) -> str:
    """Every money amount replaced by "[amount]": a reply that cannot be re-filled, shown to a model as an example."""
    return AMOUNT.sub("[amount]", text)
