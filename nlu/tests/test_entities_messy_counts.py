"""Details that messy messages hide: ages listed instead of counts, relatives with ages, "dec 12 noon", misspelt party
nouns, upgrades for part of the group, and a value corrected with "not"."""

from datetime import date

import pytest

from nlu import extract_entities
from nlu.entities.typos import fix_party_typos, party_noun

TUESDAY = date(2026, 3, 10)


def entities(text, expected=None):
    return extract_entities(text, reference_date=TUESDAY, expected=expected)


def party(text):
    keys = ("adults", "children", "children_under_6", "guests", "guests_includes_children")
    return {key: value for key, value in entities(text).items() if key in keys}


# --- ages instead of counts (handbook: 13 and over adult, 6-12 child, under 6 free) ---------------------------------


def test_ages_separated_by_spaces_split_the_kids_by_age():
    assert party("12 adults and 3 kids ages 4 8 and 11") == {"adults": 12, "children": 2, "children_under_6": 1}


def test_ages_after_theyre_like_split_the_kids_by_age():
    assert party("ten adults and uh three kids they're like five seven and nine") == {
        "adults": 10, "children": 2, "children_under_6": 1}


def test_a_thirteen_year_old_relative_is_an_adult():
    assert party("10 adults plus my two nephews, they're 13 and 9") == {"adults": 11, "children": 1}


def test_relatives_without_ages_are_not_guessed_to_be_children():
    assert party("10 adults and my 2 nephews") == {"adults": 10}


def test_one_child_with_an_age():
    assert party("10 adults, my son is 8") == {"adults": 10, "children": 1}


def test_an_age_after_turning_is_an_age():
    assert party("12 adults plus my son, he's turning 8") == {"adults": 12, "children": 1}


def test_the_girls_ages_split_them():
    assert party("15 adults, the girls are 4 and 7") == {"adults": 15, "children": 1, "children_under_6": 1}


def test_grandkids_are_kids():
    assert party("8 adults and 3 grandkids") == {"adults": 8, "children": 3}


# --- a date's day before "noon" --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["dec 12 noon", "Dec 12 noon 94587", "Saturday, Dec. 12 noon"])
def test_the_day_before_noon_stays_the_date(text):
    found = entities(text)
    assert (found["date"], found["time"]) == ("2026-12-12", "12:00")


def test_twelve_noon_without_a_month_is_the_time():
    found = entities("at 12 noon on the 5th")
    assert (found["date"], found["time"]) == ("2026-04-05", "12:00")


# --- misspelt party nouns -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, counts", [
    ("need 14 adlts", {"adults": 14}), ("14 adutls", {"adults": 14}), ("fourteen adlts", {"adults": 14}),
    ("12 aduts, 2 childern", {"adults": 12, "children": 2}), ("3 chidlren", {"children": 3}),
    ("3 kdis", {"children": 3}), ("20 peopel", {"guests": 20}), ("12 guets", {"guests": 12}),
])
def test_common_typos_of_party_nouns_after_a_count(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("word", ["kits", "chili", "adults", "pm", "guys"])
def test_words_that_are_not_typos_of_party_nouns_are_left(word):
    assert party_noun(word) is None


def test_a_near_miss_is_corrected_only_after_a_count():
    assert fix_party_typos("the adlts and 14 adlts") == "the adlts and 14 adults"


# --- upgrades for part of the group ---------------------------------------------------------------------------------


def test_a_count_with_would_like_and_no_noun_is_the_upgrade_count():
    found = entities("20 adults. 8 of us would like filet mignon and 5 would like the lobster tail.")
    assert found["upgrades"] == {"filet_mignon": 8, "lobster_tail": 5}
    assert found["adults"] == 20


def test_n_want_an_upgrade():
    assert entities("5 want lobster")["upgrades"] == {"lobster_tail": 5}


# --- a value corrected with "not" -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["oops the zip is 94611, not 94538", "not 94538 but 94611",
                                  "zip is 94611 instead of 94538"])
def test_the_zip_named_with_not_is_the_wrong_one(text):
    assert entities(text)["zip"] == "94611"


@pytest.mark.parametrize("text", ["it's in oakland not fremont", "not in fremont, in oakland"])
def test_the_city_named_with_not_is_the_wrong_one(text):
    assert entities(text)["city"] == "Oakland"


def test_a_zip_only_named_as_wrong_is_not_taken():
    assert "zip" not in entities("not 94538")
