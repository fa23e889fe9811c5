"""Voice transcripts read ZIP codes and phone numbers out digit by digit."""

import datetime

from nlu.entities import extract_entities

MONDAY = datetime.date(2026, 11, 2)


def test_a_zip_read_digit_by_digit():
    assert extract_entities("um it's in fremont nine four five three eight", reference_date=MONDAY)["zip"] == "94538"


def test_a_phone_number_read_digit_by_digit():
    entities = extract_entities("call me at four one five, five five five, zero one two three", reference_date=MONDAY)
    assert entities["phone"] == "+14155550123"
    assert "time" not in entities    # "at four" is the start of the number, not 4 o'clock


def test_a_run_of_small_numbers_that_is_not_a_zip_is_left_alone():
    assert "zip" not in extract_entities("tables 1 2 3 4 5 are booked", reference_date=MONDAY)
