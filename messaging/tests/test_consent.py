"""Consent (issue 16, item 5): STOP / START / HELP keywords, the e-mail unsubscribe link, and nothing
non-transactional sent to an opted-out contact."""

import pytest
from django.core import mail
from django.urls import reverse

from conversations import services as conversation_services
from conversations.models import Channel, ChannelIdentity, Message
from conversations.services import message_receive
from conversations.tests.factories import ChannelIdentityFactory, ConversationFactory, CustomerFactory
from messaging.models import OutboundDelivery
from messaging.services import inbound_answer_once
from messaging.services.consent import consent_keyword
from messaging.unsubscribe import unsubscribe_token

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+14155550123"


def _sms(text, phone=PHONE):
    message, _ = message_receive(channel="sms", sender={"external_id": phone, "phone": phone}, text=text)
    return inbound_answer_once(message_id=message.pk)


@pytest.mark.parametrize("text,keyword", [
    ("STOP", "stop"), ("stop", "stop"), ("Stop.", "stop"), (" UNSUBSCRIBE ", "stop"), ("cancel", "stop"),
    ("End", "stop"), ("QUIT!", "stop"), ("stopall", "stop"), ("START", "start"), ("unstop", "start"),
    ("HELP", "help"), ("info?", "help"), ("please stop", "stop"),
])
def test_bare_keywords_are_recognised(text, keyword):
    assert consent_keyword(text) == keyword


@pytest.mark.parametrize("text", ["cancel my booking", "stop by at 6?", "help me book a party", "yes", "start at 6pm"])
def test_sentences_are_not_keywords(text):
    assert consent_keyword(text) is None


def test_stop_opts_the_contact_out_and_confirms_without_a_model_call(eager_celery):
    result = _sms("STOP")
    identity = ChannelIdentity.objects.get(channel="sms", external_id=PHONE)
    assert identity.opted_out_at is not None and identity.consent_source == "keyword STOP"
    assert "unsubscribed" in result.reply.text and "START" in result.reply.text
    assert result.reply.metadata == {"purpose": "consent", "consent": "stop"} and result.reply.agent == "consent"
    assert not result.reply.intent and not result.message.intent  # no NLU or model ran


def test_start_opts_back_in(eager_celery):
    _sms("STOP")
    result = _sms("START")
    assert ChannelIdentity.objects.get(channel="sms", external_id=PHONE).opted_out_at is None
    assert "subscribed again" in result.reply.text


def test_help_answers_with_the_business_contact(eager_celery, settings):
    settings.BUSINESS_CONTACT = "call 510-555-0100"
    assert "call 510-555-0100" in _sms("HELP").reply.text


def test_help_states_the_business_hours_staff_set(eager_celery, django_capture_on_commit_callbacks):
    from staff.models import BusinessHours
    from staff.selectors import hours_snapshot
    from staff.services import business_hours_save

    hours_snapshot.invalidate()
    assert "MyHibachi: our team answers here (9:00-21:00 Pacific, every day)." in _sms("HELP").reply.text
    # A transactional test's TRUNCATE removed the migration's rows: the hours read as the defaults until one is saved.
    sunday = BusinessHours.objects.filter(weekday=6).first() or BusinessHours(weekday=6)
    sunday.closed, sunday.opens_at, sunday.closes_at = True, None, None
    with django_capture_on_commit_callbacks(execute=True):
        business_hours_save(hours=sunday)
    try:
        assert "(Monday-Saturday 9:00-21:00, Sunday closed, Pacific time)." in _sms("INFO").reply.text
    finally:
        hours_snapshot.invalidate()   # the rows roll back with the test; the snapshot must not outlive them


def test_cancel_alone_is_an_opt_out_that_says_how_to_cancel_a_booking(eager_celery):
    assert "cancel my booking" in _sms("CANCEL").reply.text


def test_a_survey_to_an_opted_out_contact_is_suppressed_but_a_reply_is_sent(eager_celery):
    customer = CustomerFactory(email="dana@example.com")
    ChannelIdentityFactory(customer=customer, channel=Channel.EMAIL, external_id="dana@example.com",
                           opted_out_at="2026-11-01T10:00:00Z", consent_source="keyword STOP")
    conversation = ConversationFactory(customer=customer, channel=Channel.EMAIL)

    survey = conversation_services.message_record_outbound(
        conversation=conversation, text="How did we do? Reply 1-5.", metadata={"survey_token": "t1"})
    reply = conversation_services.message_record_outbound(conversation=conversation, text="Your booking is set.")

    assert OutboundDelivery.objects.get(message=survey).status == OutboundDelivery.Status.SUPPRESSED
    assert "opted out" in OutboundDelivery.objects.get(message=survey).last_error
    assert OutboundDelivery.objects.get(message=reply).status == OutboundDelivery.Status.SENT
    assert [m.body for m in mail.outbox] == ["Your booking is set."]


def test_a_survey_email_carries_a_one_click_unsubscribe_link(eager_celery):
    customer = CustomerFactory(email="eli@example.com")
    identity = ChannelIdentityFactory(customer=customer, channel=Channel.EMAIL, external_id="eli@example.com")
    conversation = ConversationFactory(customer=customer, channel=Channel.EMAIL)
    conversation_services.message_record_outbound(conversation=conversation, text="How did we do? Reply 1-5.",
                                                  metadata={"survey_token": "t2"})
    [email] = mail.outbox
    link = f"http://127.0.0.1:8000/unsubscribe/{unsubscribe_token(identity)}/"
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in email.body


def test_a_reply_email_has_no_unsubscribe_link(eager_celery):
    customer = CustomerFactory(email="fay@example.com")
    ChannelIdentityFactory(customer=customer, channel=Channel.EMAIL, external_id="fay@example.com")
    conversation = ConversationFactory(customer=customer, channel=Channel.EMAIL)
    conversation_services.message_record_outbound(conversation=conversation, text="See you Saturday.")
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_the_unsubscribe_link_asks_on_get_and_unsubscribes_on_post(client):
    identity = ChannelIdentityFactory(channel=Channel.EMAIL, external_id="gus@example.com")
    url = reverse("unsubscribe", args=[unsubscribe_token(identity)])

    page = client.get(url)
    identity.refresh_from_db()
    assert page.status_code == 200 and identity.opted_out_at is None  # a link scanner unsubscribes nobody

    done = client.post(url)
    identity.refresh_from_db()
    assert done.status_code == 200 and "unsubscribed" in done.content.decode()
    assert identity.opted_out_at is not None and identity.consent_source == "unsubscribe link"


def test_a_forged_unsubscribe_token_is_refused(client):
    identity = ChannelIdentityFactory(channel=Channel.EMAIL, external_id="hal@example.com")
    token = unsubscribe_token(identity)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(reverse("unsubscribe", args=[forged])).status_code == 404
    identity.refresh_from_db()
    assert identity.opted_out_at is None


def test_keywords_are_not_handled_on_web_chat(eager_celery):
    message, _ = message_receive(channel="web", sender={"external_id": "v" * 32}, text="STOP")
    result = inbound_answer_once(message_id=message.pk)
    assert result.reply is None or result.reply.metadata.get("purpose") != "consent"
    assert not Message.objects.filter(agent="consent").exists()


def test_staff_see_and_change_consent_in_the_admin(admin_client):
    identity = ChannelIdentityFactory(channel=Channel.SMS, external_id=PHONE)
    admin_client.post(reverse("admin:conversations_channelidentity_changelist"),
                      {"action": "opt_out", "_selected_action": [identity.pk]})
    identity.refresh_from_db()
    assert identity.opted_out_at is not None and identity.consent_source == "staff admin"
    page = admin_client.get(reverse("admin:conversations_customer_change", args=[identity.customer_id]))
    assert "opted out" in page.content.decode()
