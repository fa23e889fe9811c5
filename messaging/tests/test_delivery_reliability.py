"""Outbound reliability: retries with backoff, token refresh, permanent failures visible and retryable in the admin,
and the whole inbound -> outbound path on a real Celery worker."""

import json
import time

import pytest
from django.core.management import call_command

from conversations import services as conversation_services
from conversations.models import Channel, Message
from conversations.tests.factories import ConversationFactory, CustomerFactory
from messaging import services
from messaging.models import OutboundDelivery, WebhookEvent
from messaging.parsers import parse_stored

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)


def staff_sms(text="Your chef is confirmed.", phone="+14155550142"):
    conversation = ConversationFactory(customer=CustomerFactory(phone=phone), channel=Channel.SMS)
    return conversation_services.message_record_outbound(conversation=conversation, text=text,
                                                         author=Message.Author.STAFF)


def test_server_errors_are_retried_with_backoff_until_sent(fake_ringcentral, eager_celery):
    fake_ringcentral.fail_next(2, 503, {"errorCode": "ServiceUnavailable", "message": "Service temporarily unavailable"})

    message = staff_sms()

    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == "sent" and delivery.attempts == 3
    assert "503" in delivery.last_error  # the last failure stays visible next to the success
    assert [s["to"] for s in fake_ringcentral.sent] == [["+14155550142"]]


def test_every_attempt_is_a_row_with_its_outcome(fake_ringcentral, eager_celery):
    fake_ringcentral.fail_next(2, 503, {"errorCode": "ServiceUnavailable", "message": "Service unavailable"})

    delivery = OutboundDelivery.objects.get(message=staff_sms())

    attempts = list(delivery.attempt_log.all())
    assert [(a.number, a.ok) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert all("503" in a.error for a in attempts[:2]) and attempts[2].error == ""
    assert attempts[2].provider_message_id == delivery.provider_message_id != ""
    assert all(a.started_at <= a.finished_at for a in attempts)


def test_a_rate_limit_is_retried_after_retry_after(fake_ringcentral, eager_celery):
    fake_ringcentral.fail_next(1, 429, {"errorCode": "CMN-301", "message": "Request rate exceeded"},
                               headers={"Retry-After": "0"})

    delivery = OutboundDelivery.objects.get(message=staff_sms())

    assert delivery.status == "sent" and delivery.attempts == 2


def test_an_expired_token_is_renewed_once_without_counting_an_attempt(fake_ringcentral, eager_celery):
    staff_sms("first")
    fake_ringcentral.revoke_tokens()

    delivery = OutboundDelivery.objects.get(message=staff_sms("second", phone="+14155550143"))

    assert delivery.status == "sent" and delivery.attempts == 1
    assert len(fake_ringcentral.calls(fake_ringcentral.TOKEN_PATH)) == 2
    assert [s["text"] for s in fake_ringcentral.sent] == ["first", "second"]


def test_bad_credentials_fail_at_once_and_are_not_retried(fake_ringcentral, eager_celery, settings):
    settings.MESSAGING_SENDERS = {**settings.MESSAGING_SENDERS, "sms": {
        **settings.MESSAGING_SENDERS["sms"],
        "OPTIONS": {**settings.MESSAGING_SENDERS["sms"]["OPTIONS"], "client_secret": "wrong"}}}

    delivery = OutboundDelivery.objects.get(message=staff_sms())

    assert delivery.status == "failed" and delivery.attempts == 1
    assert "refused the credentials (401)" in delivery.last_error


def test_running_out_of_attempts_fails_the_delivery(fake_ringcentral, eager_celery, settings):
    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 3
    fake_ringcentral.fail_next(10, 500, {"errorCode": "InternalError", "message": "boom"})

    delivery = OutboundDelivery.objects.get(message=staff_sms())

    assert delivery.status == "failed" and delivery.attempts == 3
    assert "500" in delivery.last_error and fake_ringcentral.sent == []


def test_an_unconfigured_channel_fails_visibly(eager_celery, settings):
    delivery = OutboundDelivery.objects.get(message=staff_sms())  # RINGCENTRAL_* unset in the test settings

    assert delivery.status == "failed"
    assert "not configured" in delivery.last_error
    attempt = delivery.attempt_log.get()
    assert not attempt.ok and attempt.error == delivery.last_error


def test_a_failed_delivery_is_listed_in_the_admin_and_its_retry_action_sends_it(
    staff_client, fake_ringcentral, eager_celery, settings
):
    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 2
    fake_ringcentral.fail_next(2, 500, {"errorCode": "InternalError", "message": "provider down"})
    delivery = OutboundDelivery.objects.get(message=staff_sms())
    assert delivery.status == "failed"

    listing = staff_client.get("/admin/messaging/outbounddelivery/?status__exact=failed")
    assert listing.status_code == 200
    assert b"provider down" in listing.content and b"Failed" in listing.content

    response = staff_client.post("/admin/messaging/outbounddelivery/", {
        "action": "retry", "_selected_action": [delivery.pk]}, follow=True)

    assert response.status_code == 200 and b"1 delivery(ies) queued again" in response.content
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3
    assert len(fake_ringcentral.sent) == 1

    page = staff_client.get(f"/admin/messaging/outbounddelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert page.content.count(b"provider down") >= 2  # each failed attempt, inline, with its error
    assert delivery.provider_message_id.encode() in page.content


def test_the_api_lists_failed_deliveries_and_retries_them_with_a_token(
    client, staff_user, fake_ringcentral, eager_celery, settings
):
    from rest_framework.authtoken.models import Token

    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 1
    fake_ringcentral.fail_next(1, 500, {"errorCode": "InternalError", "message": "provider down"})
    delivery = OutboundDelivery.objects.get(message=staff_sms())
    from messaging.models import ApiTokenScope

    token = Token.objects.create(user=staff_user)
    ApiTokenScope.objects.create(token=token, staff=True)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    anonymous = client.get("/api/v1/channels/deliveries/?status=failed")
    listed = client.get("/api/v1/channels/deliveries/?status=failed", **auth)
    retried = client.post(f"/api/v1/channels/deliveries/{delivery.pk}/retry/", **auth)
    again = client.post(f"/api/v1/channels/deliveries/{delivery.pk}/retry/", **auth)

    assert anonymous.status_code == 401
    assert [d["id"] for d in listed.json()] == [delivery.pk] and listed.json()[0]["last_error"]
    assert retried.status_code == 202
    assert again.status_code == 409
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_sent_delivery_is_never_sent_again(fake_ringcentral, eager_celery):
    delivery = OutboundDelivery.objects.get(message=staff_sms())

    services.delivery_attempt(delivery_id=delivery.pk)
    assert services.delivery_retry(delivery=delivery) is False

    assert len(fake_ringcentral.sent) == 1


def test_the_sweep_creates_missing_deliveries_and_requeues_stale_events(fake_ringcentral, eager_celery, seeded):
    conversation = ConversationFactory(customer=CustomerFactory(phone="+14155550177"), channel=Channel.SMS)
    from messaging.receivers import deliver_outbound_message
    from conversations.signals import outbound_message_ready

    outbound_message_ready.disconnect(dispatch_uid="messaging.deliver_outbound_message")
    try:  # a process that died between the commit and the receiver
        orphan = conversation_services.message_record_outbound(conversation=conversation, text="Lost?",
                                                              author=Message.Author.STAFF)
        event = WebhookEvent.objects.create(provider="ringcentral", event_id="stale-1", channel="sms",
                                            external_id="777", payload=payloads.rc_sms(text="Hello?", message_id="777"))
    finally:
        outbound_message_ready.connect(deliver_outbound_message, dispatch_uid="messaging.deliver_outbound_message")
    assert not OutboundDelivery.objects.filter(message=orphan).exists()

    counts = services.sweep(stale_seconds=0)

    assert counts["deliveries_created"] == 1 and counts["events"] == 1
    assert OutboundDelivery.objects.get(message=orphan).status == "sent"
    event.refresh_from_db()
    assert event.status == "processed" and event.message.text == "Hello?"


def test_an_inbound_message_whose_answer_failed_is_answered_on_the_retry(seeded, fake_ringcentral, eager_celery):
    """Answering the SMS raised after it was stored, on an attempt that is not the last: nothing goes to staff yet,
    and the retried task answers it, exactly once."""
    from unittest import mock

    payload = payloads.rc_sms(text="Do you travel to Napa?", message_id="424242")
    event = WebhookEvent.objects.create(provider="ringcentral", event_id=payload["uuid"], channel="sms",
                                        external_id="424242", payload=payload)
    with mock.patch("messaging.services.inbound.conversation_answer", side_effect=RuntimeError("model died")):
        with pytest.raises(RuntimeError):
            services.webhook_event_process(event_id=event.pk)
    inbound = Message.objects.get(external_id="424242")
    assert not inbound.replies.exists()
    assert not inbound.conversation.escalations.exists()

    services.webhook_event_process(event_id=event.pk)
    services.webhook_event_process(event_id=event.pk)  # and once more: nothing changes

    event.refresh_from_db()
    assert event.status == "processed" and event.attempts == 2
    assert inbound.replies.count() == 1 and len(fake_ringcentral.sent) == 1
    assert not inbound.replies.get().metadata.get("waiting_ack")


def test_the_last_failed_attempt_hands_the_conversation_to_staff(seeded, fake_ringcentral, eager_celery):
    """The final attempt fails too: the message stays stored and unanswered, the event is failed, and the
    conversation is escalated with the error as the reason."""
    from unittest import mock

    payload = payloads.rc_sms(text="Do you travel to Napa?", message_id="424243")
    event = WebhookEvent.objects.create(provider="ringcentral", event_id=payload["uuid"], channel="sms",
                                        external_id="424243", payload=payload)
    with mock.patch("messaging.services.inbound.conversation_answer", side_effect=RuntimeError("model died")):
        with pytest.raises(RuntimeError):
            services.webhook_event_process(event_id=event.pk, final=True)
    inbound = Message.objects.get(external_id="424243")
    event.refresh_from_db()
    assert event.status == "failed" and not inbound.replies.exists()
    assert inbound.conversation.escalations.get().reason == "the assistant could not answer: RuntimeError: model died"


def test_an_inbound_message_stored_by_a_worker_that_died_is_answered_on_the_retry(seeded, fake_ringcentral,
                                                                                   eager_celery):
    """A worker stored the SMS, then died before answering (nothing raised, nothing escalated): the retried task
    answers it, exactly once."""
    payload = payloads.rc_sms(text="Do you travel to Napa?", message_id="434343")
    event = WebhookEvent.objects.create(provider="ringcentral", event_id=payload["uuid"], channel="sms",
                                        external_id="434343", payload=payload)
    item = parse_stored(event)
    inbound, _ = conversation_services.message_receive(channel=item.channel, sender=item.sender, text=item.text,
                                                       sent_at=item.sent_at, external_id=item.external_id)

    services.webhook_event_process(event_id=event.pk)
    services.webhook_event_process(event_id=event.pk)

    event.refresh_from_db()
    assert event.status == "processed" and event.message == inbound
    reply = inbound.replies.get()
    assert reply.author == "ai" and not reply.metadata.get("waiting_ack")
    assert len(fake_ringcentral.sent) == 1 and not inbound.conversation.escalations.exists()


def test_sms_in_and_out_on_a_real_celery_worker(client, seeded, fake_ringcentral, purged_broker, celery_worker_thread):
    payload = payloads.rc_sms(text="Hi, what's the price for 10 adults?", from_number="+14155550188")

    response = client.post("/api/v1/channels/ringcentral/sms/", data=json.dumps(payload),
                           content_type="application/json", HTTP_VERIFICATION_TOKEN=payloads.RC_VERIFICATION_TOKEN)
    assert response.status_code == 200  # answered before any processing: the worker does the rest

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        fake_ringcentral.sent and OutboundDelivery.objects.filter(status="sent").exists()
        and WebhookEvent.objects.filter(status="processed").exists()
    ):
        time.sleep(0.1)
    event = WebhookEvent.objects.get()
    assert event.status == "processed"
    reply = event.message.replies.get()
    delivery = OutboundDelivery.objects.get(message=reply)
    assert delivery.status == "sent" and delivery.attempts == 1
    assert fake_ringcentral.sent[0]["to"] == ["+14155550188"] and fake_ringcentral.sent[0]["text"] == reply.text


def test_history_recorded_without_delivery_is_never_sent_nor_answered_by_the_sweeps(db):
    """The demo seed records its replies with deliver=False: the sweep, which sends outbound messages left without a
    delivery row, must not send that history to the demo customers (~10 minutes after `make run`); nor may the
    unanswered-messages sweep answer the seed's last customer messages."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    history = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    assert history.exists()

    assert not services.messages_without_delivery(older_than_seconds=0).exists()
    assert services.sweep(stale_seconds=0)["deliveries_created"] == 0
    assert not OutboundDelivery.objects.exists()
    assert not services.messages_unanswered(older_than_seconds=0).exists()


def test_only_the_reply_recorded_for_delivery_is_swept_when_its_delivery_row_is_missing(db):
    conversation = ConversationFactory(channel=Channel.SMS)
    kept = conversation_services.message_record_outbound(conversation=conversation, text="History.", deliver=False)
    owed = Message.objects.create(conversation=conversation, customer_id=conversation.customer_id,
                                  channel=conversation.channel, direction=Message.Direction.OUTBOUND,
                                  author=Message.Author.AI, text="Lost before its delivery was made.")

    assert kept.history and not owed.history
    assert list(services.messages_without_delivery(older_than_seconds=0)) == [owed]
