"""Whose contact is it: the customer's own, or another person's named in the message."""

from datetime import date

from nlu import extract_entities

TUESDAY = date(2026, 3, 10)


def entities(text, expected=None):
    return extract_entities(text, reference_date=TUESDAY, expected=expected)


def test_a_bare_phone_is_the_customers():
    assert entities("510-555-0101")["phone"] == "+15105550101"


def test_my_number_is_the_customers():
    assert entities("my number is 510 555 0101, text anytime")["phone"] == "+15105550101"


def test_reach_me_at_an_email_is_the_customers():
    assert entities("u can reach me at Kay.Lo@Yahoo.com")["email"] == "kay.lo@yahoo.com"


def test_a_pasted_guest_list_gives_other_contacts_and_no_customer_phone():
    found = entities("Guests: Ana 510-555-0199, Bo 510-555-0123")
    assert "phone" not in found
    assert found["other_contacts"] == [{"name": "Ana", "phone": "+15105550199"},
                                       {"name": "Bo", "phone": "+15105550123"}]


def test_several_people_each_with_a_number_are_a_list():
    found = entities("Ana Diaz 510-555-0199\nBo Chen 510-555-0123\nCarla Ruiz carla@x.com")
    assert "phone" not in found and "email" not in found
    assert [person["name"] for person in found["other_contacts"]] == ["Ana Diaz", "Bo Chen", "Carla Ruiz"]


def test_a_guest_list_above_the_customers_signature_keeps_the_signature_contact():
    text = ("Here is who is coming:\nGuests: Ana 510-555-0199, Bo 510-555-0123\n\nThanks,\nLena Park\n"
            "lena.park@gmail.com")
    found = entities(text)
    assert (found["name"], found["email"]) == ("Lena Park", "lena.park@gmail.com")
    assert "phone" not in found
    assert len(found["other_contacts"]) == 2


def test_my_wifes_number_is_someone_elses_and_mine_is_the_customers():
    found = entities("my wife's number is 510-555-0199, mine is 650-555-0190")
    assert found["phone"] == "+16505550190"
    assert found["other_contacts"] == [{"name": None, "relation": "wife", "phone": "+15105550199"}]


def test_a_possessive_name_before_a_number_is_someone_elses():
    found = entities("Ana's cell is 510-555-0199 and my email is bob@x.com")
    assert found["email"] == "bob@x.com"
    assert "phone" not in found
    assert found["other_contacts"] == [{"name": "Ana", "phone": "+15105550199"}]


def test_call_someone_at_a_number_is_someone_elses():
    found = entities("the party is at my sister's, call Bo at 510-555-0123 for the gate code")
    assert "phone" not in found
    assert found["other_contacts"][0]["phone"] == "+15105550123"


def test_a_named_relative_with_a_number_is_someone_elses():
    found = entities("day-of contact is my husband Raj: 408-555-0177")
    assert "phone" not in found
    assert found["other_contacts"] == [{"name": "Raj", "relation": "husband", "phone": "+14085550177"}]


def test_a_name_that_is_not_the_customers_beside_a_number_is_someone_elses():
    found = entities("my name is Lena Park. Ana 510-555-0199")
    assert found["name"] == "Lena Park"
    assert "phone" not in found


def test_the_customers_own_name_beside_a_number_keeps_it():
    found = entities("my name is Lena Park. Lena 510-555-0101")
    assert found["phone"] == "+15105550101"


def test_the_answer_to_the_contact_question_is_the_customers():
    assert entities("ok 408.555.0142", expected="contact")["phone"] == "+14085550142"


def test_a_second_number_right_after_the_first_belongs_to_the_same_person():
    found = entities("Lena Park 510-555-0101 / alt 510-555-0102")
    assert found["phone"] == "+15105550102"
    assert "other_contacts" not in found


def test_the_email_after_im_and_a_name_is_the_customers():
    found = entities("quote for 12 adults please, I'm Lara Croft, lara@example.com")
    assert (found["name"], found["email"]) == ("Lara Croft", "lara@example.com")
    assert "other_contacts" not in found


def test_me_in_a_guest_list_marks_the_customers_own_number():
    found = entities("The guest list: Kevin 415-555-0101, Laura 415-555-0102, me (Dan) 415-555-0103")
    assert (found["name"], found["phone"]) == ("Dan", "+14155550103")
    assert [person["name"] for person in found["other_contacts"]] == ["Kevin", "Laura"]


def test_a_relative_named_as_the_days_contact_is_someone_elses():
    found = entities("My mom Linda will be the contact on the day: 510-555-0144. My cell is 510-555-0100.")
    assert found["phone"] == "+15105550100"
    assert found["other_contacts"] == [{"name": "Linda", "relation": "mom", "phone": "+15105550144"}]


def test_a_company_address_to_send_the_invoice_to_is_not_taken_over_my_email():
    assert entities("send the invoice to accounting@acme.com pls, my email is joe@acme.com")["email"] == "joe@acme.com"


def test_a_colleague_named_with_a_role_before_an_email_is_someone_elses():
    found = entities("For questions contact our office manager, Mia Chen: mia@corp.com. I'm at raj@corp.com")
    assert found["email"] == "raj@corp.com"
    assert "name" not in found
    assert found["other_contacts"] == [{"name": "Mia Chen", "relation": "manager", "email": "mia@corp.com"}]
