"""Exactly one answer per customer message, whichever entry, retry or race brings it: every entry (the messages API,
each webhook, web chat) goes through message_receive, then inbound_answer_once."""

import datetime
import json
import threading
import time
from unittest import mock
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.db import connection

from agents.engine import pipeline
from agents.engine.pipeline import conversation_answer
from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import message_receive
from messaging import services
from messaging.models import OutboundDelivery, WebhookEvent
from messaging.visitor import new_visitor_id

from . import payloads
from .test_consumer import communicator, next_of

pytestmark = pytest.mark.django_db(transaction=True)


def ai_replies():
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, author=Message.Author.AI)


def post_rc(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json",
                       HTTP_VERIFICATION_TOKEN=payloads.RC_VERIFICATION_TOKEN)


def post_mailgun(client, form):
    return client.post("/api/v1/channels/mailgun/inbound/", data=urlencode(form),
                       content_type="application/x-www-form-urlencoded")


def post_meta(client, payload):
    raw = json.dumps(payload).encode()
    return client.post("/api/v1/channels/meta/", data=raw, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=payloads.meta_sign(raw))


# Each webhook: (send one event, send the same provider event again, send the same provider message in another
# event). Mailgun and Meta key their events by the message id itself, so "another event" is a re-signed re-post
# (Mailgun) or the message again in another batch (Meta).
def _ringcentral_sms(client):
    payload = payloads.rc_sms(text="Do you cater in San Jose?", message_id="71001")
    other = payloads.rc_sms(text="Do you cater in San Jose?", message_id="71001")
    other["body"]["eventType"] = "Update"
    url = "/api/v1/channels/ringcentral/sms/"
    return (lambda: post_rc(client, url, payload)), (lambda: post_rc(client, url, other))


def _ringcentral_voice(client):
    payload = payloads.rc_voice(transcript="Hi, a quote for 12 adults please.", session="s-once")
    other = payloads.rc_voice(transcript="Hi, a quote for 12 adults please.", session="s-once")
    url = "/api/v1/channels/ringcentral/voice/"
    return (lambda: post_rc(client, url, payload)), (lambda: post_rc(client, url, other))


def _mailgun(client):
    form = payloads.mailgun_form(text="What is the minimum order?", message_id="<once@mail.gmail.com>")
    resigned = payloads.mailgun_form(text="What is the minimum order?", message_id="<once@mail.gmail.com>")
    return (lambda: post_mailgun(client, form)), (lambda: post_mailgun(client, resigned))


def _meta(client):
    payload = payloads.meta_messages("Do you do vegetarian?", psid="1357924680", mids=["m_once"])
    batch = payloads.meta_messages("Hello", "Do you do vegetarian?", psid="1357924680", mids=["m_other", "m_once"])
    return (lambda: post_meta(client, payload)), (lambda: post_meta(client, batch))


WEBHOOKS = {"ringcentral-sms": _ringcentral_sms, "ringcentral-voice": _ringcentral_voice, "mailgun": _mailgun,
            "meta": _meta}


@pytest.fixture
def webhook_senders(settings, fake_ringcentral, fake_meta):
    return WEBHOOKS


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_the_same_provider_event_twice_is_answered_once(client, seeded, eager_celery, webhook_senders, webhook):
    send, _ = webhook_senders[webhook](client)

    first, again = send(), send()

    assert first.status_code == again.status_code == 200
    assert first.json()["received"] == 1 and again.json()["duplicates"] == 1
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert ai_replies().count() == 1 and inbound.replies.count() == 1
    assert OutboundDelivery.objects.get().status == "sent"


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_the_same_provider_message_in_two_events_is_answered_once(client, seeded, eager_celery, webhook_senders,
                                                                   webhook):
    send, send_other = webhook_senders[webhook](client)

    assert send().status_code == send_other().status_code == 200

    once = {"ringcentral-sms": "71001", "ringcentral-voice": "call:s-once", "mailgun": "<once@mail.gmail.com>",
            "meta": "m_once"}[webhook]
    inbound = Message.objects.get(external_id=once)
    assert inbound.replies.count() == 1
    assert ai_replies().count() == Message.objects.filter(direction=Message.Direction.INBOUND).count()
    assert OutboundDelivery.objects.filter(message__in=inbound.replies.all(), status="sent").count() == 1


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_two_stored_events_of_one_provider_message_are_answered_once(seeded, eager_celery, webhook_senders,
                                                                      webhook, client):
    """Below the webhook's own de-duplication: two event rows carrying the same message, processed one after the
    other (and once more), end with one message and one answer."""
    with mock.patch("messaging.services.webhooks.webhook_event_enqueue"):  # stored only: processed below
        send, _ = webhook_senders[webhook](client)
        send()
    first = WebhookEvent.objects.get()
    copy = WebhookEvent.objects.create(provider=first.provider, event_id=f"{first.event_id}-copy",
                                       channel=first.channel, external_id=first.external_id, payload=first.payload)

    for event in (first, copy, first):
        services.webhook_event_process(event_id=event.pk)

    first.refresh_from_db()
    copy.refresh_from_db()
    assert first.status == copy.status == "processed" and first.message == copy.message
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert first.message.replies.count() == 1 and ai_replies().count() == 1


def test_web_chat_answers_a_message_stored_but_never_answered_when_the_widget_sends_it_again(seeded):
    """The socket dropped after the message was stored (before its answer): the widget re-sends the same client_id
    on reconnect, and that copy is answered, once."""
    visitor = new_visitor_id()
    stored, _ = services.web_message_persist(visitor_id=visitor, text="Do you cater in San Jose?", client_id="c-1")

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "Do you cater in San Jose?", "client_id": "c-1"})
        ack = await next_of(ws, "ack")
        reply = await next_of(ws, "message")
        await ws.send_json_to({"type": "message", "text": "Do you cater in San Jose?", "client_id": "c-1"})
        await next_of(ws, "ack")
        await next_of(ws, "typing")
        await next_of(ws, "typing")
        quiet = await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        return ack, reply, quiet

    ack, reply, quiet = async_to_sync(scenario)()

    assert ack == {"type": "ack", "client_id": "c-1", "message_id": stored.pk, "duplicate": True}
    assert reply["message"]["in_reply_to"] == stored.pk and reply["message"]["author"] == "ai"
    assert quiet
    assert stored.replies.count() == 1 and ai_replies().count() == 1


def test_a_stored_message_is_answered_by_the_next_call_and_only_then(seeded):
    message, created = message_receive(channel="sms", sender={"external_id": "+14155550101",
                                                              "phone": "+14155550101"}, text="How much for 10 adults?")
    assert created and not message.replies.exists()

    answered = services.inbound_answer_once(message_id=message.pk)
    again = services.inbound_answer_once(message_id=message.pk)

    assert answered.created and answered.reply is not None
    assert not again.created and again.reply == answered.reply
    assert (again.quote, again.escalated, again.citations) == (answered.quote, answered.escalated, answered.citations)
    assert message.replies.count() == 1


def test_two_concurrent_calls_for_the_same_message_produce_one_reply(seeded):
    sender = {"external_id": "+14155550102", "phone": "+14155550102"}
    entered = threading.Event()

    def slow_answer(*, message, **kwargs):
        entered.set()
        time.sleep(0.5)  # the other call arrives while this one is answering
        return conversation_answer(message=message, **kwargs)

    results, errors = [], []

    def entry():
        try:  # what every entry does: store (the same provider id), then answer once
            message, _ = message_receive(channel="sms", sender=sender, text="Is Dec 12 free?", external_id="SM-race")
            results.append(services.inbound_answer_once(message_id=message.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch("messaging.services.inbound.conversation_answer", side_effect=slow_answer):
        first = threading.Thread(target=entry)
        first.start()
        assert entered.wait(30)
        second = threading.Thread(target=entry)
        second.start()
        first.join(60)
        second.join(60)

    assert not errors, errors
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].reply == results[1].reply
    message = Message.objects.get(external_id="SM-race")
    assert message.replies.count() == 1 and ai_replies().count() == 1


def test_a_failing_answer_keeps_the_message_and_escalates_the_conversation_once(seeded):
    message, _ = message_receive(channel="web", sender={"external_id": "v-fail"}, text="Hello?")

    with mock.patch("messaging.services.inbound.conversation_answer", side_effect=RuntimeError("model down")):
        for _ in range(2):
            with pytest.raises(RuntimeError, match="model down"):
                services.inbound_answer_once(message_id=message.pk)

    message.refresh_from_db()
    assert message.text == "Hello?" and not message.replies.exists()
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.status == Conversation.Status.WAITING_FOR_HUMAN
    escalation = conversation.escalations.get()  # the retry that failed again added nothing
    assert escalation.message == message
    assert escalation.reason == "the assistant could not answer: RuntimeError: model down"


def test_a_conversation_answered_elsewhere_past_the_wait_is_busy(seeded, conversation_answered_elsewhere):
    message, _ = message_receive(channel="sms", sender={"external_id": "+14155550103"}, text="Hi")
    conversation_answered_elsewhere(message.conversation_id)

    with pytest.raises(services.Busy):
        services.inbound_answer_once(message_id=message.pk)

    assert not message.replies.exists() and not message.conversation.escalations.exists()


def test_web_chat_hands_a_busy_conversations_message_to_a_worker(seeded, conversation_answered_elsewhere):
    visitor = new_visitor_id()
    earlier, _ = services.web_message_persist(visitor_id=visitor, text="Hi", client_id="c-0")
    conversation_answered_elsewhere(earlier.conversation_id)

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "How much for 10 adults?", "client_id": "c-1"})
        frames = [await ws.receive_json_from(timeout=10) for _ in range(3)]
        quiet = await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        return frames, quiet

    with mock.patch("messaging.tasks.answer_inbound_message.delay") as delay:
        (ack, typing_on, typing_off), quiet = async_to_sync(scenario)()

    assert ack["type"] == "ack" and (typing_on["on"], typing_off["on"]) == (True, False)
    assert quiet  # no error: the answer comes later, through the channel layer
    delay.assert_called_once_with(ack["message_id"])


def test_the_worker_answers_a_handed_over_message_once(seeded, eager_celery):
    from messaging.tasks import answer_inbound_message

    message, _ = message_receive(channel="sms", sender={"external_id": "+14155550104"}, text="Hi there")

    answer_inbound_message.delay(message.pk)
    answer_inbound_message.delay(message.pk)

    assert message.replies.count() == 1


def test_two_yes_answered_at_once_through_answer_once_make_one_booking(seeded, monkeypatch):
    """Two "yes" of one conversation reach two workers at the same moment: the conversation's lock answers them one
    after the other, so the second reads the state the first committed (booked) and books nothing."""
    clock = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    sender = {"external_id": "+14155550177", "phone": "+14155550177", "name": "Ann Lee", "email": "ann@example.com"}
    with time_machine.travel(clock, tick=False):
        details, _ = message_receive(channel="sms", sender=sender,
                                     text="12 adults on Dec 12 at 6pm in 94538, at 4410 Rosewood Ct")
        asked = services.inbound_answer_once(message_id=details.pk)
    assert "Shall I book it?" in asked.reply.text
    assert Conversation.objects.get().state["stage"] == "awaiting_confirmation"
    clock += datetime.timedelta(minutes=1)
    with time_machine.travel(clock, tick=False):
        yeses = [message_receive(channel="sms", sender=sender, text="yes", external_id=f"SM-yes-{n}")[0]
                 for n in range(2)]

    # Each thread's turn waits at the commit's door for the other (at most 3 s): without the lock both turns load
    # the awaiting state and both commit; with it the second turn cannot start before the first has committed.
    real_commit, barrier, seen = pipeline._commit, threading.Barrier(2, timeout=3), threading.local()

    def commit_together(*args):
        if not getattr(seen, "waited", False):
            seen.waited = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return real_commit(*args)

    monkeypatch.setattr(pipeline, "_commit", commit_together)
    results, errors = [], []

    def entry(message):
        try:
            while True:  # what the callers do with Busy: try again
                try:
                    results.append(services.inbound_answer_once(message_id=message.pk))
                    return
                except services.Busy:
                    time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(clock, tick=False):
        threads = [threading.Thread(target=entry, args=(message,)) for message in yeses]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert not errors, errors
    assert Booking.objects.count() == 1
    assert sum(result.booking is not None for result in results) == 1
    assert all(Message.objects.get(pk=message.pk).replies.count() == 1 for message in yeses)
