"""Web chat abuse limits (issue 14 point 2): many visitors, sockets and messages from one address, and many messages
from one visitor, are refused with a clear message; nothing past a limit is stored."""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from conversations.models import Message
from messaging.limits import client_address
from messaging.visitor import new_visitor_id, sign_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def an_address():
    """A fresh address per test: the limits' windows live in Redis across tests."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def communicator(visitor_id, address):
    from hibachi.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
               (b"cookie", f"{settings.WEBCHAT_COOKIE_NAME}={sign_visitor(visitor_id)}".encode())]
    ws = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
    ws.scope["client"] = (address, 50000)
    return ws


def test_a_script_fetching_the_home_page_gets_a_limited_number_of_visitors(client, settings):
    settings.WEBCHAT_NEW_VISITORS_PER_ADDRESS = "3/h"
    address = an_address()
    cookies = []
    for _ in range(5):
        client.cookies.clear()
        response = client.get("/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=an_address())  # spoofed: not trusted
        cookies.append(settings.WEBCHAT_COOKIE_NAME in response.cookies)
        last = response
    assert cookies == [True, True, True, False, False]
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert "Too many new chats were started from your network" in last.content.decode()


def test_a_visitor_who_has_a_cookie_is_not_counted(client, settings):
    settings.WEBCHAT_NEW_VISITORS_PER_ADDRESS = "1/h"
    address = an_address()
    assert client.get("/", REMOTE_ADDR=address).status_code == 200   # gets the cookie and keeps it
    for _ in range(3):
        assert client.get("/", REMOTE_ADDR=address).status_code == 200


def test_too_many_sockets_from_one_address_are_told_and_closed(settings):
    settings.WEBCHAT_SOCKETS_PER_ADDRESS = "3/min"
    address = an_address()

    async def scenario():
        outcomes = []
        for _ in range(4):
            ws = communicator(new_visitor_id(), address)
            connected, _ = await ws.connect()
            first = await ws.receive_json_from(timeout=10)
            closed = await ws.receive_output(timeout=10) if first["type"] == "error" else None
            outcomes.append((connected, first, closed))
            await ws.disconnect()
        return outcomes

    outcomes = async_to_sync(scenario)()
    assert [first["type"] for _, first, _ in outcomes] == ["history", "history", "history", "error"]
    _, refused, closed = outcomes[-1]
    assert refused["limit"] == "sockets" and "Too many chat connections" in refused["error"]
    assert closed == {"type": "websocket.close", "code": 4429}


def test_a_visitor_flooding_messages_is_refused_before_anything_is_stored(settings):
    settings.WEBCHAT_MESSAGES_PER_VISITOR = "0/min"   # the limit itself is what is tested; no answer is needed
    address = an_address()

    async def scenario():
        ws = communicator(new_visitor_id(), address)
        await ws.connect()
        await ws.receive_json_from(timeout=10)  # history
        replies = []
        for n in range(5):
            await ws.send_json_to({"type": "message", "text": f"spam {n}", "client_id": f"c-{n}"})
            replies.append(await ws.receive_json_from(timeout=10))
        await ws.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    assert all(r["type"] == "error" and r["limit"] == "messages" and r["retry"] is True for r in replies)
    assert [r["client_id"] for r in replies] == [f"c-{n}" for n in range(5)]
    assert "You are sending messages faster than we can answer them" in replies[0]["error"]
    assert not Message.objects.exists()


def test_many_visitors_from_one_address_share_the_address_limit(settings):
    settings.WEBCHAT_MESSAGES_PER_ADDRESS = "0/min"
    settings.WEBCHAT_MESSAGES_PER_VISITOR = "100/min"
    address = an_address()

    async def scenario():
        replies = []
        for n in range(3):
            ws = communicator(new_visitor_id(), address)
            await ws.connect()
            await ws.receive_json_from(timeout=10)
            await ws.send_json_to({"type": "message", "text": "hello", "client_id": f"v-{n}"})
            replies.append(await ws.receive_json_from(timeout=10))
            await ws.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    assert [r.get("limit") for r in replies] == ["messages"] * 3
    assert not Message.objects.exists()


def test_the_message_limit_counts_per_visitor(settings):
    from messaging.limits import message_allowed

    settings.WEBCHAT_MESSAGES_PER_VISITOR = "2/min"
    address, visitor, other = an_address(), new_visitor_id(), new_visitor_id()
    verdicts = [message_allowed(visitor_id=visitor, address=address).allowed for _ in range(3)]
    assert verdicts == [True, True, False]
    assert message_allowed(visitor_id=other, address=address).allowed


def test_the_limits_fail_open_to_a_local_counter_while_redis_is_down(settings, throwaway_redis):
    from messaging.limits import message_allowed

    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": throwaway_redis["url"],
                                                      "OPTIONS": {"socket_timeout": 0.5,
                                                                  "socket_connect_timeout": 0.5}}}
    settings.WEBCHAT_MESSAGES_PER_VISITOR = "2/min"
    throwaway_redis["process"].kill()
    throwaway_redis["process"].wait()
    visitor = new_visitor_id()
    verdicts = [message_allowed(visitor_id=visitor, address=an_address()).allowed for _ in range(3)]
    assert verdicts == [True, True, False]


@pytest.mark.parametrize(("proxies", "expected"), [(0, "203.0.113.9"), (1, "198.51.100.7"), (2, "192.0.2.1")])
def test_forwarded_for_is_read_only_behind_trusted_proxies(settings, proxies, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    assert client_address(remote_addr="203.0.113.9", forwarded_for="192.0.2.1, 198.51.100.7") == expected


def test_every_counted_key_expires_with_its_window(settings):
    """The count and its expiry are set in one MULTI block: no counter is left in Redis without a TTL."""
    from django.core.cache import caches

    from messaging.limits import message_allowed

    settings.WEBCHAT_MESSAGES_PER_VISITOR, settings.WEBCHAT_MESSAGES_PER_ADDRESS = "5/min", "50/h"
    visitor, address = new_visitor_id(), an_address()
    assert message_allowed(visitor_id=visitor, address=address).allowed
    cache = caches["default"]
    client = cache._cache.get_client()
    keys = client.keys(cache.make_key("limit:message-*") + "*")
    ttls = {key.decode().split(":")[-3]: client.ttl(key) for key in keys
            if visitor.encode() in key or address.encode() in key}
    assert set(ttls) == {"message-visitor", "message-address"}
    assert 0 < ttls["message-visitor"] <= 61 and 60 < ttls["message-address"] <= 3601


def test_messages_sent_at_once_are_counted_exactly(settings):
    """Twenty messages of one visitor at the same moment, on threads: exactly the limit's ten get through."""
    from concurrent.futures import ThreadPoolExecutor

    from messaging.limits import message_allowed

    settings.WEBCHAT_MESSAGES_PER_VISITOR = "10/min"
    visitor, address = new_visitor_id(), an_address()
    with ThreadPoolExecutor(max_workers=20) as pool:
        verdicts = list(pool.map(lambda _: message_allowed(visitor_id=visitor, address=address), range(20)))
    assert sum(v.allowed for v in verdicts) == 10
    assert all(v.retry_after > 0 for v in verdicts if not v.allowed)
