"""The web chat consumer (/ws/chat/) through the project's ASGI application, with WebsocketCommunicator."""

import time
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from conversations import services as conversation_services
from conversations.models import Conversation, Message
from learning.models import Feedback
from messaging.models import OutboundDelivery
from messaging.visitor import new_visitor_id, sign_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(visitor_id=None, cookie=None):
    from hibachi.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie is None and visitor_id is not None:
        cookie = sign_visitor(visitor_id)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.WEBCHAT_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/chat/", headers=headers)


def run(scenario):
    return async_to_sync(scenario)()


async def next_of(ws, kind, timeout=20):
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


@pytest.mark.parametrize("cookie", [None, "abc", "0" * 32 + ":forged"])
def test_a_socket_without_a_valid_signed_cookie_is_refused(cookie):
    async def scenario():
        ws = communicator(cookie=cookie)
        connected, code = await ws.connect()
        return connected, code

    assert run(scenario) == (False, 4401)


def test_a_message_is_acknowledged_once_stored_then_answered_once(seeded):
    visitor = new_visitor_id()

    async def scenario():
        ws = communicator(visitor)
        assert (await ws.connect())[0]
        events = [await ws.receive_json_from()]
        await ws.send_json_to({"type": "message", "text": "How much for 20 adults?", "client_id": "c-1"})
        for _ in range(4):
            events.append(await ws.receive_json_from(timeout=30))
        quiet = await ws.receive_nothing(timeout=0.5)  # the group's copy of the reply is not shown twice
        await ws.disconnect()
        return events, quiet

    events, quiet = run(scenario)

    history, ack, typing_on, typing_off, reply = events
    assert history == {"type": "history", "messages": []}
    inbound = Message.objects.get(direction="inbound")
    assert ack == {"type": "ack", "client_id": "c-1", "message_id": inbound.pk, "duplicate": False}
    assert (typing_on, typing_off) == ({"type": "typing", "on": True}, {"type": "typing", "on": False})
    ai = Message.objects.get(direction="outbound")
    assert reply["type"] == "message"
    assert reply["message"] == {"id": ai.pk, "author": "ai", "direction": "outbound", "text": ai.text,
                                "sent_at": ai.sent_at.isoformat(), "in_reply_to": inbound.pk, "feedback": None}
    assert quiet
    assert inbound.channel == "web" and inbound.external_id == f"{visitor}:c-1"
    assert OutboundDelivery.objects.get(message=ai).status == "sent"


def test_the_message_is_stored_even_when_answering_fails(seeded):
    visitor = new_visitor_id()

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        with mock.patch("messaging.services.inbound.conversation_answer", side_effect=RuntimeError("model down")):
            await ws.send_json_to({"type": "message", "text": "Hello?", "client_id": "c-9"})
            ack = await next_of(ws, "ack")
            error = await next_of(ws, "error")
        await ws.disconnect()
        return ack, error

    ack, error = run(scenario)

    inbound = Message.objects.get(pk=ack["message_id"])
    assert inbound.text == "Hello?" and not inbound.replies.exists()
    assert "Your message is saved" in error["error"]
    assert inbound.conversation.escalations.get().message == inbound  # "our team will see it" is true


def test_a_resent_message_is_stored_and_answered_once(seeded):
    visitor = new_visitor_id()

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "Hi there", "client_id": "same"})
        first = await next_of(ws, "ack")
        await next_of(ws, "message")
        await ws.send_json_to({"type": "message", "text": "Hi there", "client_id": "same"})
        second = await next_of(ws, "ack")
        await next_of(ws, "typing")
        await next_of(ws, "typing")
        quiet = await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        return first, second, quiet

    first, second, quiet = run(scenario)

    assert second == {**first, "duplicate": True}
    assert quiet  # the reply already shown is not pushed again
    assert Message.objects.filter(direction="inbound").count() == 1
    assert Message.objects.filter(direction="outbound").count() == 1


def test_reconnecting_restores_the_history_with_the_thumbs_given(seeded):
    visitor = new_visitor_id()

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "Do you cater in San Jose?", "client_id": "a"})
        reply = (await next_of(ws, "message"))["message"]
        await ws.send_json_to({"type": "feedback", "message_id": reply["id"], "kind": "thumbs_up"})
        up = await next_of(ws, "feedback")
        await ws.send_json_to({"type": "feedback", "message_id": reply["id"], "kind": "thumbs_down"})
        down = await next_of(ws, "feedback")
        await ws.disconnect()

        again = communicator(visitor)
        await again.connect()
        history = await again.receive_json_from()
        await again.disconnect()
        return reply, up, down, history

    reply, up, down, history = run(scenario)

    assert up == {"type": "feedback", "message_id": reply["id"], "kind": "thumbs_up"}
    assert down["kind"] == "thumbs_down"
    assert list(Feedback.objects.filter(message_id=reply["id"]).values_list("kind", flat=True)) == ["thumbs_down"]
    assert [(m["author"], m["text"]) for m in history["messages"]] == [
        ("customer", "Do you cater in San Jose?"), ("ai", reply["text"])]
    assert history["messages"][1]["feedback"] == "thumbs_down"


def test_feedback_on_someone_elses_message_is_refused(seeded):
    other = Message.objects.create(
        conversation=Conversation.objects.create(customer=conversation_services.customer_create(name="X"),
                                                 channel="web"),
        channel="web", direction="outbound", author="ai", text="Hello X")

    async def scenario():
        ws = communicator(new_visitor_id())
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "feedback", "message_id": other.pk, "kind": "thumbs_up"})
        error = await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "   "})
        empty = await ws.receive_json_from()
        await ws.send_json_to({"type": "dance"})
        unknown = await ws.receive_json_from()
        await ws.disconnect()
        return error, empty, unknown

    error, empty, unknown = run(scenario)

    assert error["type"] == "error" and "not in this chat" in error["error"]
    assert empty["type"] == "error" and "empty" in empty["error"]
    assert unknown["type"] == "error" and "Unknown type" in unknown["error"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("background", [False, True])
def test_staff_messages_appear_live(seeded, settings, background):
    settings.MESSAGING_INLINE_IN_BACKGROUND = background  # True: the push runs in a background thread (production)
    visitor = new_visitor_id()

    async def scenario():
        ws = communicator(visitor)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "message", "text": "I need to talk to a person", "client_id": "h"})
        await next_of(ws, "message")
        conversation = await database_sync_to_async(Conversation.objects.get)(channel="web")

        def staff_writes():
            conversation_services.conversation_take_over(conversation=conversation, staff_user=None)
            return conversation_services.message_record_outbound(
                conversation=conversation, text="Hi, Maya here. How can I help?", author=Message.Author.STAFF)

        staff = await database_sync_to_async(staff_writes)()
        pushed = await next_of(ws, "message")
        quiet = await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        return staff, pushed, quiet

    staff, pushed, quiet = run(scenario)

    assert pushed["message"]["id"] == staff.pk
    assert pushed["message"]["author"] == "staff" and pushed["message"]["text"] == "Hi, Maya here. How can I help?"
    assert quiet
    deadline = time.monotonic() + 10
    while not OutboundDelivery.objects.filter(message_id=staff.pk, status="sent").exists():
        assert time.monotonic() < deadline, "the delivery of the staff message was not recorded"
        time.sleep(0.05)


def test_the_home_page_sets_the_signed_visitor_cookie_once(client, db):
    first = client.get("/")
    second = client.get("/")

    assert first.status_code == 200 and b'id="chat"' in first.content and b"messaging/chat.js" in first.content
    cookie = first.cookies[settings.WEBCHAT_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    from messaging.visitor import visitor_from_cookie_value

    assert visitor_from_cookie_value(cookie.value) is not None
    assert settings.WEBCHAT_COOKIE_NAME not in second.cookies  # kept, not replaced
