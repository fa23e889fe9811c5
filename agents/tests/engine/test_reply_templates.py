"""Reply templates staff edit (issue 16, item 7): checked on save, used by the next reply, no SQL per reply; and the
handoff note follows the business hours and holidays."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from agents.engine.dialogue import QUESTIONS
from agents.engine.formatting import quote_sentence, quote_values
from agents.engine.replies import question_text, reply_drafts, reply_text, templates_snapshot
from agents.engine.wording import SITUATIONS
from agents.models import ReplyTemplate
from agents.services.templates import reply_template_delete, reply_template_save
from agents.tests.engine.conftest import PACIFIC
from bookings import quotes
from bookings.services import price_item_upsert
from staff.models import BusinessHours, Holiday
from staff.roles import AGENT, MANAGER
from staff.services import business_hours_save, holiday_save

pytestmark = pytest.mark.django_db


def template_form(text, *, agent="sales", situation="quote", tone="default"):
    return {"agent": agent, "situation": situation, "tone": tone, "text": text, "active": "on"}


def saved(text, *, agent="sales", situation="quote", tone="default", active=True):
    return reply_template_save(template=ReplyTemplate(agent=agent, situation=situation, tone=tone, text=text,
                                                      active=active))


def test_a_managers_quote_template_is_used_by_the_next_reply_with_todays_price(
        business, chat, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(MANAGER).post(reverse("admin:agents_replytemplate_add"), template_form(
            "Party of {party}: {total} all in, {deposit} holds the date."))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReplyTemplate.objects.get().updated_by.username == "manager"

    price_item_upsert(code="adult", name="Adult (13 and over)", kind="per_person", unit_price=Decimal("60"),
                      overwrite=True)   # today's price, not the handbook's 55
    reply = chat().say("How much for 12 adults?").reply

    assert "Party of 12 adults: $720 all in, $100 holds the date." in reply.text
    assert "The food comes to" not in reply.text


def test_a_staff_booking_confirmation_is_rendered_from_the_new_booking(business, chat,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("Confirmed! Booking {booking_number}: {party}, {date} at {slot}, {total}. {payment}",
              situation="booking_confirmed")
    customer = chat()
    for text in ("hello, price for 8 adults?", "Dec 5th, noon, Fremont 94538", "1520 Willow Ln",
                 "name is Tom Baker, phone 415-555-0199",
                 "yes"):
        customer.say(text)

    booking = customer.last.booking
    assert booking is not None, customer.transcript()
    assert (f"Confirmed! Booking {booking.pk}: 8 adults, Saturday, December 5 at 12:00, $550. A $100 deposit"
            in customer.last.reply.text), customer.transcript()


@pytest.mark.parametrize("text, error", [
    ("Party of {party}, see you soon.",
     "The placeholder {total} is required here (the total, e.g. $740) and was left out."),
    ("{party}: {total} plus {tip}", "Unknown placeholder {tip}: this situation knows {party}, {food_total}, "
                                    "{minimum_note}, {travel_note}, {total}, {deposit}."),
    ("{party}: {total", "Malformed braces: expected &#x27;}&#x27; before end of string."),
    ("{party}: {total:.2f}", "{total:.2f}: write the placeholder alone, as {total}, without a format or conversion."),
])
def test_the_admin_refuses_a_template_that_drops_the_price_or_names_an_unknown_placeholder(login, text, error):
    response = login(MANAGER).post(reverse("admin:agents_replytemplate_add"), template_form(text))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ReplyTemplate.objects.exists()


def test_a_required_placeholder_of_another_situation_is_checked_too():
    with pytest.raises(ValidationError) as refused:
        saved("Your party is booked.", situation="booking_confirmed")
    assert refused.value.message_dict["text"] == [
        "The placeholder {booking_number} is required here (the booking's number) and was left out.",
        "The placeholder {payment} is required here (how to pay the deposit (the payment link when there is one)) "
        "and was left out.",
        "The placeholder {total} is required here (the booking's total) and was left out."]
    with pytest.raises(ValidationError) as refused:
        saved("Hi!", agent="care", situation="quote")
    assert refused.value.message_dict["situation"] == ["The 'care' agent has no situation 'quote'."]


def test_an_agent_cannot_open_or_edit_the_templates(login):
    template = ReplyTemplate.objects.create(agent="sales", situation="greeting", text="Hello!")
    client = login(AGENT)

    assert client.get(reverse("admin:agents_replytemplate_changelist")).status_code == 403
    assert client.get(reverse("admin:agents_replytemplate_add")).status_code == 403
    response = client.post(reverse("admin:agents_replytemplate_change", args=[template.pk]),
                           template_form("Hacked", situation="greeting"))
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.text == "Hello!"


def test_the_tones_template_wins_then_the_default_one_then_the_codes_text(django_capture_on_commit_callbacks):
    assert reply_text("sales", "greeting", tone="formal") == "I'd be glad to help you plan a hibachi party."
    with django_capture_on_commit_callbacks(execute=True):
        saved("Good day. We would be delighted to plan your event.", situation="greeting", tone="formal")
        saved("Let's plan your hibachi party!", situation="greeting")
        saved("Yo!", situation="greeting", tone="casual", active=False)

    assert reply_text("sales", "greeting", tone="formal") == "Good day. We would be delighted to plan your event."
    assert reply_text("sales", "greeting", tone="casual") == "Let's plan your hibachi party!"
    drafts = reply_drafts("sales", "greeting", question="How many guests?")
    assert drafts["formal"] == ("Thank you for your message. Good day. We would be delighted to plan your event. "
                                "How many guests?")
    assert drafts["default"] == "Let's plan your hibachi party! How many guests?"

    with django_capture_on_commit_callbacks(execute=True):
        reply_template_delete(template=ReplyTemplate.objects.get(tone="formal"))
    assert reply_text("sales", "greeting", tone="formal") == "Let's plan your hibachi party!"


def test_the_defaults_are_todays_texts(business):
    quote = quotes.quote_calculate(adults=12, children=2, zip_code="94606").as_dict()
    party = "12 adults, 2 children (6-12)"
    assert reply_text("sales", "quote", tone=None, party=party, **quote_values(quote)) == (
        f"For {party}: {quote_sentence(quote)}")
    for detail, question in QUESTIONS.items():
        assert question_text(detail, tone="warm") == question
    assert question_text("confirmation", tone=None) == "Shall I book it?"
    for situation in SITUATIONS.values():   # every default passes its own check
        saved(situation.default, agent=situation.agent, situation=situation.key)


def test_a_reply_reads_no_template_row_once_loaded(django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("{party} comes to {total}.")
    reply_text("sales", "greeting", tone=None)
    with django_assert_num_queries(0):
        for _ in range(20):
            text = reply_text("sales", "quote", tone="warm", party="9 adults", **quote_values(
                {"food_total": "550", "minimum_applied": "55", "travel_miles": None, "travel_fee": "0",
                 "total": "550", "deposit": "100"}))
    assert text == "9 adults comes to $550."


def test_a_template_saved_in_another_process_is_seen_once_the_recheck_time_passed(settings):
    """Another process's save only bumps the version in the shared cache: this process asks for it at most once per
    SETTINGS_SNAPSHOT_RECHECK_SECONDS, and reloads when it changed."""
    settings.SETTINGS_SNAPSHOT_RECHECK_SECONDS = 60
    reply_text("sales", "greeting", tone=None)   # loaded
    ReplyTemplate.objects.create(agent="sales", situation="greeting", text="Welcome!")   # written elsewhere
    assert reply_text("sales", "greeting", tone=None) == "I'd be glad to help you plan a hibachi party."
    cache.set(templates_snapshot.key, "bumped-by-another-process", timeout=None)
    assert reply_text("sales", "greeting", tone=None) == "I'd be glad to help you plan a hibachi party."  # within 60 s

    settings.SETTINGS_SNAPSHOT_RECHECK_SECONDS = 0
    assert reply_text("sales", "greeting", tone=None) == "Welcome!"


# The handoff note ---------------------------------------------------------------------------------------------------

def test_a_holiday_changes_the_handoff_note(business, chat, django_capture_on_commit_callbacks):
    saturday = datetime.date(2026, 11, 7)
    with django_capture_on_commit_callbacks(execute=True):
        holiday_save(holiday=Holiday(date=saturday, name="our team day"))
        sunday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SUNDAY)
        sunday.closed, sunday.opens_at, sunday.closes_at = True, None, None
        business_hours_save(hours=sunday)

    customer = chat(start=datetime.datetime(2026, 11, 7, 10, 0, tzinfo=PACIFIC))
    customer.say("I need to speak with a manager")

    assert customer.last.escalated
    assert ("Our team is off today for our team day and back Monday at 9:00 Pacific, so you'll hear from a person "
            "then.") in customer.last.reply.text


def test_weekday_hours_drive_the_handoff_note(business, chat, django_capture_on_commit_callbacks):
    monday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        monday.opens_at, monday.closes_at = datetime.time(7, 30), datetime.time(9, 30)
        business_hours_save(hours=monday)

    early = chat(external_id="early", start=datetime.datetime(2026, 11, 2, 7, 45, tzinfo=PACIFIC))
    early.say("I need to speak with a manager")
    late = chat(external_id="late", start=datetime.datetime(2026, 11, 2, 10, 0, tzinfo=PACIFIC))
    late.say("I need to speak with a manager")

    assert "A member of our team will reply shortly." in early.last.reply.text
    assert "Our team is back tomorrow at 9:00 Pacific" in late.last.reply.text


def test_a_staff_handoff_note_template_is_used(business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("We're out until {day}, {time}.", agent="handoff", situation="staff_back")
    late = chat(start=datetime.datetime(2026, 11, 2, 22, 30, tzinfo=PACIFIC))
    late.say("I need to speak with a manager")

    assert "with a member of our team. We're out until tomorrow, 9:00." in late.last.reply.text


def test_a_closed_week_names_the_date_staff_are_back(django_capture_on_commit_callbacks):
    from agents.engine.pipeline import staff_availability_note

    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(7):   # Monday 21 to Sunday 27 December
            day = datetime.date(2026, 12, 21) + datetime.timedelta(days=offset)
            holiday_save(holiday=Holiday(date=day, name="the winter break"))

    note = staff_availability_note(datetime.datetime(2026, 12, 20, 22, 0, tzinfo=PACIFIC))
    assert note == "Our team is back on Monday, December 28 at 9:00 Pacific, so you'll hear from a person then."
    note = staff_availability_note(datetime.datetime(2026, 12, 22, 10, 0, tzinfo=PACIFIC))
    assert note == ("Our team is off today for the winter break and back Monday at 9:00 Pacific, so you'll hear from "
                    "a person then.")
