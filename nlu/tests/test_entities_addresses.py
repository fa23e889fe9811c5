"""The event's street address from messy real text (issue 12, item 3; issue 16, item 9): all in one message with the
date and guests, lower case and abbreviations, apartment numbers, corrections, and e-mail signatures whose office
address is not the event's unless the customer says the party is there."""

from datetime import date

import pytest

from nlu import extract_entities

MONDAY = date(2026, 11, 2)


def entities(text, expected=None):
    return extract_entities(text, reference_date=MONDAY, expected=expected)


def where(text, expected=None):
    found = entities(text, expected)
    return found.get("street_address"), found.get("city"), found.get("zip")


@pytest.mark.parametrize("text,address", [
    ("at my place, 123 oak st", "123 oak st"),
    ("its 77 elm dr apt 12", "77 elm dr apt 12"),
    ("1200 N. Main St. Unit 5B", "1200 N. Main St. Unit 5B"),
    ("we're at 915 hillcrest blvd #12", "915 hillcrest blvd #12"),
    ("345 e 5th ave", "345 e 5th ave"),
    ("27 Birch Ct", "27 Birch Ct"),
    ("62 Lakeview Ln", "62 Lakeview Ln"),
])
def test_lower_case_abbreviations_and_apartment_numbers(text, address):
    assert entities(text)["street_address"] == address


def test_an_address_in_one_message_with_the_date_and_guests():
    found = entities("hi can we do 15 ppl sat dec 19 6pm at 4410 rosewood ct fremont 94538")

    assert (found["guests"], found["date"], found["time"]) == (15, "2026-12-19", "18:00")
    assert (found["street_address"], found["city"], found["zip"]) == ("4410 rosewood ct fremont", "Fremont", "94538")


def test_a_town_after_the_street_is_read_even_when_it_is_also_a_name():
    assert where("Party will be at our house: 2250 Santa Clara Ave, Alameda.") == (
        "2250 Santa Clara Ave, Alameda", "Alameda", None)


def test_not_after_the_street_is_no_unit_number():
    assert entities("sorry typo, its 4412 rosewood ct not 4410")["street_address"] == "4412 rosewood ct"


@pytest.mark.parametrize("text", [
    "not at 4410 Rosewood Ct, it's 4412 Rosewood Ct",
    "it's 4412 Rosewood Ct, not 4410 Rosewood Ct",
    "the address is 4412 Rosewood Ct instead of 4410 Rosewood Ct",
])
def test_the_address_said_to_be_wrong_is_not_taken(text):
    assert entities(text)["street_address"] == "4412 Rosewood Ct"


OFFICE_SIGNATURE = """Hello,

We'd like hibachi for 18 adults on Saturday, December 19 at 6pm at our home in Pleasanton (94566).

Thanks,
Omar Haddad
Acme Corp
5000 Hopyard Rd Suite 200
Dublin, CA 94568
(925) 555-0100"""


def test_the_office_address_in_a_signature_is_not_the_event_and_does_not_move_it():
    found = entities(OFFICE_SIGNATURE)

    assert "street_address" not in found
    assert (found["city"], found["zip"]) == ("Pleasanton", "94566")
    assert (found["name"], found["phone"]) == ("Omar Haddad", "+19255550100")   # the rest of the signature is read


def test_a_signature_town_line_under_a_street_without_suffix_does_not_move_the_event():
    text = ("Could we get a quote for 16 adults on December 19 at 3pm in Pleasanton (94566)?\n\nBest regards,\n"
            "Marcus Bell\nBell & Sons Logistics\n2100 Embarcadero, Suite 120\nOakland, CA 94606\n(510) 555-0111")

    assert where(text) == (None, "Pleasanton", "94566")


def test_the_venue_in_the_body_wins_over_the_office_in_the_signature():
    text = ("We're 14 adults on Dec 12 at 6pm. It will be at our home, 4410 Rosewood Ct, Fremont 94538.\n\n"
            "Thanks,\nLena Park\nHarbor Capital\n1 Market St, Suite 300\nSan Francisco, CA 94105")

    assert where(text) == ("4410 Rosewood Ct, Fremont", "Fremont", "94538")


def test_the_office_in_the_signature_is_the_venue_when_the_message_says_so():
    text = ("Our team would like a hibachi lunch for 20 adults on December 15 at noon, at our office (address below)."
            "\n\nBest regards,\nDana White\nAcme Corp\n39899 Balentine Dr, Suite 200\nNewark, CA 94560")

    assert where(text) == ("39899 Balentine Dr, Suite 200, Newark, CA 94560", "Newark", "94560")


def test_a_sign_off_in_the_middle_of_a_message_starts_no_signature():
    assert entities("Thanks, see you at 6\nwe are at 12 Oak St")["street_address"] == "12 Oak St"


def test_a_short_answer_to_the_address_question_needs_no_suffix_but_a_deferral_is_no_address():
    assert entities("4410 rosewood", expected="street_address")["street_address"] == "4410 rosewood"
    assert "street_address" not in entities("not sure yet, I'll send it later", expected="street_address")
