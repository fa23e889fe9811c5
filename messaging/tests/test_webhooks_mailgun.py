"""Inbound email (Mailgun's parsed POST, HMAC over timestamp+token) and threaded email replies."""

import hashlib
import time

import pytest
from django.core import mail

from conversations.models import Message
from messaging.models import OutboundDelivery, WebhookEvent

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/channels/mailgun/inbound/"


def post(client, form, multipart=False):
    if multipart:
        return client.post(URL, data=form)  # the test client encodes multipart/form-data
    from urllib.parse import urlencode

    return client.post(URL, data=urlencode(form), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("multipart", [False, True])
def test_an_email_is_answered_in_the_same_thread(client, seeded, eager_celery, multipart):
    form = payloads.mailgun_form(text="Hi, do you have availability on December 12 for 15 adults?",
                                 subject="Hibachi party", message_id="<CAF123@mail.gmail.com>",
                                 references="<older@mail.gmail.com>")

    response = post(client, form, multipart=multipart)

    assert response.status_code == 200 and response.json()["received"] == 1
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.status) == ("mailgun", "<CAF123@mail.gmail.com>", "processed")
    inbound = event.message
    assert inbound.channel == "email" and inbound.conversation.customer.email == "ann@example.com"
    assert inbound.conversation.customer.name == "Ann Lee"
    reply = inbound.replies.get()
    delivery = OutboundDelivery.objects.get(message=reply)
    assert delivery.status == "sent", delivery.last_error
    [email] = mail.outbox
    assert email.to == ["ann@example.com"]
    assert email.subject == "Re: Hibachi party"
    assert email.body == reply.text
    assert email.extra_headers["In-Reply-To"] == "<CAF123@mail.gmail.com>"
    assert email.extra_headers["References"] == "<older@mail.gmail.com> <CAF123@mail.gmail.com>"
    assert email.extra_headers["Message-ID"] == delivery.provider_message_id
    assert email.message()["Message-ID"] == delivery.provider_message_id


@pytest.mark.parametrize(("change", "status", "reason"), [
    ({"signature": "0" * 64}, 403, "does not match"),
    ({"token": "another-token"}, 403, "does not match"),
    ({"signature": ""}, 401, "missing"),
    ({"timestamp": str(int(time.time()) - 3600)}, 403, "does not match"),
])
def test_forged_or_unsigned_emails_are_refused_and_change_nothing(client, change, status, reason):
    form = {**payloads.mailgun_form(text="Hi"), **change}

    response = post(client, form)

    assert response.status_code == status
    assert reason in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0 and Message.objects.count() == 0


def test_a_correctly_signed_but_old_request_is_refused_as_a_replay(client):
    form = payloads.mailgun_form(text="Hi", timestamp=int(time.time()) - 3600)

    response = post(client, form)

    assert response.status_code == 403 and "replay" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


def test_a_signature_made_with_another_key_is_refused(client):
    response = post(client, payloads.mailgun_form(text="Hi", key="key-someone-else"))

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_the_same_email_posted_twice_is_answered_once(client, seeded, eager_celery):
    first = payloads.mailgun_form(text="What is the minimum order?", message_id="<dup@mail.gmail.com>")
    retry = payloads.mailgun_form(text="What is the minimum order?", message_id="<dup@mail.gmail.com>")  # re-signed

    responses = [post(client, first), post(client, retry)]

    assert [r.json() for r in responses] == [{"received": 1, "duplicates": 0, "ignored": 0},
                                             {"received": 0, "duplicates": 1, "ignored": 0}]
    assert Message.objects.filter(channel="email", direction="inbound").count() == 1
    assert len(mail.outbox) == 1


def test_message_id_is_taken_from_the_headers_when_the_field_is_absent(client, seeded, eager_celery):
    form = payloads.mailgun_form(text="Hello", message_id="<from-headers@x.com>")
    del form["Message-Id"]

    assert post(client, form).status_code == 200
    assert WebhookEvent.objects.get().event_id == "<from-headers@x.com>"


def test_malformed_emails_get_a_400_naming_the_field(client):
    no_id = payloads.mailgun_form(text="Hello")
    del no_id["Message-Id"]
    no_id["message-headers"] = "[]"
    no_from = payloads.mailgun_form(text="Hello")
    del no_from["from"]
    bad_from = {**payloads.mailgun_form(text="Hello"), "from": "Ann", "sender": "nobody"}

    responses = [post(client, no_id), post(client, no_from), post(client, bad_from)]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert "Message-Id" in responses[0].json()["Message-Id"][0]
    assert responses[1].json() == {"from": ["This field is required."]}
    assert "has no email address" in responses[2].json()["from"][0]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("multipart", [False, True])
def test_a_signature_with_non_ascii_characters_is_a_403_not_a_500(client, multipart):
    form = {**payloads.mailgun_form(text="Hi"), "signature": "é" * 64}

    response = post(client, form, multipart=multipart)

    assert response.status_code == 403 and "does not match" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0 and Message.objects.count() == 0


def test_a_message_id_longer_than_the_column_is_keyed_on_its_digest_and_answered(client, seeded, eager_celery):
    message_id = "<" + "a" * 600 + "@mail.example.com>"
    form = payloads.mailgun_form(text="What is the minimum order?", message_id=message_id)

    response = post(client, form)

    assert response.json() == {"received": 1, "duplicates": 0, "ignored": 0}
    event = WebhookEvent.objects.get()
    assert event.status == "processed", event.error
    assert event.event_id == event.external_id == "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    assert event.message.external_id == event.event_id
    [email] = mail.outbox
    assert email.extra_headers["In-Reply-To"] == message_id  # the thread keeps the real id


def test_two_long_message_ids_sharing_their_first_255_characters_are_two_emails(client, seeded, eager_celery):
    prefix = "<" + "b" * 300
    first = payloads.mailgun_form(text="Do you cater in San Jose?", message_id=prefix + "1@mail.example.com>")
    second = payloads.mailgun_form(text="And in Oakland?", message_id=prefix + "2@mail.example.com>")

    responses = [post(client, first), post(client, second)]

    assert [r.json()["received"] for r in responses] == [1, 1]
    assert WebhookEvent.objects.filter(status="processed").count() == 2
    assert Message.objects.filter(channel="email", direction="inbound").count() == 2


def test_a_message_id_that_mimics_a_digest_cannot_pass_for_the_email_it_names(client, seeded, eager_celery):
    long_id = "<" + "c" * 300 + "@mail.example.com>"
    post(client, payloads.mailgun_form(text="Cancel nothing, just asking about prices", message_id=long_id))
    mimic = "sha256:" + hashlib.sha256(long_id.encode()).hexdigest()

    response = post(client, payloads.mailgun_form(text="Hello again", message_id=mimic))

    assert response.json()["received"] == 1
    assert WebhookEvent.objects.count() == 2


def test_an_address_longer_than_an_email_address_can_be_is_a_400_naming_from(client):
    form = payloads.mailgun_form(text="Hi", sender="Ann <" + "a" * 300 + "@example.com>")

    response = post(client, form)

    assert response.status_code == 400 and "from" in response.json()
    assert WebhookEvent.objects.count() == 0


def test_a_signature_replayed_with_another_email_is_refused_and_stores_nothing(client, seeded, eager_celery):
    genuine = payloads.mailgun_form(text="What is the minimum order?", sender="Ann Lee <ann@example.com>")
    signed = {k: genuine[k] for k in ("timestamp", "token", "signature")}
    forged = {**payloads.mailgun_form(text="Cancel my booking", sender="Ann Lee <ann@example.com>"), **signed}

    responses = [post(client, genuine), post(client, forged)]

    assert responses[0].json()["received"] == 1
    assert responses[1].status_code == 403 and "replay" in responses[1].json()["detail"]
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.filter(direction="inbound").get().text == "What is the minimum order?"


def test_mailguns_retry_of_the_same_email_with_the_same_token_is_a_duplicate_not_a_replay(client, seeded,
                                                                                           eager_celery):
    form = payloads.mailgun_form(text="What is the minimum order?")

    responses = [post(client, form), post(client, form)]

    assert [r.json() for r in responses] == [{"received": 1, "duplicates": 0, "ignored": 0},
                                             {"received": 0, "duplicates": 1, "ignored": 0}]


def _asgi_post(path: str, body: bytes, headers: list) -> tuple[int, bytes]:
    """One request straight through the ASGI handler (as uvicorn serves it), with the headers given verbatim."""
    import asyncio

    from asgiref.sync import async_to_sync
    from django.core.handlers.asgi import ASGIHandler

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
             "server": ("testserver", 80)}
    chunks = [{"type": "http.request", "body": body[i:i + 65536], "more_body": i + 65536 < len(body)}
              for i in range(0, len(body), 65536)]
    sent = []

    async def receive():
        if chunks:
            return chunks.pop(0)
        await asyncio.sleep(3600)  # the client stays connected (Django listens for a disconnect meanwhile)

    async def send(message):
        sent.append(message)

    async_to_sync(ASGIHandler())(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_body_over_the_limit_is_refused_whatever_its_content_length_says(settings, seeded):
    from urllib.parse import urlencode

    settings.MESSAGING_WEBHOOK_MAX_BYTES = {**settings.MESSAGING_WEBHOOK_MAX_BYTES, "mailgun": 20_000}
    form = payloads.mailgun_form(text="Hi " + "x" * 100_000)  # correctly signed, 5 times the limit
    body = urlencode(form).encode()

    status, content = _asgi_post(URL, body, [(b"content-type", b"application/x-www-form-urlencoded"),
                                             (b"content-length", b"100")])

    assert status == 413 and b"20000 bytes" in content
    assert WebhookEvent.objects.count() == 0
