"""The price guard: a language model's answer may quote only the money amounts the turn's facts hold.

The specialist computes every price (the quote's lines, subtotals, travel fee, deposit and total, the price list's unit
prices) and hands them to the provider as facts and drafts. A model may still write a figure of its own ("$1,299", "550
dollars"); sent as written, the customer would hold a price we never computed. `price_check` finds every amount in the
text (`amounts_in`) and keeps only the ones that some fact, draft or tool result the model was given contains; the
pipeline sends the specialist's template draft instead of a text with an unbacked amount.

Amounts are compared to the cent: "$660", "$660.00" and "660 dollars" are one amount. The check is about money only:
counts ("12 adults") and dates are left alone unless written as money.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

CENT = Decimal("0.01")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(?!\d)"
_AMOUNT = re.compile(
    # $1,234.50  $ 550  US$550  USD 550  $1.2k
    rf"(?:US\s?\$|\$|\bUSD\s?)\s?{_NUMBER}(\s?[kK]\b)?"
    # 1234 dollars  550 bucks  550 USD
    rf"|\b{_NUMBER}\s?(?:dollars?|bucks|USD)\b",
    re.IGNORECASE,
)
_PLAIN_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")


def amounts_in(text: str) -> list[tuple[str, Decimal]]:
    """Every money amount written in `text`: (as written, value to the cent), in order."""
    found = []
    for match in _AMOUNT.finditer(text or ""):
        whole, cents, thousands = match.group(1), match.group(2), match.group(3)
        if whole is None:   # the "550 dollars" form
            whole, cents, thousands = match.group(4), match.group(5), None
        value = Decimal(whole.replace(",", "") + (cents or ""))
        if thousands:
            value *= 1000
        found.append((match.group(0).strip(), value.quantize(CENT)))
    return found


def backing_amounts(*sources: Any) -> set[Decimal]:
    """Every amount that the facts, quote, drafts and tool results hold: their numbers (money is a JSON string such as
    "1250.00" in a quote) and the amounts written in their texts."""
    backed: set[Decimal] = set()
    for source in sources:
        _collect(source, backed)
    return backed


def _collect(value: Any, backed: set[Decimal]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float, Decimal)):
        try:
            backed.add(Decimal(str(value)).quantize(CENT))
        except InvalidOperation:   # nan, inf
            pass
    elif isinstance(value, str):
        if _PLAIN_NUMBER.fullmatch(value):
            backed.add(Decimal(value.strip()).quantize(CENT))
        else:
            backed.update(amount for _, amount in amounts_in(value))
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, backed)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            _collect(item, backed)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _collect(dataclasses.asdict(value), backed)


def unbacked_amounts(text: str, backed: set[Decimal]) -> list[str]:
    """The amounts in `text` (as written, each once) that `backed` does not hold."""
    unbacked = []
    for written, amount in amounts_in(text):
        if amount not in backed and written not in unbacked:
            unbacked.append(written)
    return unbacked


def price_check(text: str, *, facts: Any, quote: Any, drafts: Any, tool_results: Iterable = ()) -> dict | None:
    """None when every amount in `text` is backed; otherwise the guard's record for the reply's metadata."""
    unbacked = unbacked_amounts(text, backing_amounts(facts, quote, drafts, list(tool_results)))
    return {"unbacked": unbacked, "replaced": True} if unbacked else None


def tools_watched(tools: list, results: list) -> list:
    """The same tools, each appending what it returns to `results`: a price the model got from the quote tool during
    the generation backs the amount it writes."""

    def watched(func):
        def call(*args, **kwargs):
            result = func(*args, **kwargs)
            results.append(result)
            return result
        return call

    return [dataclasses.replace(tool, func=watched(tool.func)) for tool in tools]
