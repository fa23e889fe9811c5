"""The customer's name, from messy real text: SMS, web chat, e-mails with signatures."""

from datetime import date

import pytest

from nlu import extract_entities

TUESDAY = date(2026, 3, 10)


def entities(text, expected=None):
    return extract_entities(text, reference_date=TUESDAY, expected=expected)


@pytest.mark.parametrize("text, name", [
    ("my name is victor hugo", "Victor Hugo"),
    ("hi!! my name's lena park, looking to book a hibachi party", "Lena Park"),
    ("Hi, this is Maria from Sacramento", "Maria"),
    ("put it under Omar Haddad pls", "Omar Haddad"),
    ("pls put the booking under priya", "Priya"),
    ("Ann Lee here, do u have sat open?", "Ann Lee"),
    ("name: jose martinez", "Jose Martinez"),
    ("I'm Keisha, we want to book for 20 adults", "Keisha"),
])
def test_a_name_after_a_cue(text, name):
    assert entities(text)["name"] == name


@pytest.mark.parametrize("text", [
    "I'm looking for a chef on saturday",
    "it's Saturday the 12th",
    "this is great, thanks",
    "I'm in San Jose",
    "i'm interested in the lobster",
    "Its Fremont 94538",
])
def test_a_weak_cue_before_a_non_name_gives_no_name(text):
    assert "name" not in entities(text)


def test_a_name_beside_an_email_and_phone_is_the_customers():
    assert entities("Lena Park lena@x.com 510-555-0101") == {
        "name": "Lena Park", "email": "lena@x.com", "phone": "+15105550101"}


def test_yes_with_a_lower_case_name_and_phone_gives_both():
    found = entities("perfect, book it. priya 650-555-0190")
    assert (found["name"], found["phone"]) == ("Priya", "+16505550190")


def test_sms_all_in_one_message_with_name_email_and_phone():
    found = entities("ok book it, Dana Wu, DANA.WU@gmail.com, (408) 555-0142 🙏")
    assert (found["name"], found["email"], found["phone"]) == ("Dana Wu", "dana.wu@gmail.com", "+14085550142")


def test_email_sign_off_with_full_name():
    text = "Hello,\n\nWe would like to book for 25 adults on Dec 5th at 6pm in Fremont.\n\nThanks,\nOmar Haddad"
    assert entities(text)["name"] == "Omar Haddad"


def test_email_sign_off_with_first_name_on_its_own_line():
    assert entities("can we do the 20th instead?\n\nBest,\nOmar")["name"] == "Omar"


def test_sms_sign_off_with_a_dash():
    assert entities("20 ppl next sat, 6pm works -jen")["name"] == "Jen"


def test_signature_block_with_title_and_company_keeps_only_the_person():
    text = ("Hi team, please book us for 30 people on 12/20 at 6pm.\n\nRegards,\nSofia Alvarez\n"
            "Office Manager, Brightline Inc.\nsofia@brightline.com | 415-555-0188")
    found = entities(text)
    assert (found["name"], found["email"], found["phone"]) == (
        "Sofia Alvarez", "sofia@brightline.com", "+14155550188")


def test_signature_block_without_a_sign_off_word_is_found_by_ner():
    text = ("Hello, we'd like a quote for 18 adults and 4 kids on Jan 16.\n\n"
            "Marcus Bell\nOperations Lead\n(916) 555-0111")
    assert entities(text)["name"] == "Marcus Bell"


@pytest.mark.parametrize("text", ["thanks so much!", "thanks guys", "Thanks, see you soon", "Best,\nThe Smith family"])
def test_a_sign_off_without_a_name_gives_no_name(text):
    assert "name" not in entities(text)


@pytest.mark.parametrize("text, name", [
    ("Lena Park", "Lena Park"), ("lena park", "Lena Park"), ("it's lena", "Lena"), ("under Omar pls", "Omar"),
    ("Priya Shah.", "Priya Shah"), ("sure, O'Brien", "O'Brien"),
])
def test_a_short_answer_to_the_name_question_is_the_name(text, name):
    assert entities(text, expected="name")["name"] == name


def test_a_short_answer_is_not_a_name_when_no_name_was_asked_for():
    assert "name" not in entities("lena park")


@pytest.mark.parametrize("text", ["Saturday", "fremont", "chicken and steak", "yes", "idk yet", "the 20th"])
def test_a_city_dish_weekday_or_answer_is_never_a_name(text):
    assert "name" not in entities(text, expected="name")


def test_a_city_before_a_phone_is_not_a_name():
    assert "name" not in entities("we are in San Jose, 510-555-0123")


def test_a_relative_named_in_the_message_is_not_the_customer():
    found = entities("Party for my daughter Emma's 10th bday, 20 adults. call 510-555-0101")
    assert "name" not in found
    assert found["phone"] == "+15105550101"


@pytest.mark.parametrize("text", [
    "Can I still cancel my booking for next Saturday?",
    "Cancel booking under lisa.tran@gmail.com.",
    "Please have a staff member call me regarding my inquiry.",
    "Thank you! Last question, do you accept Venmo for the deposit?",
    "Thanks so much, you're the best!",
    "A customer message with its NLU labels",
])
def test_cue_and_sign_off_words_before_a_non_name_give_no_name(text):
    assert "name" not in entities(text)


def test_a_lower_case_name_after_a_weak_cue_is_taken_when_ner_reads_a_person():
    assert entities("hey!! its kim, need a chef 4 sat")["name"] == "Kim"


def test_a_lower_case_word_after_a_weak_cue_that_is_not_a_person_is_no_name():
    assert "name" not in entities("its raining, can we move it?")


def test_an_honorific_is_not_part_of_the_name():
    assert entities("My name is Dr. Samuel Okafor and I would like to book.")["name"] == "Samuel Okafor"


def test_under_the_name_of():
    assert entities("ok put it under the name of Garcia")["name"] == "Garcia"


def test_a_long_email_reply_reads_only_the_new_message_not_the_quoted_thread():
    text = ("Hi Maya,\n\nThat works, please book it for the 20th at 6pm. We'll be 16 adults and 2 kids (4 and 9).\n"
            "Address is 88 Oak Ave, Danville.\n\nThanks so much,\nPriya Raman\n(925) 555-0166\n\n"
            "On Tue, Mar 10, 2026 at 9:14 AM MyHibachi <hello@myhibachi.example> wrote:\n"
            "> Hi Priya, for 30 adults the total is $1,650.\n> Thanks,\n> Maya\n> (510) 555-0100\n")
    assert entities(text) == {
        "adults": 16, "children": 1, "children_under_6": 1, "date": "2026-03-20", "time": "18:00", "city": "Danville",
        "street_address": "88 Oak Ave, Danville", "name": "Priya Raman", "phone": "+19255550166"}


def test_someone_elses_name_is_not_the_customers():
    assert "name" not in entities("my daughter's name is Emma and she turns 10")
    assert "name" not in entities("his name is Raj")


def test_name_without_a_colon_before_a_capitalised_name():
    assert entities("ok book it. name Alex Morgan. alex@morgan.io 4155550123")["name"] == "Alex Morgan"
