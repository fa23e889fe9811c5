"""Issue 14, points 1 and 10: nobody acts on another customer's booking by claiming their e-mail address.

An e-mail's From is only an identity when Mailgun's SPF or DKIM verdict passed for its domain; a web chat visitor's
typed e-mail or phone is only a claim until the code sent to it comes back. Everything here goes through the real
webhook or websocket, the real pipeline and the real senders (Django's locmem mail backend is the mailbox)."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_create
from conversations.models import ChannelIdentity, ContactVerification, Customer, Message
from conversations.services import customer_create
from messaging.visitor import new_visitor_id

from . import payloads
from .test_consumer import communicator, next_of

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/channels/mailgun/inbound/"
VICTIM = "Vic Tim <victim@example.com>"
DKIM_PASS = [["X-Mailgun-Dkim-Check-Result", "Pass"], ["X-Mailgun-Spf", "Fail"]]
SIGNED_BY_VICTIMS_DOMAIN = [["DKIM-Signature", "v=1; a=rsa-sha256; d=example.com; s=mail; h=from:to; b=abc"]]


@pytest.fixture
def victim(seeded):
    customer = customer_create(name="Vic Tim", email="victim@example.com")
    event_date = timezone.localdate() + datetime.timedelta(days=30)
    booking = booking_create(customer=customer, event_date=event_date, slot="18:00", adults=12, zip_code="94538",
                             now=timezone.now())
    return customer, booking


def email(client, text, *, sender=VICTIM, **options):
    form = payloads.mailgun_form(text=text, sender=sender, **options)
    response = client.post(URL, data=urlencode(form), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    return Message.objects.filter(direction="inbound").latest("id").replies.get()


def codes_sent_to(address):
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in mail.outbox
            if m.to == [address] and m.subject == "Your MyHibachi code"]


def test_two_signed_but_unverified_emails_from_the_victims_address_do_not_cancel_the_booking(
    client, victim, eager_celery
):
    _, booking = victim

    asked = email(client, "Please cancel my booking")
    answered = email(client, "yes")

    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED
    assert "code" in asked.text and f"#{booking.pk}" not in asked.text
    assert len(codes_sent_to("victim@example.com")) == 1   # the code went to the real mailbox, not to the writer
    assert f"#{booking.pk}" not in answered.text


def test_a_forged_verdict_header_written_by_the_sender_does_not_verify_the_email(client, victim, eager_celery):
    _, booking = victim
    forged = {"extra_headers": [["X-Mailgun-Dkim-Check-Result", "Pass"], ["X-Mailgun-Spf", "Pass"]]}

    email(client, "Please cancel my booking", **forged)
    email(client, "yes", **forged)

    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED


@pytest.mark.parametrize("verdict", [
    # DKIM passed, but for the attacker's own domain's signature
    {"mailgun_headers": DKIM_PASS, "extra_headers": [["DKIM-Signature", "v=1; d=attacker.example; s=x; b=1"]]},
    # SPF passed, but for the attacker's envelope sender
    {"mailgun_headers": [["X-Mailgun-Spf", "Pass"]], "envelope_sender": "bounce@attacker.example"},
])
def test_a_verdict_for_another_domain_does_not_verify_the_from_address(client, victim, eager_celery, verdict):
    _, booking = victim

    email(client, "Please cancel my booking", **verdict)
    email(client, "yes", **verdict)

    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED


@pytest.mark.parametrize("verdict", [
    {"mailgun_headers": DKIM_PASS, "extra_headers": SIGNED_BY_VICTIMS_DOMAIN},
    {"mailgun_headers": [["X-Mailgun-Spf", "Pass"]], "envelope_sender": "bounces@mail.example.com"},
])
def test_an_email_whose_verdict_passed_for_its_domain_cancels_after_the_yes(client, victim, eager_celery, verdict):
    _, booking = victim

    asked = email(client, "Please cancel my booking", **verdict)
    email(client, "yes", **verdict)

    booking.refresh_from_db()
    assert "Shall I cancel it?" in asked.text
    assert booking.status == Booking.Status.CANCELLED
    assert codes_sent_to("victim@example.com") == []


def test_the_owner_who_types_the_code_back_gets_the_request_done(client, victim, eager_celery):
    _, booking = victim
    email(client, "Please cancel my booking")
    [code] = codes_sent_to("victim@example.com")

    resumed = email(client, f"The code is {code}")
    email(client, "yes")

    booking.refresh_from_db()
    assert "Shall I cancel it?" in resumed.text
    assert booking.status == Booking.Status.CANCELLED
    verification = ContactVerification.objects.get()
    assert verification.verified_at is not None and code not in verification.code_digest


def test_a_wrong_code_does_not_verify_and_the_right_one_works_once(client, victim, eager_celery):
    _, booking = victim
    email(client, "Please cancel my booking")
    [code] = codes_sent_to("victim@example.com")
    wrong = f"{(int(code) + 1) % 1000000:06d}"

    refused = email(client, wrong)
    email(client, "yes")

    booking.refresh_from_db()
    assert "doesn't match" in refused.text
    assert booking.status != Booking.Status.CANCELLED
    assert ContactVerification.objects.get().attempts == 1


# --- point 10: contacts typed in web chat ---------------------------------------------------------------------------


async def _web_chat(visitor, texts):
    ws = communicator(visitor)
    await ws.connect()
    await ws.receive_json_from()
    replies = []
    for i, text in enumerate(texts):
        await ws.send_json_to({"type": "message", "text": text, "client_id": f"c{i}-{abs(hash(text))}"})
        replies.append((await next_of(ws, "message", timeout=60))["message"]["text"])
    await ws.disconnect()
    return replies


def test_a_visitor_who_types_the_victims_email_cannot_see_or_cancel_the_owners_bookings(
    client, seeded, eager_celery
):
    visitor = new_visitor_id()
    async_to_sync(_web_chat)(visitor, ["Hi, I'd like a party for 12 adults",
                                       "My name is Eve, my email is owner@example.com"])
    visitor_customer = ChannelIdentity.objects.get(channel="web", external_id=visitor).customer
    visitor_customer.refresh_from_db()
    assert visitor_customer.email is None        # a claim is not an identity

    # The real owner books by e-mail (DKIM-verified) afterwards.
    verdict = {"sender": "Owner <owner@example.com>", "mailgun_headers": DKIM_PASS,
               "extra_headers": SIGNED_BY_VICTIMS_DOMAIN}
    email(client, "15 adults on December 12 at 6pm in 94538 (4410 Rosewood Ct), my name is Owner", **verdict)
    email(client, "yes", **verdict)
    booking = Booking.objects.get()
    owner = Customer.objects.get(email="owner@example.com")
    assert booking.customer == owner and owner != visitor_customer

    replies = async_to_sync(_web_chat)(visitor, ["I need to cancel my booking", "yes"])

    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED
    assert all(f"#{booking.pk}" not in reply for reply in replies), replies


def test_a_contact_typed_in_web_chat_is_attached_once_its_code_comes_back(seeded, eager_celery):
    visitor = new_visitor_id()
    [asked] = async_to_sync(_web_chat)(visitor, ["12 adults please, my email is ann.lee@example.com"])
    [code] = codes_sent_to("ann.lee@example.com")
    customer = ChannelIdentity.objects.get(channel="web", external_id=visitor).customer

    [confirmed] = async_to_sync(_web_chat)(visitor, [code])

    customer.refresh_from_db()
    assert "code" in asked
    assert "confirmed" in confirmed
    assert customer.email == "ann.lee@example.com"
