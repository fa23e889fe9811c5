"""The customers of a fault-injection run: API clients, RingCentral's SMS webhook, web chat visitors, and an attacker
sending forged, replayed, oversized and malformed webhooks. Loopback only: `site` is the stack on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from messaging.tests import payloads

QUESTIONS = ["How much for 20 adults and 5 kids?", "Do you cater in San Jose?", "What is the deposit?",
             "Can we book for next Saturday evening?", "Do you have a vegetarian option?"]
_numbers = itertools.count(100)


def _phone() -> str:
    return f"+1415555{next(_numbers) % 10000:04d}"


def api_messages(site: str, token: str, count: int, *, tag: str, timeout: float = 60) -> list[dict]:
    """`count` customers posting one message each to POST /api/v1/messages/, 8 at a time; a request that fails
    (connection reset by a killed server, refused while it restarts) is retried with the same external_id after 1, 2,
    4 and 8 s, as a client would: the retry must get the answer (or be told a worker answers it)."""
    def one(n):
        phone = _phone()
        body = {"channel": "sms", "sender": {"external_id": phone, "phone": phone, "name": f"Chaos {tag} {n}"},
                "text": QUESTIONS[n % len(QUESTIONS)], "external_id": f"chaos-{tag}-{n}-{uuid.uuid4().hex[:8]}"}
        outcome = {"external_id": body["external_id"]}
        for attempt in range(5):
            try:
                response = requests.post(f"{site}/api/v1/messages/", json=body, timeout=timeout,
                                         headers={"Authorization": f"Token {token}"})
                outcome.update(status=response.status_code, attempts=attempt + 1,
                               replied=bool(response.ok and (response.json() or {}).get("reply")))
                return outcome
            except requests.RequestException as exc:
                outcome.update(status=None, error=type(exc).__name__, attempts=attempt + 1)
                time.sleep(2 ** attempt)
        return outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def sms_webhooks(site: str, count: int, *, timeout: float = 30) -> list[int | None]:
    """RingCentral posting `count` inbound SMS (signed with the verification token), 8 at a time."""
    def one(n):
        payload = payloads.rc_sms(text=QUESTIONS[n % len(QUESTIONS)], from_number=_phone())
        try:
            return requests.post(f"{site}/api/v1/channels/ringcentral/sms/", data=json.dumps(payload), timeout=timeout,
                                 headers={"Content-Type": "application/json",
                                          "Verification-Token": payloads.RC_VERIFICATION_TOKEN}).status_code
        except requests.RequestException:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def web_chats(site: str, count: int, *, timeout: float = 90) -> list[str]:
    """`count` visitors: the home page (their cookie), the websocket, one message each; what each got back first
    after its acknowledgement ("message" = the reply, "error", or "timeout")."""
    import websockets

    async def one(n):
        cookie = (await asyncio.to_thread(requests.get, f"{site}/", timeout=30)).cookies
        header = "; ".join(f"{k}={v}" for k, v in cookie.items())
        url = site.replace("http://", "ws://") + "/ws/chat/"
        try:
            async with websockets.connect(url, additional_headers={"Cookie": header, "Origin": site}) as ws:
                await ws.recv()  # history
                await ws.send(json.dumps({"type": "message", "text": QUESTIONS[n % len(QUESTIONS)],
                                          "client_id": f"chaos-{n}"}))
                while True:
                    event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    if event["type"] in ("message", "error"):
                        return event["type"]
        except (TimeoutError, OSError, websockets.WebSocketException):
            return "timeout"

    async def all_of_them():
        return await asyncio.gather(*(one(n) for n in range(count)))

    return asyncio.run(all_of_them())


def bad_webhooks(site: str) -> dict[str, int | None]:
    """Forged, replayed, oversized and malformed webhooks: each must be refused (4xx) and store nothing."""
    sms_url = f"{site}/api/v1/channels/ringcentral/sms/"
    mail_url = f"{site}/api/v1/channels/mailgun/inbound/"
    meta_url = f"{site}/api/v1/channels/meta/"
    good_token = {"Content-Type": "application/json", "Verification-Token": payloads.RC_VERIFICATION_TOKEN}
    original = payloads.mailgun_form(text="first email", sender="Ann <ann@example.com>")
    replay = {**payloads.mailgun_form(text="cancel my booking", sender="Eve <eve@example.com>"),
              **{k: original[k] for k in ("timestamp", "token", "signature")}}
    meta_body = json.dumps(payloads.meta_messages("hello")).encode()
    attempts = {
        "forged RingCentral token": lambda: requests.post(sms_url, data=json.dumps(payloads.rc_sms(text="hi")),
                                                          headers={**good_token, "Verification-Token": "forged"}),
        "forged Mailgun signature": lambda: requests.post(
            mail_url, data={**payloads.mailgun_form(text="hi"), "signature": "0" * 64}),
        "forged Meta signature": lambda: requests.post(
            meta_url, data=meta_body, headers={"Content-Type": "application/json",
                                               "X-Hub-Signature-256": "sha256=" + "0" * 64}),
        "non-ASCII signature": lambda: requests.post(
            meta_url, data=meta_body, headers={"Content-Type": "application/json",
                                               "X-Hub-Signature-256": "sha256=é".encode()}),
        "replayed Mailgun token, other email": lambda: (requests.post(mail_url, data=original),
                                                        requests.post(mail_url, data=replay))[1],
        "oversized SMS webhook": lambda: requests.post(sms_url, data=b"{" + b" " * (300 * 1024) + b"}",
                                                       headers=good_token),
        "malformed JSON": lambda: requests.post(sms_url, data=b"{not json", headers=good_token),
        "malformed Meta body": lambda: requests.post(meta_url, data=b"[]", headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": payloads.meta_sign(b"[]")}),
    }
    results = {}
    for name, send in attempts.items():
        try:
            results[name] = send().status_code
        except requests.RequestException:
            results[name] = None
    return results
