"""Issue 16 item 7, finished: every sentence the assistant (and the survey, the consent keywords, the code messages)
says to a customer is a declared situation. Each default is the text the code said before; a template that drops what
the customer needs (a date, a total, a code, the carriers' STOP) is refused; a staff template is used by the next reply
through the real pipeline."""

import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from agents.engine.decisions import BookingCreate
from agents.engine.replies import reply_text, templates_snapshot
from agents.engine.wording import SITUATIONS
from agents.models import ReplyTemplate
from agents.services.templates import reply_template_save
from conversations.services import message_receive, verification_code_issue
from learning.models import SurveyRequest
from learning.services.outcomes import SURVEY_QUESTIONS, survey_request_send
from messaging.services.consent import consent_keyword_answer
from staff.roles import MANAGER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_templates():
    """The snapshot is per process and survives a test's rollback: start and end each test from the database."""
    templates_snapshot.forget()
    yield
    templates_snapshot.forget()


def saved(text, *, agent="sales", situation="quote", tone="default"):
    return reply_template_save(template=ReplyTemplate(agent=agent, situation=situation, tone=tone, text=text))

# The sentences the code said before they became templates, with the values they were said with: the defaults must
# say exactly that.
TODAYS_TEXTS = [
    ("sales", "resume_offer", {"earlier_booking": "a party of 14 on Jan 16"},
     "Welcome back! Last time we talked about a party of 14 on Jan 16."),
    ("sales", "ask_resume", {}, "Shall we continue with that?"),
    ("sales", "start_afresh", {}, "No problem, let's start afresh."),
    ("sales", "party_over_60", {"guests": 75},
     "A party of 75 needs a custom quote from our team; I've passed your request on."),
    ("sales", "short_notice", {"date": "Tuesday, November 3"},
     "Tuesday, November 3 is less than 48 hours away, so our team has to check it by hand; I've passed your request "
     "on."),
    ("sales", "already_booked", {"booking_number": 41}, "You're all set: booking number 41 is made."),
    ("sales", "anything_else", {}, "Is there anything else I can help with?"),
    ("sales", "nothing_booked", {}, "No problem, nothing is booked yet."),
    ("sales", "ask_change", {}, "What would you like to change: the date, the time, the number of guests or the menu?"),
    ("sales", "outside_area", {"place": "90210"},
     "I'm sorry, 90210 is outside our service area (Sacramento, the San Francisco Bay Area and San Jose)."),
    ("sales", "ask_other_location", {}, "Is there another location for the event?"),
    ("sales", "acknowledgement", {"details": "Saturday, December 12, at 18:00"},
     "Got it: Saturday, December 12, at 18:00."),
    ("sales", "one_more_detail", {}, "Happy to book it; I just need one more detail."),
    ("sales", "invalid_time", {"time": "7pm"}, "7pm isn't one of our start times."),
    ("sales", "upsell", {"item": "gyoza (12 pieces)", "price": "$12 per order"},
     "Many groups add gyoza (12 pieces) ($12 per order)."),
    ("sales", "house_upsell", {"offers": "filet mignon (+$15 per person) or gyoza ($12 per order of 12)"},
     "Many groups add filet mignon (+$15 per person) or gyoza ($12 per order of 12)."),
    ("sales", "thanks", {}, "You're welcome!"),
    ("sales", "goodbye", {}, "Thank you for chatting with us!"),
    ("sales", "thanks_booked", {"booking_number": 41},
     "Your booking number is 41; we look forward to cooking for you."),
    ("sales", "goodbye_wish", {}, "Have a great day."),
    ("sales", "slot_taken", {"date": "2026-12-12", "time": "that time"}, "2026-12-12 at that time is already taken."),
    ("sales", "ask_alternative", {"options": "2026-12-12 at 20:30"},
     "Would one of these work instead: 2026-12-12 at 20:30?"),
    ("sales", "payment_link", {"deposit": "$100", "link": "https://pay.example/x"},
     "Pay the $100 deposit here to confirm it: https://pay.example/x"),
    ("sales", "payment_by_staff", {"deposit": "$100"},
     "A $100 deposit confirms it; our team will contact you to take it."),
    ("sales", "date_held", {"hours": "24", "until": "Sunday, December 6 at 14:05"},
     "We hold the date for you for 24 hours, until Sunday, December 6 at 14:05; without the deposit by then it is "
     "released."),
    ("sales", "booking_failed", {"reason": "That slot is taken."}, "I couldn't book that: That slot is taken."),
    ("care", "declined", {}, "No problem, I've left your booking as it is."),
    ("care", "anything_else", {}, "Is there anything else I can help with?"),
    ("care", "complaint_present", {},
     "I'm sorry about that. Could you tell me a little more so I can help, or would you prefer to talk to a member "
     "of our team?"),
    ("care", "no_booking", {}, "I couldn't find an upcoming booking under your contact details."),
    ("care", "ask_booking_reference", {},
     "Could you give me the booking number or the email or phone you booked with?"),
    ("care", "ask_cancel", {}, "Shall I cancel it?"),
    ("care", "policy_no_deposit", {}, "No deposit has been paid yet, so there is nothing to refund."),
    ("care", "policy_refund", {"days": 12, "deposit": "$100"},
     "Since it is 12 days away, your $100 deposit will be refunded."),
    ("care", "policy_kept", {}, "Since it is less than 7 days away, the deposit is kept under our policy."),
    ("care", "deposit_refunded", {}, "Your deposit will be refunded."),
    ("care", "deposit_kept", {}, "The deposit is kept under our policy."),
    ("handoff", "staff_no_opening", {}, "A member of our team will get back to you as soon as they can."),
    ("care", "reschedule_offer", {"booking_number": 41, "when": "Saturday, December 12 at 18:00",
                                  "date": "2026-12-19", "slot": "18:00"},
     "I can move booking #41 from Saturday, December 12 at 18:00 to 2026-12-19 at 18:00 (one free reschedule with "
     "48 hours' notice)."),
    ("care", "ask_reschedule", {}, "Shall I make the change?"),
    ("care", "rescheduled", {"booking_number": 41, "date": "Saturday, December 19", "slot": "18:00"},
     "Done: booking #41 is now on Saturday, December 19 at 18:00."),
    ("care", "guests_offer", {"booking_number": 41, "when": "Saturday, December 12 at 18:00", "guests": "14 adults"},
     "I can change booking #41 on Saturday, December 12 at 18:00 to 14 adults."),
    ("care", "ask_guests", {}, "Shall I update it?"),
    ("care", "guests_changed", {"booking_number": 41, "total": "$770"},
     "Done: booking #41 is updated; the new total is $770."),
    ("care", "change_failed", {"reason": "Too late."}, "I couldn't make that change: Too late."),
    ("care", "booking_status", {"booking_number": 41, "when": "Saturday, December 12 at 18:00"},
     "Your booking #41 is on Saturday, December 12 at 18:00."),
    ("care", "ask_change", {}, "What would you like to change: the date, the time or the number of guests?"),
    ("care", "booking_not_found", {}, "I couldn't find that booking."),
    ("verification", "code_message", {"code": "012345", "minutes": 10},
     "Your MyHibachi code is 012345. It expires in 10 minutes. If you did not ask for it, ignore this message: "
     "nothing changes without it."),
    ("verification", "code_sent", {"contact": "t***@example.com"},
     "To keep your booking safe, I've sent a 6-digit code to t***@example.com."),
    ("verification", "ask_code", {}, "Please type it here to continue."),
    ("verification", "codes_limit", {"contact": "t***@example.com"},
     "I've already sent several codes to t***@example.com in the last hour. Please type the latest one here, or try "
     "again in an hour."),
    ("verification", "no_contact", {},
     "To keep bookings safe, I can only show or change one once I know it's you, and there's no email or phone on "
     "file to confirm it with. I've asked a member of our team to help."),
    ("verification", "verified", {}, "Thank you, that's confirmed."),
    ("verification", "ask_help", {}, "What can I help you with?"),
    ("verification", "contact_confirmed", {"contact": "tom@example.com"},
     "Thank you, tom@example.com is confirmed and saved."),
    ("verification", "contact_elsewhere", {"contact": "tom@example.com"},
     "Thank you, tom@example.com is confirmed. It is already on another record of ours, so our team will link the "
     "two."),
    ("verification", "code_locked", {},
     "That code didn't match too many times, so I've passed your request to our team, who will confirm it with "
     "you."),
    ("verification", "code_expired", {}, "That code has expired."),
    ("verification", "ask_new_code", {}, "Shall I send a new one? Just ask again what you'd like to change."),
    ("verification", "code_wrong", {}, "That code doesn't match."),
    ("verification", "ask_code_again", {}, "Could you check the latest code we sent and type it again?"),
    ("verification", "contact_code_one", {"contact": "tom@example.com"},
     "To keep your details safe, I've sent a 6-digit code to tom@example.com: type it here to confirm it is yours."),
    ("verification", "contact_code_several", {"contacts": "tom@example.com and +14155550199"},
     "To keep your details safe, I've sent a 6-digit code to tom@example.com and +14155550199: type each code here "
     "to confirm they are yours."),
    ("knowledge", "offer_person", {}, "Would you like me to connect you with a member of our team?"),
    ("operations", "logistics", {},
     "The chef arrives 30 minutes early to set up and the show lasts about 90 minutes. Bookings need at least 48 "
     "hours' notice; start times are 12:00, 15:00, 18:00 and 20:30, every day."),
    ("operations", "ask_date", {}, "Which date are you thinking of?"),
    ("operations", "short_notice", {"date": "Tuesday, November 3"},
     "Tuesday, November 3 is less than 48 hours away, so our team needs to check it by hand; I've passed it on."),
    ("operations", "open_slots", {"date": "Sunday, December 20", "slots": "12:00, 18:00"},
     "On Sunday, December 20 we have 12:00, 18:00 available."),
    ("operations", "ask_hold", {}, "Would you like me to hold one of those for you?"),
    ("operations", "fully_booked", {"date": "Sunday, December 20"}, "Sunday, December 20 is fully booked, I'm sorry."),
    ("operations", "ask_other_date", {}, "Is another date possible?"),
    ("consent", "opted_out", {"business": "MyHibachi"},
     "You're unsubscribed from MyHibachi surveys and follow-ups on this number/address. Reply START to resume. "
     "Replies to your own messages and booking messages still come through. To cancel a booking, write \"cancel my "
     "booking\"."),
    ("consent", "opted_in", {"business": "MyHibachi"},
     "You're subscribed again to MyHibachi messages. Reply STOP to unsubscribe, HELP for help."),
    ("consent", "help", {"business": "MyHibachi", "contact": "our team answers here",
                         "hours": "9:00-21:00 Pacific, every day"},
     "MyHibachi: our team answers here (9:00-21:00 Pacific, every day). Reply STOP to unsubscribe from surveys and "
     "follow-ups, START to resume. Msg & data rates may apply."),
    ("surveys", "ask_rating_booking", {},
     "Thanks for booking with MyHibachi! How did we do? Reply with a number from 1 (poor) to 5 (great)."),
    ("surveys", "ask_rating_closed", {},
     "Thanks for chatting with MyHibachi. How did we do? Reply with a number from 1 (poor) to 5 (great)."),
    ("surveys", "thanks", {}, "Thank you for your feedback!"),
    ("surveys", "low_rating", {}, "We're sorry it wasn't better; a manager will read your comments."),
    ("surveys", "answer_thanks", {}, "Thank you!"),
]


@pytest.mark.parametrize("agent, situation, values, text", TODAYS_TEXTS,
                         ids=[f"{agent}.{situation}" for agent, situation, _values, _text in TODAYS_TEXTS])
def test_each_new_situations_default_is_what_the_code_said(agent, situation, values, text):
    assert reply_text(agent, situation, tone="warm", **values) == text
    declared = SITUATIONS[(agent, situation)]
    assert set(values) <= set(declared.placeholders) and declared.required <= set(values)


def test_the_survey_questions_are_the_learning_apps():
    for step, question in SURVEY_QUESTIONS.items():
        assert reply_text("surveys", f"ask_{step}", tone=None) == question


def test_every_agent_of_a_situation_is_a_model_choice():
    assert {situation.agent for situation in SITUATIONS.values()} == {agent for agent, _label in
                                                                      ReplyTemplate._meta.get_field("agent").choices}


@pytest.mark.parametrize("agent, situation, text, missing", [
    ("care", "rescheduled", "Done: booking #{booking_number} is moved to {slot}.", "date"),
    ("care", "guests_changed", "Done: booking #{booking_number} is updated.", "total"),
    ("verification", "code_sent", "I've sent you a code.", "contact"),
    ("verification", "code_message", "Your code expires in {minutes} minutes.", "code"),
    ("operations", "open_slots", "On {date} we have times available.", "slots"),
    ("sales", "payment_link", "Pay the {deposit} deposit to confirm it.", "link"),
    ("sales", "outside_area", "Sorry, {place} is out of the area {zone}.", None),
])
def test_a_new_situations_template_that_drops_what_the_customer_needs_is_refused(agent, situation, text, missing):
    with pytest.raises(ValidationError) as refused:
        saved(text, agent=agent, situation=situation)
    [error] = refused.value.message_dict["text"]
    if missing:
        assert error.startswith(f"The placeholder {{{missing}}} is required here")
    else:
        assert error.startswith("Unknown placeholder {zone}: this situation knows {place}.")
    assert not ReplyTemplate.objects.exists()


def test_a_consent_confirmation_must_keep_the_carriers_keyword():
    with pytest.raises(ValidationError) as refused:
        saved("{business}: you're out. Text us to come back.", agent="consent", situation="opted_out")
    assert refused.value.message_dict["text"] == [
        "The text must keep the word START (phone carriers require the instruction)."]


def test_a_staff_stop_confirmation_is_the_reply_to_stop(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("{business}: you're out. Reply START to come back.", agent="consent", situation="opted_out")
    message, _ = message_receive(channel="sms", sender={"external_id": "+14155550177", "phone": "+14155550177"},
                                 text="STOP")

    result = consent_keyword_answer(message)

    assert result.reply.text == f"{settings.BUSINESS_NAME}: you're out. Reply START to come back."


def test_the_admin_saves_an_operations_template(client, django_user_model):
    manager = django_user_model.objects.create_user(username="manager", password="pw", is_staff=True)
    manager.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(manager)

    response = client.post(reverse("admin:agents_replytemplate_add"), {
        "agent": "operations", "situation": "open_slots", "tone": "default", "text": "{date}: {slots} are open.",
        "active": "on"})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReplyTemplate.objects.get().situation == "open_slots"


def test_a_staff_reschedule_confirmation_is_rendered_from_the_moved_booking(business, chat,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("All moved: #{booking_number} now takes place {date}, {slot}.", agent="care", situation="rescheduled")
        saved("Move #{booking_number} to {date} at {slot}?", agent="care", situation="reschedule_offer")
        saved("OK?", agent="care", situation="ask_reschedule")
    customer = chat(channel="sms", external_id="+14155550175", phone="+14155550175", name="Ron Weasley")
    for text in ("12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct", "yes"):
        customer.say(text)
    booking = customer.last.booking

    asked = customer.say("Can we move our booking to December 19?")
    done = customer.say("yes please")

    assert asked.reply.text.endswith(f"Move #{booking.pk} to 2026-12-19 at 18:00? OK?"), customer.transcript()
    booking.refresh_from_db()
    assert booking.event_date.isoformat() == "2026-12-19"
    assert f"All moved: #{booking.pk} now takes place Saturday, December 19, 18:00." in done.reply.text


def test_a_staff_service_area_refusal_is_used(business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("We don't cook in {place} yet, sorry!", situation="outside_area")

    reply = chat().say("How much for 10 adults in 90210?").reply

    assert "We don't cook in 90210 yet, sorry! Is there another location for the event?" in reply.text, reply.text


def test_a_staff_operations_answer_is_used(business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("{date}: {slots} are open.", agent="operations", situation="open_slots")
        saved("Want one?", agent="operations", situation="ask_hold")
    customer = chat()

    reply = customer.say("are you free on december 20?").reply

    assert reply.agent == "operations", customer.transcript()
    assert "Sunday, December 20: 12:00, 15:00, 18:00, 20:30 are open. Want one?" in reply.text, reply.text


def test_a_staff_payment_sentence_is_used_in_each_tone_of_the_booking_confirmation(
        business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("Deposit: {deposit}. We'll call you about it.", situation="payment_by_staff")
        saved("Kindly remit the {deposit} deposit; our team will be in touch.", situation="payment_by_staff",
              tone="formal")
    customer = chat()
    for text in ("hello, price for 8 adults?", "Dec 5th, noon, Fremont 94538", "1520 Willow Ln",
                 "name is Tom Baker, phone 415-555-0199", "yes"):
        customer.say(text)

    booking = customer.last.booking
    assert booking is not None, customer.transcript()
    assert f"Booking number {booking.pk}. Deposit: $100. We'll call you about it." in customer.last.reply.text
    confirmation = BookingCreate(
        customer=booking.customer, conversation=booking.conversation, event_date=booking.event_date,
        slot=booking.slot, adults=booking.adults, children=booking.children,
        children_under_6=booking.children_under_6, city=booking.city, zip_code=booking.zip_code, proteins=None,
        upgrades=None, addons=None, now=customer.clock, deposit="100")
    drafts = confirmation.reply(booking)   # every tone renders its own payment sentence
    assert "Kindly remit the $100 deposit; our team will be in touch." in drafts["formal"]
    assert "Deposit: $100. We'll call you about it." in drafts["casual"]


def test_a_staff_survey_wording_is_sent_and_its_thanks_said(business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("Rate us 1-5, please!", agent="surveys", situation="ask_rating_closed")
        saved("Much appreciated.", agent="surveys", situation="thanks")
    customer = chat()
    first = customer.say("How much for 12 adults?")
    with time_machine.travel(customer.clock, tick=False):
        survey_request_send(conversation=first.conversation, trigger=SurveyRequest.Trigger.CLOSED)

    assert first.conversation.messages.order_by("-sent_at", "-id").first().text == "Rate us 1-5, please!"
    assert customer.say("5").reply.text == "Much appreciated. Did we understand what you needed? Reply yes or no."


def test_a_staff_code_message_carries_the_code(business, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("MyHibachi: {code} is your code ({minutes} min).", agent="verification", situation="code_message")
    first = chat().say("hello")
    with django_capture_on_commit_callbacks(execute=True):
        verification_code_issue(customer=first.conversation.customer, conversation=first.conversation,
                                purpose="link", channel="email", contact="tom@example.com")

    [sent] = [message for message in mail.outbox if message.to == ["tom@example.com"]]
    assert re.fullmatch(r"MyHibachi: \d{6} is your code \(\d+ min\)\.", sent.body), sent.body
