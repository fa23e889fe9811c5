"""How many guests take an upgrade: the number as the subject of the sentence ("Six people on the leadership team have
asked for the filet"), after the upgrade ("lobster for 4 of the adults"), a share of the party ("half of us"), the
whole party ("everyone"), and vague amounts that are not guessed ("some of us"). A count that says who takes an
upgrade is not the party size."""

from datetime import date

import pytest

from nlu import extract_entities
from nlu.entities.menu import upgrade_guests

TUESDAY = date(2026, 3, 10)


def entities(text):
    return extract_entities(text, reference_date=TUESDAY)


def upgrades(text):
    return entities(text).get("upgrades", {})


# --- a number of guests as the subject ----------------------------------------------------------------------------


def test_people_with_a_qualifier_who_asked_for_an_upgrade():
    found = entities("Six people on the leadership team have asked for the filet mignon instead of the steak; "
                     "everyone else is happy with the standard proteins.")
    assert found["upgrades"] == {"filet_mignon": 6}


def test_the_subject_count_is_not_the_party_size():
    found = entities("We're 25 people. Six people on the leadership team have asked for the filet mignon.")
    assert (found["guests"], found["upgrades"]) == (25, {"filet_mignon": 6})


def test_a_count_of_the_adults_would_like_a_third_protein():
    found = entities("24 adults and 6 kids. Ten of the adults would like a third protein (they're big eaters). "
                     "Everyone else is fine with two.")
    assert (found["adults"], found["children"], found["upgrades"]) == (24, 6, {"third_protein": 10})


def test_everyone_else_in_the_next_sentence_is_not_everyone():
    found = entities("Ten of the adults would like a third protein. Everyone else is fine with two.")
    assert found["upgrades"] == {"third_protein": 10}


def test_a_count_of_the_guys_with_a_filler_word():
    assert upgrades("and six of the guys want like a third protein can they do that") == {"third_protein": 6}


def test_count_and_short_noun_still_works():
    assert upgrades("and 6 ppl want filet mignon") == {"filet_mignon": 6}


@pytest.mark.parametrize(("text", "expected"), [
    ("Four of them are getting lobster.", {"lobster_tail": 4}),
    ("twelve guests will have the lobster tail", {"lobster_tail": 12}),
    ("a dozen of us would love the filet", {"filet_mignon": 12}),
    ("3 colleagues from accounting requested the lobster", {"lobster_tail": 3}),
    ("Two of the guests asked for a third protein.", {"third_protein": 2}),
    ("if 10 people got the lobster how much would that be", {"lobster_tail": 10}),
    ("Can 6 of us get the lobster?", {"lobster_tail": 6}),
    ("5 of the kids want yakisoba noodles", {"yakisoba_noodles": 5}),
    ("upgrade 7 people to the filet", {"filet_mignon": 7}),
    ("Ten of the adults, who are big eaters, would like a third protein", {"third_protein": 10}),
])
def test_other_phrasings_of_a_subject_count(text, expected):
    assert upgrades(text) == expected


def test_two_upgrades_with_their_own_subject_counts():
    found = entities("we are 20 adults, 7 want filet and 3 want lobster")
    assert (found["adults"], found["upgrades"]) == (20, {"filet_mignon": 7, "lobster_tail": 3})


def test_upgrades_listed_after_one_subject_share_its_count():
    assert upgrades("6 of us want filet and lobster") == {"filet_mignon": 6, "lobster_tail": 6}


def test_a_count_of_whom_after_the_party():
    found = entities("a quote for 20 adults, 5 of whom want filet")
    assert (found["adults"], found["upgrades"]) == (20, {"filet_mignon": 5})


# --- a number after the upgrade -----------------------------------------------------------------------------------


def test_upgrade_for_a_count_of_the_adults():
    assert upgrades("a third protein for ten of the adults") == {"third_protein": 10}


def test_upgrades_listed_before_one_count_share_it():
    assert upgrades("filet and lobster for 6 people") == {"filet_mignon": 6, "lobster_tail": 6}


def test_each_upgrade_keeps_its_own_for_phrase():
    assert upgrades("filet for 6 and lobster for everyone") == {"filet_mignon": 6, "lobster_tail": None}


# --- the whole party ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["everyone wants filet", "all of us want the filet", "the whole group wants filet",
                                  "we all want the filet", "filet for everybody"])
def test_the_whole_party_is_everyone(text):
    assert upgrades(text) == {"filet_mignon": None}


def test_an_upgrade_with_no_number_is_for_everyone():
    assert upgrades("I'd like to add the lobster tail") == {"lobster_tail": None}


def test_the_party_stated_with_the_upgrade_stays_the_party():
    found = entities("We're 12 adults who want the filet")
    assert (found["adults"], found["upgrades"]) == (12, {"filet_mignon": 12})


def test_kids_listed_after_the_adults_stay_children():
    found = entities("10 adults and 3 kids who want noodles")
    assert (found["adults"], found["children"], found["upgrades"]) == (10, 3, {"yakisoba_noodles": 3})


def test_asking_about_the_upgrade_again_keeps_its_count():
    assert upgrades("6 people want the filet. Can you confirm what the filet adds per person?") == {"filet_mignon": 6}


# --- a share of the party -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "share"), [
    ("half of us want the lobster", "half"),
    ("half the group wants filet", "half"),
    ("lobster for half of us", "half"),
    ("half of the adults would like a third protein", "half_adults"),
    ("half the kids want noodles", "half_children"),
])
def test_half_is_a_share_of_the_party(text, share):
    assert list(upgrades(text).values()) == [share]


@pytest.mark.parametrize(("text", "share"), [("the kids want noodles", "children"),
                                             ("noodles for all the kids", "children"),
                                             ("the adults all want a third protein", "adults")])
def test_the_kids_or_the_adults_are_that_part_of_the_party(text, share):
    assert list(upgrades(text).values()) == [share]


def test_half_is_counted_from_the_paying_guests_rounded_up():
    assert upgrade_guests({"lobster_tail": "half"}, adults=20, children=5) == {"lobster_tail": 13}


def test_half_of_the_adults_leaves_the_children_out():
    assert upgrade_guests({"third_protein": "half_adults"}, adults=24, children=6) == {"third_protein": 12}


def test_the_children_share_is_the_children():
    assert upgrade_guests({"yakisoba_noodles": "children", "filet_mignon": 4},
                          adults=10, children=3) == {"yakisoba_noodles": 3, "filet_mignon": 4}


def test_a_share_of_a_party_not_known_yet_is_left_out():
    assert upgrade_guests({"lobster_tail": "half", "filet_mignon": None}, adults=0, children=0) == {
        "filet_mignon": None}


# --- vague amounts are not guessed --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["some of us want lobster", "a few people want the lobster",
                                  "several guests asked for the lobster tail", "a couple of us want lobster",
                                  "most of us want the lobster", "lobster for some of the guys",
                                  "everyone else wants lobster", "everyone but 2 want the lobster"])
def test_a_vague_number_of_guests_is_not_guessed(text):
    assert "lobster_tail" not in upgrades(text)


def test_the_rest_is_not_guessed_but_the_number_given_is_kept():
    assert upgrades("filet for 8 of the adults and lobster for the rest") == {"filet_mignon": 8}


def test_a_vague_subject_is_not_read_as_the_party():
    assert "guests" not in entities("a few people on the team want lobster")


# --- not an upgrade count -----------------------------------------------------------------------------------------


def test_nobody_wanting_an_upgrade_is_no_upgrade():
    assert upgrades("none of us want lobster") == {}


def test_a_negated_upgrade_is_left_out():
    assert upgrades("6 people don't want filet") == {}


def test_the_party_before_and_the_upgrade_later_in_the_sentence():
    found = entities("we are 20 people and want filet")
    assert (found["guests"], found["upgrades"]) == (20, {"filet_mignon": None})


def test_an_addon_count_is_not_an_upgrade_count():
    found = entities("I want 2 orders of gyoza and 8 people want filet")
    assert (found["addons"], found["upgrades"]) == ({"gyoza": 2}, {"filet_mignon": 8})


def test_a_count_with_an_aside_between_commas_before_the_verb():
    assert upgrades("and eight of the adults, mainly the uncles, would like the lobster") == {"lobster_tail": 8}
