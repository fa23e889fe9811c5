"""Dates around holidays, compact clock times, "as of today", misspelt cities, a city opening a list of details, and
names given in a short answer or out of turn. Phrasings are not the outside conversations' own (those stay a test
set, agents/eval/corpus is the project's)."""

from datetime import date

import pytest

from nlu import extract_entities

MONDAY = date(2026, 11, 2)


def entities(text, expected=None):
    return extract_entities(text, reference_date=MONDAY, expected=expected)


# --- dates ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "day"), [
    ("thinking the saturday after thanksgiving", "2026-11-28"),
    ("can u do the day after xmas", "2026-12-26"),
    ("the sunday before christmas, evening", "2026-12-20"),
    ("black friday dinner?", "2026-11-27"),
])
def test_a_day_named_from_a_holiday_is_that_day(text, day):
    assert entities(text)["date"] == day


def test_a_holiday_alone_is_still_the_holiday():
    assert entities("christmas eve party")["date"] == "2026-12-24"


def test_headcount_as_of_today_does_not_make_today_the_event():
    found = entities("The party is Saturday, December 12. Guest count as of today: 30 adults")
    assert found["date"] == "2026-12-12"


def test_today_on_its_own_is_still_today():
    assert entities("can you come today?")["date"] == "2026-11-02"


@pytest.mark.parametrize(("text", "time"), [("830pm works", "20:30"), ("start at 1230pm", "12:30"),
                                            ("6pm", "18:00"), ("8:30 p.m.", "20:30")])
def test_clock_times_written_without_a_colon(text, time):
    assert entities(text)["time"] == time


def test_a_bare_four_digit_number_is_not_a_time():
    assert "time" not in entities("we are at 1830 elm street")


# --- cities ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "city"), [
    ("party in walnut creak", "Walnut Creek"),
    ("we're in union citty", "Union City"),
    ("event is in pleasonton", "Pleasanton"),
    ("at our place in sacremento", "Sacramento"),
])
def test_a_city_with_one_typo_is_the_city(text, city):
    assert entities(text)["city"] == city


def test_a_long_city_name_with_a_typo_needs_a_place_word_or_the_location_question():
    assert "city" not in entities("livermoore")
    assert entities("livermoore", expected="location")["city"] == "Livermore"


@pytest.mark.parametrize("text", ["the mountain views are great", "a modest party", "not in walnut creak"])
def test_words_near_a_city_name_are_not_taken_for_it(text):
    assert "city" not in entities(text)


def test_a_surname_city_opening_a_list_of_details_is_the_place():
    assert entities("Newark, sunday dec 6 at 3", expected="date")["city"] == "Newark"


def test_a_surname_city_inside_a_sentence_still_needs_a_place_word():
    assert "city" not in entities("ask for davis when you arrive")


# --- names -------------------------------------------------------------------------------------------------------


def test_a_name_answer_that_repeats_the_first_name_takes_the_full_name():
    assert entities("oh it's marco lol, marco bellini", expected="name")["name"] == "Marco Bellini"


def test_a_full_name_sent_while_another_detail_was_asked_is_the_name():
    assert entities("Priya Raman", expected="street_address")["name"] == "Priya Raman"


@pytest.mark.parametrize("text", ["Oak Street", "Happy Holidays", "Castro Valley", "yes please"])
def test_a_short_capitalised_message_that_is_not_a_person_is_no_name(text):
    assert "name" not in entities(text, expected="location")


@pytest.mark.parametrize(("text", "time"), [("could we do the 8-30 slot", "20:30"), ("around 7 30 at night", "19:30"),
                                            ("at 6 in the evening", "18:00"), ("at 11 in the morning", "11:00")])
def test_spoken_times_with_their_part_of_the_day(text, time):
    assert entities(text)["time"] == time


def test_a_count_before_a_part_of_the_day_is_no_time():
    found = entities("we have 10 in the evening group")
    assert "time" not in found


def test_the_date_said_to_be_wrong_is_not_the_date():
    assert entities("it's saturday, december 19, not the 12th")["date"] == "2026-12-19"


def test_a_full_name_between_commas_of_a_booking_message_is_the_name():
    found = entities("ok go ahead. Marco Bellini, 48 Elm St", expected="name")
    assert found["name"] == "Marco Bellini" and found["street_address"] == "48 Elm St"


def test_a_full_name_before_its_contact_sentence_is_the_name():
    assert entities("Dana Whitmore. Phone is 510-555-0142", expected="slot")["name"] == "Dana Whitmore"


@pytest.mark.parametrize("text", ["fyi one guest is vegan", "1 person has a nut allergy", "one guest who can't eat shrimp"])
def test_one_guest_named_for_a_need_is_not_the_party_size(text):
    found = entities(text)
    assert "guests" not in found and "adults" not in found


def test_a_line_quoted_from_an_earlier_email_gives_nothing():
    found = entities("Make it Sunday, December 20 please.\n\n> We'd like Saturday, December 12 at 3pm for 16 adults.")
    assert found["date"] == "2026-12-20" and "adults" not in found


@pytest.mark.parametrize(("text", "time"), [("sun dec 6 around 5", "17:00"), ("a late lunch around 1", "13:00"),
                                            ("the early one, the 12-00", "12:00"), ("saturday around 6ish", "18:00")])
def test_around_a_number_after_a_day_or_a_meal_is_a_time(text, time):
    assert entities(text)["time"] == time


@pytest.mark.parametrize("text", ["we are around 12", "for around 15 people on dec 5", "about 20 min away"])
def test_around_a_number_that_counts_something_is_no_time(text):
    assert "time" not in entities(text)


@pytest.mark.parametrize(("text", "time"), [("switch to the 6 pm start instead of 3pm", "18:00"),
                                            ("8:30pm, not noon", "20:30")])
def test_the_time_said_to_be_replaced_is_not_the_time(text, time):
    assert entities(text)["time"] == time
