from datetime import UTC, date, datetime

import pytest

from nlu import extract_entities

TUESDAY = date(2026, 3, 10)


def entities(text, reference_date=TUESDAY):
    return extract_entities(text, reference_date=reference_date)


# --- guest counts -------------------------------------------------------------------------------------------------


def test_adults_and_kids_aged_8_are_split_into_adults_and_children():
    assert entities("20 adults and 5 kids aged 8") == {"adults": 20, "children": 5}


def test_number_words_are_read_as_counts():
    assert entities("twenty five adults and three kids") == {"adults": 25, "children": 3}


def test_kids_under_six_are_children_under_6():
    assert entities("12 adults and 2 kids under 6") == {"adults": 12, "children_under_6": 2}


def test_toddlers_are_children_under_6():
    assert entities("10 adults, 3 toddlers")["children_under_6"] == 3


def test_a_three_year_old_is_a_child_under_6():
    assert entities("8 adults and a 3 year old") == {"adults": 8, "children_under_6": 1}


def test_kids_with_listed_ages_are_split_by_age():
    assert entities("2 kids (ages 3 and 7)") == {"children": 1, "children_under_6": 1}


def test_kids_aged_6_to_12_are_children():
    assert entities("6 children ages 6-12") == {"children": 6}


def test_party_of_30_is_an_unsplit_guest_count():
    assert entities("hibachi for a party of 30") == {"guests": 30}


def test_people_count_is_an_unsplit_guest_count():
    assert entities("about thirty people") == {"guests": 30}


def test_guests_including_kids_leave_the_rest_as_adults():
    assert entities("we are 30 people including 6 kids") == {
        "adults": 24, "children": 6, "guests": 30, "guests_includes_children": True}


def test_no_kids_means_zero_children():
    assert entities("18 adults, no kids") == {"adults": 18, "children": 0}


def test_added_guests_are_not_read_as_the_new_total():
    assert "children" not in entities("can we add 5 more kids to my booking")
    assert "guests" not in entities("we need to drop 3 ppl from our reservation")


def test_one_of_us_is_not_a_guest_count():
    assert "guests" not in entities("one of us doesn't eat eggs")


def test_minutes_paid_for_are_not_a_guest_count():
    assert entities("the show lasted like 30 mins, we paid for 90") == {}


def test_zip_code_is_not_a_guest_count():
    assert entities("we're in 95123, 20 adults") == {"adults": 20, "zip": "95123"}


def test_prices_are_not_guest_counts():
    assert entities("is $1,250 right for 20 adults? the chef asked for 1,450") == {"adults": 20}


def test_times_and_dates_are_not_guest_counts():
    assert entities("Dec 20 at 6 for 20 people") == {"guests": 20, "date": "2026-12-20", "time": "18:00"}


# --- dates and times ----------------------------------------------------------------------------------------------


def test_next_saturday_is_the_first_saturday_after_the_reference_date():
    assert entities("next Saturday")["date"] == "2026-03-14"


def test_this_saturday_is_the_coming_saturday():
    assert entities("this saturday works")["date"] == "2026-03-14"


def test_tomorrow_is_the_day_after_the_reference_date():
    assert entities("can you do tomorrow?")["date"] == "2026-03-11"


def test_month_name_with_ordinal_day():
    assert entities("Dec 5th")["date"] == "2026-12-05"


def test_numeric_month_and_day():
    assert entities("12/14 please")["date"] == "2026-12-14"


def test_month_and_day_already_past_this_year_means_next_year():
    assert entities("March 3rd")["date"] == "2027-03-03"


def test_day_of_month_in_words():
    assert entities("the twenty-first of june")["date"] == "2026-06-21"


def test_weekday_with_day_of_month_finds_the_matching_date():
    assert entities("saturday the twelfth")["date"] == "2026-09-12"


def test_weekday_beside_an_explicit_date_does_not_override_it():
    assert entities("October 3rd (a Saturday)")["date"] == "2026-10-03"


def test_the_last_date_named_wins():
    assert entities("can we move it from the 6th to the 13th")["date"] == "2026-03-13"


def test_the_last_weekday_named_wins():
    assert entities("move our event from Saturday to Sunday")["date"] == "2026-03-15"


def test_a_time_after_a_weekday_is_not_a_day_of_the_month():
    assert entities("Is Friday 8:30pm free?") == {"date": "2026-03-13", "time": "20:30"}


def test_any_saturday_is_not_a_date():
    assert "date" not in entities("can we change it to any Saturday in March?")


def test_aware_reference_datetime_resolves_in_pacific_time():
    late_saturday_utc = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)  # Saturday 20:00 in San Francisco
    assert entities("tomorrow", reference_date=late_saturday_utc)["date"] == "2026-03-15"


@pytest.mark.parametrize("text, expected", [
    ("6pm", "18:00"), ("noon", "12:00"), ("8:30 pm", "20:30"), ("at 6", "18:00"), ("the 12:00 slot", "12:00"),
    ("3:00 PM", "15:00"), ("six thirty pm", "18:30"), ("11am", "11:00"),
])
def test_time_is_24h(text, expected):
    assert entities(text)["time"] == expected


# --- places -------------------------------------------------------------------------------------------------------


def test_city_is_canonical():
    assert entities("party at my house in san jose")["city"] == "San Jose"
    assert entities("we're in sf")["city"] == "San Francisco"


def test_a_surname_that_is_also_a_city_is_not_a_city():
    assert "city" not in entities("Mrs. Davis says hi")
    assert entities("a party in davis")["city"] == "Davis"


def test_zip_after_state_is_read():
    assert entities("77 Harbor Way, Alameda, CA 94501")["zip"] == "94501"


# --- menu ---------------------------------------------------------------------------------------------------------


def test_proteins_are_codes_with_ny_strip_as_steak():
    assert entities("chicken and NY strip please")["proteins"] == ["chicken", "steak"]


def test_proteins_ruled_out_are_left_out():
    assert entities("no shrimp please, allergic to scallops; salmon and tofu")["proteins"] == ["salmon", "tofu"]


def test_swapped_out_protein_is_left_out():
    assert entities("swap the shrimp for salmon")["proteins"] == ["salmon"]


def test_upgrade_for_everyone_is_null():
    assert entities("filet mignon for everyone")["upgrades"] == {"filet_mignon": None}


def test_upgrade_for_some_guests_carries_the_count():
    assert entities("lobster tail for 4 of them and 14 adults") == {"adults": 14, "upgrades": {"lobster_tail": 4}}


def test_third_protein_and_noodles_upgrades():
    assert entities("add a third protein and yakisoba noodles")["upgrades"] == {
        "third_protein": None, "yakisoba_noodles": None}


def test_addon_quantity_from_orders_and_default_of_one():
    assert entities("2 orders of gyoza and edamame")["addons"] == {"gyoza": 2, "edamame": 1}


def test_addon_quantity_in_words():
    assert entities("three orders of edamame")["addons"] == {"edamame": 3}


# --- contact ------------------------------------------------------------------------------------------------------


def test_email_is_lower_case():
    assert entities("mail me at Lisa.Tran@Gmail.com")["email"] == "lisa.tran@gmail.com"


def test_phone_is_e164():
    assert entities("call (408) 555-0199")["phone"] == "+14085550199"


def test_phone_digits_are_not_guest_counts_or_zips():
    assert entities("20 adults, phone 916 555 0142") == {"adults": 20, "phone": "+19165550142"}


# --- corrections and absence ----------------------------------------------------------------------------------------


def test_actually_make_it_is_a_correction():
    assert entities("actually make it 25 adults") == {"adults": 25, "correction": True}


def test_sorry_i_meant_is_a_correction():
    assert entities("sorry, I meant 12 kids") == {"children": 12, "correction": True}


def test_a_bare_number_after_a_correction_updates_the_count_before_it():
    assert entities("20 adults, actually 22") == {"adults": 22, "correction": True}


def test_plain_details_are_not_a_correction():
    assert "correction" not in entities("20 adults on Dec 5 at 6pm")


def test_entities_absent_from_the_message_are_omitted():
    assert entities("Hello! Do you have vegan options?") == {}
