"""Party make-up, add-on quantities, street address, dates and slot words, and short answers to the question just
asked, from messy real text."""

from datetime import date

import pytest

from nlu import extract_entities

TUESDAY = date(2026, 3, 10)


def entities(text, expected=None):
    return extract_entities(text, reference_date=TUESDAY, expected=expected)


def party(text, expected=None):
    keys = ("adults", "children", "children_under_6", "guests", "guests_includes_children")
    return {key: value for key, value in entities(text, expected).items() if key in keys}


# --- party make-up (handbook: adult 13 and over, child 6-12, 5 and under free) ----------------------------------


def test_a_total_including_kids_gives_the_total_the_kids_and_the_adults_left():
    assert party("14 people including 3 kids") == {
        "guests": 14, "guests_includes_children": True, "adults": 11, "children": 3}


def test_kids_included_after_a_total_marks_the_total():
    assert party("so 14 total, kids included") == {"guests": 14, "guests_includes_children": True}


def test_for_everybody_kids_included_marks_the_total_given_before():
    assert party("yes the quote for everybody, kids included pls") == {"guests_includes_children": True}


def test_ages_instead_of_counts_split_by_the_handbook():
    assert party("three kids aged 3, 8 and 10") == {"children": 2, "children_under_6": 1}


def test_a_total_with_kids_ages_splits_the_kids_and_leaves_the_adults():
    assert party("we're 14 people incl 3 kids (3, 8 and 10 yrs old)") == {
        "guests": 14, "guests_includes_children": True, "adults": 11, "children": 2, "children_under_6": 1}


def test_a_13_year_old_is_an_adult():
    assert party("10 adults and a 13 year old") == {"adults": 11}


def test_a_baby_is_under_6():
    assert party("12 adults + a baby") == {"adults": 12, "children_under_6": 1}


def test_ages_in_the_same_sentence_split_the_kid_count_instead_of_adding_kids():
    assert party("10 adults and 3 kids, 2 of them are 4 years old") == {
        "adults": 10, "children": 1, "children_under_6": 2}


def test_ages_in_the_next_sentence_split_the_kid_count():
    assert party("12 adults and 2 kids. The youngest is a 4 year old") == {
        "adults": 12, "children": 1, "children_under_6": 1}


def test_all_adults_means_no_children():
    assert party("it's 14 of us, all adults") == {"adults": 14, "children": 0}


def test_a_short_answer_to_the_guest_question_is_the_guest_count():
    assert party("12", expected="adults") == {"guests": 12}
    assert party("twelve!", expected="adults") == {"guests": 12}


def test_a_bare_number_with_kids_answering_the_guest_question_is_the_adults():
    assert party("10 and 2 kids", expected="adults") == {"adults": 10, "children": 2}


def test_a_bare_number_is_not_a_guest_count_without_the_question():
    assert party("12") == {}


# --- add-ons and upgrades -----------------------------------------------------------------------------------------


def test_noodles_for_the_whole_group_is_everyone():
    assert entities("noodles for the whole group")["upgrades"] == {"yakisoba_noodles": None}


def test_two_orders_of_gyoza():
    assert entities("n 2 orders of gyoza pls")["addons"] == {"gyoza": 2}


def test_lobster_for_4_of_the_adults():
    assert entities("14 adults, lobster for 4 of the adults") == {"adults": 14, "upgrades": {"lobster_tail": 4}}


# --- street address -----------------------------------------------------------------------------------------------


def test_street_address_with_town():
    found = entities("address is 1234 Oak St, Fremont")
    assert (found["street_address"], found["city"]) == ("1234 Oak St, Fremont", "Fremont")


def test_street_address_with_apartment_is_not_a_guest_count():
    assert entities("at 55 Mission Blvd apt 4, 20 adults") == {"street_address": "55 Mission Blvd apt 4", "adults": 20}


def test_street_address_with_state_and_zip():
    found = entities("we live at 742 Evergreen Terrace, San Jose, CA 95123")
    assert (found["street_address"], found["zip"], found["city"]) == (
        "742 Evergreen Terrace, San Jose, CA 95123", "95123", "San Jose")


def test_a_short_answer_to_the_address_question():
    assert entities("4410 rosewood", expected="street_address")["street_address"] == "4410 rosewood"


def test_a_count_is_not_a_street():
    assert "street_address" not in entities("20 adults and 5 kids way too many?")


# --- dates and slot words -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, day", [
    ("next sat", "2026-03-14"), ("this sat?", "2026-03-14"), ("the 12th", "2026-03-12"), ("12/20", "2026-12-20"),
    ("Next Saturday!!", "2026-03-14"),
])
def test_dates_and_relative_dates(text, day):
    assert entities(text)["date"] == day


def test_a_bare_day_answering_the_date_question():
    assert entities("20th", expected="date")["date"] == "2026-03-20"


@pytest.mark.parametrize("text, time", [
    ("noon", "12:00"), ("8:30", "20:30"), ("3pm", "15:00"), ("six o'clock", "18:00"), ("lunch time", "12:00"),
    ("saturday afternoon", "15:00"), ("late evening pls", "20:30"),
])
def test_slot_words(text, time):
    assert entities(text)["time"] == time


def test_evening_is_left_open_between_the_two_evening_slots():
    found = entities("evening works")
    assert "time" not in found
    assert found["time_options"] == ["18:00", "20:30"]


def test_good_evening_is_a_greeting_not_a_time():
    assert entities("Good evening! how much for 20 adults?") == {"adults": 20}


@pytest.mark.parametrize("text, time", [("six", "18:00"), ("6", "18:00"), ("12", "12:00"), ("8 30", "20:30"),
                                        ("at 3 pls", "15:00")])
def test_a_bare_hour_answering_the_slot_question(text, time):
    assert entities(text, expected="slot")["time"] == time


def test_a_bare_hour_without_the_question_is_not_a_time():
    assert "time" not in entities("six")


# --- the question just asked ------------------------------------------------------------------------------------------


def test_a_zip_answering_the_location_question():
    assert entities("94538", expected="location") == {"zip": "94538"}


def test_an_ambiguous_city_answering_the_location_question():
    assert entities("davis", expected="location") == {"city": "Davis"}


def test_an_unknown_expected_slot_is_refused():
    with pytest.raises(ValueError, match="expected must be one of"):
        entities("12", expected="guests")


def test_a_total_with_kids_written_w_slash_counts_the_kids():
    assert party("we r 18 total w/ kids, 4 kids under 10") == {
        "guests": 18, "guests_includes_children": True, "adults": 14, "children": 4}


def test_a_price_per_mile_is_not_a_street():
    assert "street_address" not in entities("travel is 2 per mile one way beyond 20 miles")


@pytest.mark.parametrize("text", ["the hibachi was fire last night", "Thanks, have a great night!",
                                  "we're doing a hibachi night on the 28th"])
def test_night_in_passing_is_not_a_slot(text):
    found = entities(text)
    assert "time" not in found and "time_options" not in found


def test_the_late_slot_is_2030():
    assert entities("Can we do the late slot on the 20th?")["time"] == "20:30"


def test_fewer_ages_than_kids_leave_the_rest_as_children():
    assert party("3 kids ages 4 and 8") == {"children": 2, "children_under_6": 1}


def test_bare_ages_after_a_comma_split_the_kids_when_there_is_one_per_kid():
    assert party("2 kids, 5 and 8") == {"children": 1, "children_under_6": 1}


def test_some_of_the_kids_under_6_split_the_count():
    assert party("4 kids, 2 of them are under 6") == {"children": 2, "children_under_6": 2}


def test_and_2_under_6_are_more_kids_not_the_ages_of_the_kids_before():
    assert party("12 adults, 4 kids and 2 under 6") == {"adults": 12, "children": 4, "children_under_6": 2}


def test_everyones_an_adult_means_no_children():
    assert party("20 of us and everyone's an adult") == {"adults": 20, "children": 0}


def test_an_upgrade_for_all_of_us_is_everyone():
    assert entities("filet for all of us pls")["upgrades"] == {"filet_mignon": None}


def test_one_age_for_several_kids_is_the_age_of_them_all():
    assert party("5 kids aged 3") == {"children_under_6": 5}
    assert party("4 kids aged 4 and 5") == {"children_under_6": 4}
