"""Several web worker processes (hibachi.serve: one per core) serve one visitor: a reply computed in one process reaches
the visitor's socket held by another, through the Channels layer's Redis groups (channels_redis).

Two real servers: uvicorn in a thread of this test process (worker A) and uvicorn in a subprocess (worker B), on the
same test database and Redis. The visitor has one tab on each; the message is sent on A's tab and answered in A's
process; B's tab shows the reply.
"""

import asyncio
import json
import os
import socket
import subprocess
import threading
import time
from unittest import mock
from urllib.parse import quote

import httpx
import pytest
from django.conf import settings
from django.db import connection

from hibachi import embedded, serve
from messaging.visitor import new_visitor_id, sign_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The test database, as a URL the subprocess's settings read (DATABASE_URL)."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{quote(db['HOST'], safe='')}{port}/{db['NAME']}"


@pytest.fixture
def worker_in_this_process():
    import uvicorn

    from hibachi.asgi import application

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, name="uvicorn-a", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn (worker A) did not start"
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def worker_in_another_process(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hibachi.settings.test", "DATABASE_URL": _database_url(),
           "REDIS_URL": settings.REDIS_URL, "OMP_NUM_THREADS": "1"}
    log = tmp_path / "worker-b.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(serve.uvicorn_command(host="127.0.0.1", port=port, workers=1, log_level="warning"),
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=embedded.BASE_DIR)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"worker B exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"worker B did not answer: {log.read_text()[-2000:]}"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _events_until(ws, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
        if predicate(event):
            return event


def test_a_reply_answered_in_one_worker_reaches_the_tab_open_on_another(seeded, worker_in_this_process,
                                                                       worker_in_another_process):
    from websockets.asyncio.client import connect

    visitor = new_visitor_id()
    cookie = f"{settings.WEBCHAT_COOKIE_NAME}={sign_visitor(visitor)}"

    async def scenario():
        tabs = []
        for host in (worker_in_this_process, worker_in_another_process):
            tabs.append(await connect(f"ws://{host}/ws/chat/", open_timeout=30, ping_interval=None,
                                      additional_headers={"Cookie": cookie, "Origin": f"http://{host}"}))
        tab_a, tab_b = tabs
        try:
            for tab in tabs:
                assert (await _events_until(tab, lambda e: True, 30))["type"] == "history"
            await tab_a.send(json.dumps({"type": "message", "text": "How much for 20 adults?", "client_id": "c-1"}))
            ack = await _events_until(tab_a, lambda e: e["type"] in ("ack", "error"), 30)
            assert ack["type"] == "ack", ack
            is_reply = lambda e: e["type"] == "message" and e["message"]["in_reply_to"] == ack["message_id"]  # noqa: E731
            reply_on_a = await _events_until(tab_a, is_reply, 60)
            reply_on_b = await _events_until(tab_b, is_reply, 30)
            return ack, reply_on_a, reply_on_b
        finally:
            for tab in tabs:
                await tab.close()

    ack, reply_on_a, reply_on_b = asyncio.run(scenario())

    assert reply_on_b["message"] == reply_on_a["message"]
    assert reply_on_b["message"]["author"] == "ai" and "$" in reply_on_b["message"]["text"]


def test_an_answer_is_computed_off_the_event_loop_so_other_visitors_are_served_meanwhile(seeded):
    """The engine's CPU work runs in the answer thread pool (messaging.consumers): while one visitor's answer is
    still being computed (held here), another visitor connects, sends and is acknowledged on the same event loop."""
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from hibachi.asgi import application
    from messaging import services

    real_answer, release, threads = services.inbound_answer_once, threading.Event(), []

    def held_answer(*, message_id, **kwargs):
        threads.append(threading.current_thread().name)
        assert release.wait(30), "the second visitor was never acknowledged"
        return real_answer(message_id=message_id, **kwargs)

    def tab(visitor):
        cookie = f"{settings.WEBCHAT_COOKIE_NAME}={sign_visitor(visitor)}".encode()
        return WebsocketCommunicator(application, "/ws/chat/", headers=[
            (b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)])

    async def next_of(ws, kind):
        while (event := await ws.receive_json_from(timeout=30))["type"] != kind:
            pass
        return event

    async def scenario():
        first, second = tab(new_visitor_id()), tab(new_visitor_id())
        assert (await first.connect())[0] and (await first.receive_json_from())["type"] == "history"
        await first.send_json_to({"type": "message", "text": "How much for 20 adults?", "client_id": "a"})
        await next_of(first, "typing")   # its answer has started and is held
        assert (await second.connect(timeout=10))[0]
        assert (await second.receive_json_from(timeout=10))["type"] == "history"
        await second.send_json_to({"type": "message", "text": "Do you come to San Jose?", "client_id": "b"})
        ack = await second.receive_json_from(timeout=10)
        release.set()
        replies = [await next_of(first, "message"), await next_of(second, "message")]
        await first.disconnect()
        await second.disconnect()
        return ack, replies

    with mock.patch.object(services, "inbound_answer_once", held_answer):
        ack, replies = async_to_sync(scenario)()

    assert ack["type"] == "ack" and ack["client_id"] == "b"
    assert [reply["message"]["author"] for reply in replies] == ["ai", "ai"]
    assert threads and all(name.startswith("webchat-answer") for name in threads)
