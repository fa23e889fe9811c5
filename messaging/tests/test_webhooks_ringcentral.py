"""RingCentral SMS and call-transcript webhooks: validation echo, Verification-Token, dedupe, malformed payloads."""

import json

import pytest

from conversations.models import Customer, Message
from messaging.models import OutboundDelivery, WebhookEvent

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)

SMS_URL = "/api/v1/channels/ringcentral/sms/"
VOICE_URL = "/api/v1/channels/ringcentral/voice/"


def post(client, url, payload, token=payloads.RC_VERIFICATION_TOKEN, **headers):
    if token is not None:
        headers["HTTP_VERIFICATION_TOKEN"] = token
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(url, data=body, content_type="application/json", **headers)


def test_subscription_validation_token_is_echoed_and_nothing_is_stored(client):
    response = client.post(SMS_URL, data="", content_type="application/json",
                           HTTP_VALIDATION_TOKEN="4f2a9c1e-validation")

    assert response.status_code == 200
    assert response["Validation-Token"] == "4f2a9c1e-validation"
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(("token", "status", "reason"), [
    (None, 401, "Verification-Token header is missing"),
    ("not-the-token", 403, "does not match"),
])
def test_a_delivery_without_the_right_verification_token_is_refused_and_changes_nothing(client, token, status, reason):
    response = post(client, SMS_URL, payloads.rc_sms(text="Hi"), token=token)

    assert response.status_code == status
    assert reason in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0 and Message.objects.count() == 0


def test_an_unconfigured_webhook_refuses_everything(client, settings):
    settings.RINGCENTRAL_VERIFICATION_TOKEN = ""

    response = post(client, SMS_URL, payloads.rc_sms(text="Hi"), token="")

    assert response.status_code == 403
    assert "RINGCENTRAL_VERIFICATION_TOKEN" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


def test_an_inbound_sms_is_stored_answered_and_the_reply_texted_back(client, seeded, fake_ringcentral, eager_celery):
    payload = payloads.rc_sms(text="How much is hibachi for 20 adults?", from_number="(415) 555-0123",
                              message_id="1724099032")

    response = post(client, SMS_URL, payload)

    assert response.status_code == 200
    assert response.json() == {"received": 1, "duplicates": 0, "ignored": 0}
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.channel, event.status) == (
        "ringcentral", payload["uuid"], "sms", "processed")
    inbound = event.message
    assert (inbound.channel, inbound.external_id, inbound.text) == ("sms", "1724099032",
                                                                    "How much is hibachi for 20 adults?")
    assert inbound.conversation.customer.phone == "+14155550123"
    reply = inbound.replies.get()
    delivery = OutboundDelivery.objects.get(message=reply)
    assert delivery.status == "sent", delivery.last_error
    assert fake_ringcentral.sent == [{"id": int(delivery.provider_message_id), "from": payloads.OUR_NUMBER,
                                      "to": ["+14155550123"], "text": reply.text}]
    assert delivery.recipient == "+14155550123"


def test_a_retried_notification_has_exactly_one_effect(client, seeded, fake_ringcentral, eager_celery):
    payload = payloads.rc_sms(text="Do you serve San Jose?")

    first, second = post(client, SMS_URL, payload), post(client, SMS_URL, payload)

    assert first.json()["received"] == 1
    assert second.status_code == 200 and second.json() == {"received": 0, "duplicates": 1, "ignored": 0}
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1
    assert Message.objects.filter(direction="outbound").count() == 1
    assert len(fake_ringcentral.sent) == 1


def test_two_notifications_of_the_same_sms_answer_it_once(client, seeded, fake_ringcentral, eager_celery):
    created = payloads.rc_sms(text="Is December 12 free?", message_id="999001")
    updated = payloads.rc_sms(text="Is December 12 free?", message_id="999001")  # another uuid, same message
    updated["body"]["eventType"] = "Update"

    post(client, SMS_URL, created)
    post(client, SMS_URL, updated)

    assert WebhookEvent.objects.count() == 2
    assert Message.objects.filter(external_id="999001").count() == 1
    assert Message.objects.filter(direction="outbound").count() == 1
    assert len(fake_ringcentral.sent) == 1


def test_our_own_outbound_sms_notifications_are_stored_but_not_answered(client, eager_celery):
    response = post(client, SMS_URL, payloads.rc_sms(text="Thanks!", direction="Outbound"))

    assert response.json() == {"received": 0, "duplicates": 0, "ignored": 1}
    event = WebhookEvent.objects.get()
    assert event.status == "ignored" and "direction" in event.error
    assert Message.objects.count() == 0


def test_malformed_payloads_get_a_400_naming_the_problem(client):
    missing_from = payloads.rc_sms(text="Hi")
    del missing_from["body"]["from"]
    bad_date = payloads.rc_sms(text="Hi")
    bad_date["body"]["creationTime"] = "yesterday"

    not_json = post(client, SMS_URL, b"{not json")
    no_from = post(client, SMS_URL, missing_from)
    wrong_date = post(client, SMS_URL, bad_date)
    a_list = post(client, SMS_URL, [1, 2])

    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["detail"]
    assert no_from.status_code == 400 and no_from.json() == {"body": {"from": ["This field is required."]}}
    assert wrong_date.status_code == 400 and "creationTime" in wrong_date.json()["body"]
    assert a_list.status_code == 400 and "JSON object" in str(a_list.json())
    assert WebhookEvent.objects.count() == 0


def test_an_oversized_body_gets_a_413(client, settings):
    settings.MESSAGING_WEBHOOK_MAX_BYTES = {**settings.MESSAGING_WEBHOOK_MAX_BYTES, "ringcentral": 2048}

    response = post(client, SMS_URL, payloads.rc_sms(text="x" * 4000))

    assert response.status_code == 413
    assert "at most 2048 bytes" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


def test_a_call_transcript_is_answered_by_sms_to_the_caller(client, seeded, fake_ringcentral, eager_celery):
    payload = payloads.rc_voice(transcript="Hi, I'd like a quote for 12 adults in Fremont.",
                                from_number="+14085550199", session="s-abc123")

    response = post(client, VOICE_URL, payload)

    assert response.json() == {"received": 1, "duplicates": 0, "ignored": 0}
    inbound = Message.objects.get(direction="inbound")
    assert (inbound.channel, inbound.external_id) == ("voice", "call:s-abc123")
    assert inbound.text == "Hi, I'd like a quote for 12 adults in Fremont."
    assert inbound.conversation.customer.phone == "+14085550199"
    reply = inbound.replies.get()
    assert OutboundDelivery.objects.get(message=reply).status == "sent"
    [sms] = fake_ringcentral.sent
    assert sms["to"] == ["+14085550199"] and sms["from"] == payloads.OUR_NUMBER
    assert sms["text"] == f"Following up on your call: {reply.text}"


def test_a_transcript_given_as_utterances_is_joined(client, seeded, fake_ringcentral, eager_celery):
    post(client, VOICE_URL, payloads.rc_voice(transcript="Hello. Do you cater in Oakland", utterances=True))

    assert Message.objects.get(direction="inbound").text == "Hello Do you cater in Oakland"


def test_an_empty_transcript_is_ignored_and_a_voice_payload_without_transcript_is_malformed(client, eager_celery):
    empty = post(client, VOICE_URL, payloads.rc_voice(transcript=""))
    missing = payloads.rc_voice(transcript="hi")
    del missing["body"]["transcript"]
    malformed = post(client, VOICE_URL, missing)

    assert empty.json()["ignored"] == 1
    assert malformed.status_code == 400 and malformed.json() == {"body": {"transcript": ["This field is required."]}}
    assert not Customer.objects.exists()


def test_an_sms_sent_in_the_far_future_is_stored_as_ignored_with_the_reason(client, eager_celery):
    payload = payloads.rc_sms(text="Hi, 20 adults on Dec 12?", created="9999-12-31T23:59:59.000Z")

    response = post(client, SMS_URL, payload)

    assert response.status_code == 200 and response.json()["ignored"] == 1
    event = WebhookEvent.objects.get()
    assert event.status == "ignored" and "creationTime is out of range" in event.error
    assert Message.objects.count() == 0
