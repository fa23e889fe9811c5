"""Messenger / Instagram: hub.challenge verification, X-Hub-Signature-256, batching, echoes, the Send API."""

import hashlib
import json

import pytest

from conversations.models import Message
from messaging.models import OutboundDelivery, WebhookEvent

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/channels/meta/"


def post(client, payload, signature="sign"):
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    headers = {}
    if signature == "sign":
        headers["HTTP_X_HUB_SIGNATURE_256"] = payloads.meta_sign(raw)
    elif signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(URL, data=raw, content_type="application/json", **headers)


def test_the_subscription_challenge_is_echoed_with_the_right_verify_token(client):
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": payloads.META_VERIFY_TOKEN,
                                "hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


def test_a_wrong_verify_token_is_refused(client):
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})

    assert response.status_code == 403


def test_a_message_is_answered_through_the_send_api(client, seeded, fake_meta, eager_celery):
    payload = payloads.meta_messages("Hi! How much for 10 adults?", psid="2468013579")

    response = post(client, payload)

    assert response.status_code == 200 and response.json() == {"received": 1, "duplicates": 0, "ignored": 0}
    inbound = Message.objects.get(direction="inbound")
    assert inbound.channel == "social" and inbound.external_id == payload["entry"][0]["messaging"][0]["message"]["mid"]
    reply = inbound.replies.get()
    delivery = OutboundDelivery.objects.get(message=reply)
    assert delivery.status == "sent", delivery.last_error
    assert fake_meta.sent == [{"psid": "2468013579", "text": reply.text, "messaging_type": "RESPONSE", "tag": None,
                               "mid": delivery.provider_message_id}]


def test_instagram_messages_use_the_same_path(client, seeded, fake_meta, eager_celery):
    post(client, payloads.meta_messages("hello from insta", psid="17841400000000", object_="instagram"))

    assert Message.objects.get(direction="inbound").conversation.customer.identities.get().external_id == \
        "instagram:17841400000000"
    assert fake_meta.sent[0]["psid"] == "17841400000000"


@pytest.mark.parametrize(("signature", "status"), [
    (None, 401),
    ("sha256=" + "0" * 64, 403),
    ("sha1=abc", 403),
])
def test_forged_or_unsigned_deliveries_are_refused_and_change_nothing(client, signature, status):
    response = post(client, payloads.meta_messages("hi"), signature=signature)

    assert response.status_code == status
    assert WebhookEvent.objects.count() == 0 and Message.objects.count() == 0


def test_a_signature_of_another_body_is_refused(client):
    payload = payloads.meta_messages("book me for 100 people")
    signature = payloads.meta_sign(json.dumps(payloads.meta_messages("hi")).encode())

    assert post(client, payload, signature=signature).status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_a_batched_delivery_and_its_retry_answer_each_message_once(client, seeded, fake_meta, eager_celery):
    payload = payloads.meta_messages("Hello", "Do you do vegetarian?", psid="1357924680")

    first, retry = post(client, payload), post(client, payload)

    assert first.json() == {"received": 2, "duplicates": 0, "ignored": 0}
    assert retry.json() == {"received": 0, "duplicates": 2, "ignored": 0}
    assert Message.objects.filter(direction="inbound").count() == 2
    assert Message.objects.filter(direction="outbound").count() == 2
    assert len(fake_meta.sent) == 2


def test_echoes_and_read_receipts_are_not_answered(client, fake_meta, eager_celery):
    echo = post(client, payloads.meta_messages("our own reply", echo=True))
    read = post(client, payloads.meta_read_receipt())

    assert echo.json() == {"received": 0, "duplicates": 0, "ignored": 1}
    assert read.json() == {"received": 0, "duplicates": 0, "ignored": 0}
    assert Message.objects.count() == 0 and fake_meta.sent == []


def test_malformed_deliveries_get_a_400_naming_the_problem(client):
    wrong_object = {**payloads.meta_messages("hi"), "object": "user"}
    no_entry = {"object": "page"}
    no_sender = payloads.meta_messages("hi")
    del no_sender["entry"][0]["messaging"][0]["sender"]

    responses = [post(client, wrong_object), post(client, no_entry), post(client, no_sender), post(client, b"[")]

    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    assert "object" in responses[0].json()
    assert responses[1].json() == {"entry": ["This field is required."]}
    assert responses[2].json() == {"entry": {"0": {"messaging": {"0": {"sender": ["This field is required."]}}}}}
    assert "not valid JSON" in responses[3].json()["detail"]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("signature", ["sha256=" + "é" * 64, "sha256=ａｂｃ", "sha256=" + "0" * 63 + "\u00ff"])
def test_a_signature_with_non_ascii_characters_is_a_403_not_a_500(client, signature):
    response = post(client, payloads.meta_messages("hi"), signature=signature)

    assert response.status_code == 403 and "does not match" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0 and Message.objects.count() == 0


@pytest.mark.parametrize("timestamp", [10**17, 10**400, 253402300800000])
def test_a_message_sent_in_the_far_future_is_stored_as_ignored_with_the_reason(client, eager_celery, timestamp):
    payload = payloads.meta_messages("Hi, 20 adults on Dec 12?")
    payload["entry"][0]["messaging"][0]["timestamp"] = timestamp

    response = post(client, payload)

    assert response.status_code == 200 and response.json()["ignored"] == 1
    event = WebhookEvent.objects.get()
    assert event.status == "ignored" and "timestamp is out of range" in event.error
    assert Message.objects.count() == 0


def test_message_ids_longer_than_the_column_are_two_messages_not_duplicates(client, seeded, fake_meta, eager_celery):
    prefix = "m_" + "x" * 300
    payload = payloads.meta_messages("Hello", "Do you do vegetarian?", mids=[prefix + "1", prefix + "2"])

    response = post(client, payload)

    assert response.json() == {"received": 2, "duplicates": 0, "ignored": 0}
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == sorted(
        "sha256:" + hashlib.sha256((prefix + n).encode()).hexdigest() for n in "12")
    assert WebhookEvent.objects.filter(status="processed").count() == 2
    assert Message.objects.filter(direction="outbound").count() == 2
