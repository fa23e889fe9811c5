"""PII scrubbing with Presidio + custom recognisers, and the false positives it must not make."""

import logging

import pytest

from learning.pii import PIIScrubFilter, luhn_ok, scrub, scrub_fast


@pytest.mark.parametrize("text, expected", [
    ("call me at (415) 555-0123 pls", "call me at <PHONE> pls"),
    ("my cell is 415.555.0123", "my cell is <PHONE>"),
    ("text +1 415 555 0123 tomorrow", "text <PHONE> tomorrow"),
    ("reach me on 4155550123", "reach me on <PHONE>"),
    ("email ANN.lee+party@Example.co.uk thanks", "email <EMAIL> thanks"),
    ("the venue is 1234 Mission Blvd, Fremont CA 94538", "the venue is <ADDRESS>, Fremont CA 94538"),
    ("we live at 42 w elm st apt 5, come at 6", "we live at <ADDRESS>, come at 6"),
    ("deposit with card 4242 4242 4242 4242 exp 12/29", "deposit with card <CARD> exp 12/29"),
    ("card number 5555-5555-5555-4444", "card number <CARD>"),
])
def test_custom_recognisers_replace_pii(text, expected):
    assert scrub(text) == expected
    assert scrub_fast(text) == expected


def test_names_are_found_by_the_spacy_model():
    assert scrub("Hi, my name is Jennifer Walsh and I want to book") == "Hi, my name is <PERSON> and I want to book"


@pytest.mark.parametrize("text", [
    "20 adults + 5 children comes to $1,250.00, and 8 adults is $440 -> the $550 minimum",
    "Lobster tail is $15 per person, filet mignon $5, gyoza $12",
    "Can we do 12/19/2026 at 6:00 PM? or Dec 12th, or 2026-12-12 18:00",
    "We're in zip 94538, maybe 95123 or 94566-1234",
    "About booking #1234 and booking 20251121, order id 987654",
    "Party of 25 people on Saturday the 14th, 3 hours, 2 chefs",
    "Travel is $2 per mile beyond 20 miles; 35 miles costs $30",
    "Your quote: 15 adults x $55 = $825 + travel $0 = $825 total",
    "invoice 1234567890123 is paid",  # 13 digits that fail the Luhn check are not a card
])
def test_no_false_positives_on_prices_dates_zips_booking_ids(text):
    assert scrub(text) == text
    assert scrub_fast(text) == text


def test_luhn():
    assert luhn_ok("4242 4242 4242 4242") and not luhn_ok("4242 4242 4242 4241")


def test_log_filter_scrubs_messages(caplog):
    logger = logging.getLogger("learning.tests.pii")
    logger.addFilter(PIIScrubFilter())
    with caplog.at_level(logging.INFO, logger="learning.tests.pii"):
        logger.info("inbound from %s: %s", "ann@example.com", "call 415-555-0123")
    assert caplog.records[-1].getMessage() == "inbound from <EMAIL>: call <PHONE>"
