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


# --- kids named with their ages, ages said on their own, head counts without a noun, guest lists, the party named ---


def test_kids_named_with_ages_split_the_kids_by_age():
    text = "10 adults plus our 3 kids - Maya is 8, Leo is 4 and Ethan just turned 13 (he eats more than me lol)"
    assert party(text) == {"adults": 11, "children": 1, "children_under_6": 1}


def test_kids_named_with_ages_in_brackets_split_the_kids_by_age():
    assert party("we have 2 kids: Sam (7) and Ava (3)") == {"children": 1, "children_under_6": 1}


def test_kids_named_with_bare_ages_split_the_kids_by_age():
    assert party("6 adults and our 2 kids, Tom 10 and Jess 5") == {"adults": 6, "children": 1, "children_under_6": 1}


def test_kids_named_with_ages_in_the_next_sentence_split_the_kids():
    assert party("12 adults and 2 kids. Jake is 9 and Lily is 14") == {"adults": 13, "children": 1}


def test_named_ages_fewer_than_the_kids_do_not_split_them():
    assert party("9 adults and 3 kids, Jake is 9") == {"adults": 9, "children": 3}


@pytest.mark.parametrize("text", ["1 kid and 2 dogs", "3 kids, total 15", "3 kids, maybe 4"])
def test_a_number_after_the_kids_that_is_no_age_is_not_read_as_one(text):
    assert party(text) == {"children": int(text.split()[0])}


@pytest.mark.parametrize("text, by_age", [
    ("kids r 13, 11 and 5", 1),
    ("10 adults. our 3 kids are 13, 14 and 4", 2),
    ("8 adults and a 15 year old", 1),
])
def test_the_kids_counted_as_adults_for_their_age_are_told_apart(text, by_age):
    assert entities(text)["adults_by_age"] == by_age


def test_adults_by_age_is_absent_when_no_kid_is_13_or_over():
    assert "adults_by_age" not in entities("10 adults plus 3 kids, they're 12, 8 and 4")


def test_ages_of_the_kids_counted_before_in_the_sentence_split_them():
    assert party("its for 2 families, 9 adults 6 kids, kids r like 4, 7, 9, 10, 11 and 12") == {
        "adults": 9, "children": 5, "children_under_6": 1}


def test_ages_of_the_kids_counted_in_the_sentence_before_split_them():
    assert party("twelve adults and two kids. the kids are eight and four") == {
        "adults": 12, "children": 1, "children_under_6": 1}


def test_a_relative_with_an_age_after_and_is_one_more_kid():
    assert party("plus 3 kids 7 9 n 11 and my nephew whos 3") == {"children": 3, "children_under_6": 1}


def test_kids_named_with_ages_on_a_line_before_the_adults():
    assert party("kids: Maya 4, Leo 7, Ava 9, Sam 12\nadults: 10") == {"adults": 10, "children": 3,
                                                                     "children_under_6": 1}


def test_the_birthday_kids_age_is_not_read_as_a_name_and_age():
    assert party("bday party 4 my son turning 10, 8 kids + 6 adults") == {"adults": 6, "children": 8}


@pytest.mark.parametrize("text, counts", [
    ("28 adults and 2 littles (2 and 4 yrs)", {"adults": 28, "children_under_6": 2}),
    ("15 grownups + 5 littles (2, 4, 6, 9, 11)", {"adults": 15, "children": 3, "children_under_6": 2}),
    ("10 adults and 2 lil ones", {"adults": 10, "children_under_6": 2}),
])
def test_littles_are_kids(text, counts):
    assert party(text) == counts


def test_ages_after_r_split_the_kids_by_age():
    assert party("kids r 13, 11 and 5") == {"adults": 1, "children": 1, "children_under_6": 1}


def test_a_teen_among_the_kids_in_a_later_sentence_adds_to_the_adults():
    assert party("10 adults. our 3 kids are 13, 8 and 4") == {"adults": 11, "children": 1,
                                                                "children_under_6": 1}


def test_a_head_count_including_kids_with_ages_leaves_the_rest_as_adults():
    assert party("20 people including 3 kids aged 13, 8 and 4") == {
        "adults": 18, "children": 1, "children_under_6": 1, "guests": 20,
        "guests_includes_children": True}


def test_kids_aged_6_to_12_in_a_total_are_not_read_as_ages_of_adults():
    assert party("25 ppl total incl 5 kids (6-12)") == {"adults": 20, "children": 5, "guests": 25,
                                                         "guests_includes_children": True}


@pytest.mark.parametrize("text, guests", [
    ("wait make that 16 my bf just told me his brothers r coming lol", 16),
    ("actually make it 8, my sister can't come", 8),
    ("sorry 18, two more are coming", 18),
])
def test_a_corrected_number_about_who_comes_is_the_head_count(text, guests):
    assert party(text) == {"guests": guests}
    assert entities(text)["correction"] is True


@pytest.mark.parametrize("text", ["make it 6 instead", "make that 16",
                                  "actually make it 6, people are coming from work so later is better"])
def test_a_corrected_number_not_about_who_comes_is_no_head_count(text):
    assert party(text) == {}


def test_a_numbered_guest_list_counts_one_guest_a_line():
    lines = [f"{n}. Guest{chr(64 + n)} Lastname 510-555-01{n:02d}" for n in range(1, 14)]
    text = "here's the guest list so you know the count:\n" + "\n".join(lines) + "\n14. me :)\nall adults"
    found = entities(text)
    assert party(text) == {"adults": 14, "children": 0}
    assert len(found["other_contacts"]) == 13 and "phone" not in found


def test_a_bulleted_guest_list_counts_one_guest_a_line():
    assert party("who's coming:\n- Ann\n- Bob\n- Cy") == {"guests": 3}


def test_a_guest_list_followed_by_kids_counts_its_lines_as_adults():
    assert party("guest list\n1. Ann\n2. Bob\n3. Cy\nplus 2 kids") == {"adults": 3, "children": 2}


@pytest.mark.parametrize("text", [
    "guest list:\n1. Ann & Bob\n2. Cy",                    # a line of two
    "guest list:\n1. Ann\n2. Bob\n4. Cy",                  # numbering skips
    "rsvp list so far\n1) Ann Lee\n2) Bob Ray\n3) Cy\n+ a few maybe",   # more than it names
    "questions:\n1. do you bring plates?\n2. is the tip included?",      # not a guest list
])
def test_a_list_that_does_not_name_each_guest_once_is_no_count(text):
    assert party(text) == {}


@pytest.mark.parametrize("text, counts", [
    ("its a tiny party lol me, hubby, my parents and our son (10)", {"adults": 4, "children": 1}),
    ("it's just me and my wife", {"adults": 2}),
    ("party of me, my wife and our 2 kids", {"adults": 2, "children": 2}),
    ("dinner for me, my mom and dad", {"adults": 3}),
    ("me, my bf and my parents will be coming", {"adults": 4}),
    ("just me, my bf and our daughter (14)", {"adults": 3}),
])
def test_a_party_named_person_by_person_is_counted(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text", [
    "its me, hubby and our son",                               # the son's age is not given
    "it's me, my wife, and jim",                               # jim: child or adult?
    "me and my husband want to book for our anniversary",      # who else comes is not said
    "my husband and i want to surprise my parents",
    "me and my wife will be there plus some friends",
    "a surprise party for my husband and i need help",
])
def test_a_party_not_named_person_by_person_is_not_guessed(text):
    assert party(text) == {}


# --- ages told kid by kid after the kids are counted -----------------------------------------------------------------


@pytest.mark.parametrize("text, counts", [
    ("We're 8 adults plus three kids. One of them is nine and the other two are four.",
     {"adults": 8, "children": 1, "children_under_6": 2}),
    ("12 grown-ups and 3 grandkids: the oldest is 11, the middle one's 7 and the youngest is, um, 2",
     {"adults": 12, "children": 2, "children_under_6": 1}),
    ("twenty adults, then five kids. three of them are eight and two are like three",
     {"adults": 20, "children": 3, "children_under_6": 2}),
])
def test_ages_told_kid_by_kid_split_the_kids_counted_before(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text, counts", [
    ("14 adults. Plus the kids, there are three of them. Mia is 6, Noah is 4 and Ava turned 12.",
     {"adults": 14, "children": 2, "children_under_6": 1}),
    ("6 adults and my nieces, theres 2 of them", {"adults": 6}),  # nieces without ages: not guessed
    ("10 adults and the kids, there's 3 of them", {"adults": 10, "children": 3}),
])
def test_theres_n_of_them_after_a_kids_noun_counts_them(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text, counts", [
    ("8 adults and my twins who are 7", {"adults": 8, "children": 2}),
    ("7 adults and our triplets, they're 3", {"adults": 7, "children_under_6": 3}),
    ("10 adults and twin girls aged 8, plus a 4-year-old", {"adults": 10, "children": 2, "children_under_6": 1}),
    ("15 adults, my little sisters who are 9 and 11", {"adults": 15, "children": 2}),
    ("9 adults + my 2 younger brothers, theyre 5 and 13", {"adults": 10, "children_under_6": 1}),
])
def test_twins_and_little_siblings_with_ages_are_counted(text, counts):
    assert party(text) == counts


def test_people_who_count_as_adults_are_the_adults():
    assert party("we'll be 12 people who count as adults (my cousin who's 14 is one of them) and 3 kids") == {
        "adults": 12, "children": 3}


@pytest.mark.parametrize("text, counts", [
    ("I'm 35", {}),
    ("we've been married 12 years, party of 20", {"guests": 20}),
    ("10 adults and my 2 kids are coming, ages tbd", {"adults": 10, "children": 2}),
    ("10 adults, 4 kids. Two of them are seven and one's four.", {"adults": 10, "children": 4}),  # 3 ages, 4 kids
    ("10 adults and 1 kid, and Mark is 40", {"adults": 10, "children": 1}),
    ("20 adults and the twins are 5 and 9 and 2", {"adults": 20}),  # three ages for two twins
    ("my twins are coming too", {}),
    ("12 adults and my 2 brothers", {"adults": 12}),
])
def test_ages_that_do_not_fit_the_kids_are_not_guessed(text, counts):
    assert party(text) == counts


# --- ages given on their own, told in runs, in months; cousins with ages ----------------------------------------------


@pytest.mark.parametrize("text, counts", [
    ("ages 9 and 4", {"children": 1, "children_under_6": 1}),  # an SMS after "+2 kids"
    ("aged 2 & 11.", {"children": 1, "children_under_6": 1}),
    ("3 kids. ages 5 and 10", {"children": 2, "children_under_6": 1}),  # the ages of two of the three
    ("14 adults + 2 kids. ages 7 and 1", {"adults": 14, "children": 1, "children_under_6": 1}),
])
def test_ages_alone_are_the_ages_of_the_kids(text, counts):
    assert party(text) == counts


def test_ages_alone_re_split_the_kids_counted_in_an_earlier_message():
    from agents.engine import dialogue

    state = {"booking": {}}
    for message in ("10 adults", "+3 kids", "ages 12, 4 and 2"):
        dialogue.merge_entities(state, entities(message), text=message)
    assert state["booking"] == {"adults": 10, "children": 1, "children_under_6": 2}


@pytest.mark.parametrize("text, counts", [
    ("twelve adults. Then the nieces and nephews, there's four of them. Nine, eleven, and then the babies are two and "
     "um three.", {"adults": 12, "children": 2, "children_under_6": 2}),
    ("10 adults, 3 kids. 2, 7 and 9.", {"adults": 10, "children": 2, "children_under_6": 1}),
    ("8 adults. the grandkids, there's 3 of them. 4, and then the big ones are 8 and 13.",
     {"adults": 9, "children": 1, "children_under_6": 1}),
])
def test_ages_told_in_runs_after_the_kids_split_them(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text, counts", [
    ("20 adults plus a 10 month old", {"adults": 20, "children_under_6": 1}),
    ("15 adults and our newborn, 6 weeks", {"adults": 15, "children_under_6": 1}),
    ("22 adults, 1 kid (7), and my sister's baby, she's 18 months", {"adults": 22, "children": 1}),  # "she's": ?
    ("22 adults, 1 kid (7), and my sister's infant who is 4 months old",
     {"adults": 22, "children": 1, "children_under_6": 1}),
])
def test_a_baby_aged_in_months_is_under_6(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text, counts", [
    ("30 grown-ups and the cousins, ages 2, 8, 10 and 15", {"adults": 31, "children": 2, "children_under_6": 1}),
    ("8 adults and my cousins (4, 7 and 10)", {"adults": 8, "children": 2, "children_under_6": 1}),
])
def test_cousins_with_ages_are_counted_by_age(text, counts):
    assert party(text) == counts


@pytest.mark.parametrize("text, counts", [
    ("ages 21 and up", {}),
    ("ages 30 and 35", {}),
    ("we've been together 6 and a half years", {}),
    ("2 kids, ages tbd", {"children": 2}),
    ("ages 8 and 4 and 2 adults", {"adults": 2}),  # which ages go with whom? not guessed
    ("we waited 9 months for this", {}),
    ("the baby is 9 months along", {}),
    ("my cousins are 30 and 32", {}),
    ("my cousins are coming too", {}),
    ("10 adults. the kids, there's 3 of them. 4, 9, 11 years ago", {"adults": 10, "children": 3}),
    ("6 adults and 3 kids. 5, 8 and 10 adults", {"adults": 10, "children": 3}),
])
def test_ages_and_months_that_are_not_a_party_are_not_guessed(text, counts):
    assert party(text) == counts
