"""The event's street address from messy real text (issue 12, item 3; issue 16, item 9): all in one message with the
date and guests, lower case and abbreviations, apartment numbers, corrections, and e-mail signatures whose office
address is not the event's unless the customer says the party is there."""

from datetime import date

import pytest

from nlu import extract_entities
from nlu.entities.addresses import corrected_street
from nlu.entities.numbers import spoken_house_number

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


# Voice transcripts spell the house number out, in the groups it is said in (outside evaluation, blind-a-voice).
@pytest.mark.parametrize("text,address", [
    ("oh the address okay it's seventy seven fourteen redbark circle", "7714 Redbark Circle"),
    ("the address is twenty nine oh five folsom street", "2905 Folsom Street"),
    ("address is four fifty two sunnyhills court", "452 Sunnyhills Court"),
    ("twenty one eighty tennyson bluff lane", "2180 Tennyson Bluff Lane"),
    ("yeah so it's one twenty three elm drive", "123 Elm Drive"),
    ("we're at twelve hundred oak ave", "1200 Oak Ave"),
    ("three thousand one mission blvd", "3001 Mission Blvd"),
    ("nineteen oh one n main st", "1901 N Main St"),
    ("four four one zero rosewood ct", "4410 Rosewood Ct"),
    ("five hundred and twelve bay st", "512 Bay St"),
    ("sixty-two fifteen lakeview way", "6215 Lakeview Way"),
])
def test_a_house_number_said_in_words_is_written_in_digits(text, address):
    assert entities(text, expected="street_address")["street_address"] == address


def test_a_spoken_address_needs_no_address_question_when_the_number_has_three_digits_or_more():
    assert entities("hi we'd like to book, it's at seventy seven fourteen redbark circle")["street_address"] == (
        "7714 Redbark Circle")


def test_the_street_of_a_spoken_address_is_not_read_as_the_city():
    found = entities("the address is twenty nine oh five folsom street", expected="street_address")

    assert (found["street_address"], found.get("city")) == ("2905 Folsom Street", None)


def test_the_town_after_a_spoken_address_is_kept_with_it_and_read_as_the_city():
    assert where("it's three thousand one mission blvd hayward") == ("3001 Mission Blvd Hayward", "Hayward", None)


def test_counts_a_time_and_a_zip_in_words_beside_a_spoken_address_are_still_read():
    found = entities("twenty one guests at six pm, seventy seven fourteen redbark circle, "
                     "zip nine four five three eight")

    assert (found["guests"], found["time"], found["zip"]) == (21, "18:00", "94538")
    assert found["street_address"] == "7714 Redbark Circle"


def test_a_spoken_apartment_number_is_written_in_digits():
    assert entities("forty one hundred elm street apartment two oh four", expected="street_address")[
        "street_address"] == "4100 Elm Street Apartment 204"


def test_a_filler_word_between_the_spoken_number_and_the_street_is_left_out():
    assert entities("seventy seven fourteen uh redbark circle", expected="street_address")["street_address"] == (
        "7714 Redbark Circle")


def test_a_spoken_address_written_with_capitals_keeps_them():
    assert entities("Address: Twelve Hundred McArthur Blvd")["street_address"] == "1200 McArthur Blvd"


def test_the_spoken_address_said_to_be_wrong_is_not_taken():
    text = "not seventy seven fourteen redbark circle, it's seventy seven sixteen redbark circle"

    assert entities(text)["street_address"] == "7716 Redbark Circle"


def test_a_one_word_number_before_a_street_is_an_address_only_when_asked_or_announced():
    assert "street_address" not in entities("twelve oak street")
    assert entities("address is twelve oak street")["street_address"] == "12 Oak Street"
    assert entities("twelve oak street", expected="street_address")["street_address"] == "12 Oak Street"


@pytest.mark.parametrize("expected", [None, "street_address"])
def test_one_in_an_ordinary_sentence_about_a_street_is_no_house_number(expected):
    assert "street_address" not in entities("the one on folsom street", expected=expected)


@pytest.mark.parametrize("text", [
    "about five blocks from main street",
    "party of twelve, we're near two main street",
    "twenty two grown ups in the backyard on oak lane",
    "see you at six thirty on elm street",
    "i have two dogs and a cat way too many",
])
def test_number_words_before_a_street_word_that_are_no_house_number_are_left_alone(text):
    assert "street_address" not in entities(text)


@pytest.mark.parametrize("text,key,value", [
    ("twenty two people", "guests", 22),
    ("six o'clock please", "time", "18:00"),
    ("nine four five three eight", "zip", "94538"),
])
def test_a_count_a_time_or_a_zip_in_words_after_the_address_question_is_no_address(text, key, value):
    found = entities(text, expected="street_address")

    assert "street_address" not in found
    assert found[key] == value


def test_a_written_address_is_kept_as_written_beside_the_spoken_rules():
    assert entities("it's 2905 folsom street", expected="street_address")["street_address"] == "2905 folsom street"


@pytest.mark.parametrize("words,digits", [
    ("seventy seven fourteen", "7714"), ("twenty nine oh five", "2905"), ("four fifty two", "452"),
    ("one twenty three", "123"), ("twelve hundred", "1200"), ("three thousand one", "3001"),
    ("nineteen oh one", "1901"), ("two thousand four hundred ten", "2410"), ("a hundred", "100"),
    ("thirty nine eight ninety nine", "39899"), ("twenty one eighty", "2180"),
])
def test_spoken_house_number_groups(words, digits):
    assert spoken_house_number(words) == digits


@pytest.mark.parametrize("words", ["oh five", "zero one", "hundred", "twelve hundred hundred", "twenty and",
                                   "one two three four five six seven"])
def test_words_that_are_no_house_number(words):
    assert spoken_house_number(words) is None


def test_a_corrected_spelling_of_the_street_name_updates_the_address():
    assert corrected_street("2870 Redwod Rd castro valley", "oops Redwood Rd* lol") == "2870 Redwood Rd castro valley"


def test_the_long_form_of_the_suffix_still_corrects_the_street_name():
    assert corrected_street("2870 Redwod Rd castro valley", "sorry, Redwood Road") == "2870 Redwood Rd castro valley"


@pytest.mark.parametrize("text", ["its Oak St", "Redwod Rd", "redwood", "also we have 20 people", "Redwood Ave"])
def test_another_street_the_same_spelling_or_no_street_corrects_nothing(text):
    assert corrected_street("2870 Redwod Rd castro valley", text) is None


# --- streets named the Spanish way, the kind first (session 12) ------------------------------------------------------


@pytest.mark.parametrize(("text", "address"), [
    ("our place is 48 Calle Azul, San Jose", "48 Calle Azul, San Jose"),
    ("it's at 1200 camino del sol", "1200 camino del sol"),
    ("75 Via Lucia apt 3, 12 adults", "75 Via Lucia apt 3"),
    ("The house: 9 Vista Grande.", "9 Vista Grande"),
])
def test_a_street_whose_kind_comes_first_is_an_address(text, address):
    assert extract_entities(text)["street_address"] == address


@pytest.mark.parametrize("text", ["we are 12 via email", "send it to me via text", "the 16 vista points are nice"])
def test_via_or_vista_in_a_sentence_is_no_address(text):
    assert "street_address" not in extract_entities(text)


@pytest.mark.parametrize(("text", "address"), [("we're at 412 Foxtail Crossing", "412 Foxtail Crossing"),
                                               ("it's 88 Deer Hollow, Orinda", "88 Deer Hollow, Orinda"),
                                               ("1550 Quail Ridge", "1550 Quail Ridge")])
def test_streets_with_less_common_suffixes(text, address):
    assert extract_entities(text)["street_address"] == address


@pytest.mark.parametrize("text", ["10 adults and a nice view", "we want 2 orders of gyoza by the pool"])
def test_a_count_before_a_suffix_word_is_no_street(text):
    assert "street_address" not in extract_entities(text)
