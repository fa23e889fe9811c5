"""The price guard's amount extraction and check (agents/engine/prices.py)."""

from decimal import Decimal

import pytest

from agents.engine.prices import amounts_in, backing_amounts, price_check, tools_watched, unbacked_amounts
from agents.providers import Tool

QUOTE = {"adults": 12, "per_person": "55.00", "subtotal": "660.00", "travel_fee": "0.00", "deposit": "100.00",
         "total": "660.00", "lines": [{"item": "Filet mignon upgrade", "unit_price": "15.00", "amount": "45.00"}]}


@pytest.mark.parametrize("text, amounts", [
    ("That comes to $1,234.50 in total.", [("$1,234.50", "1234.50")]),
    ("Only $550!", [("$550", "550.00")]),
    ("about 1234 dollars", [("1234 dollars", "1234.00")]),
    ("a deposit of 100 bucks, then 560 USD", [("100 bucks", "100.00"), ("560 USD", "560.00")]),
    ("USD 75 or US$ 80.5", [("USD 75", "75.00"), ("US$ 80.5", "80.50")]),
    ("roughly $1.2k", [("$1.2k", "1200.00")]),
    ("$ 99.99 per person", [("$ 99.99", "99.99")]),
])
def test_amounts_in_reads_every_money_form(text, amounts):
    assert amounts_in(text) == [(written, Decimal(value)) for written, value in amounts]


def test_counts_dates_and_phone_numbers_are_not_money():
    assert amounts_in("12 adults on 2026-12-05 at 6pm, call 510-555-0100, 3 chefs") == []


def test_backing_amounts_reads_numbers_money_strings_and_amounts_in_texts():
    backed = backing_amounts(QUOTE, {"default": "A travel fee of $25 applies."}, [{"price": 42}], None, True)
    assert {Decimal("660.00"), Decimal("55.00"), Decimal("45.00"), Decimal("25.00"), Decimal("42.00")} <= backed
    assert Decimal("1.00") not in backed   # True is not an amount


def test_the_right_amount_in_any_spelling_is_backed():
    backed = backing_amounts(QUOTE)
    assert unbacked_amounts("12 adults: $660, i.e. 660 dollars or $660.00; deposit $100.", backed) == []


def test_an_invented_amount_is_reported_once_as_written():
    backed = backing_amounts(QUOTE)
    assert unbacked_amounts("Special price $1,299! Yes, $1,299, plus $660.", backed) == ["$1,299"]
    assert unbacked_amounts("It's $659.99.", backed) == ["$659.99"]   # compared to the cent


def test_price_check_returns_the_record_for_the_reply_or_none():
    drafts = {"default": "12 adults come to $660."}
    assert price_check("That's $660 all in.", facts={}, quote=QUOTE, drafts=drafts) is None
    assert price_check("That's $599 all in.", facts={}, quote=None, drafts=drafts) == {
        "unbacked": ["$599"], "replaced": True}
    assert price_check("That's $660.", facts={}, quote=None, drafts={}, tool_results=[QUOTE]) is None


def test_watched_tools_record_what_they_return():
    results = []
    tool = Tool(name="quote", description="", parameters={}, func=lambda adults: {"total": f"{adults * 55}.00"})
    (watched,) = tools_watched([tool], results)
    assert watched.func(adults=10) == {"total": "550.00"} and results == [{"total": "550.00"}]
    assert tool.func(adults=1) == {"total": "55.00"} and len(results) == 1   # the original is unchanged
