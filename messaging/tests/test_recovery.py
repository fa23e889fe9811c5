"""Recovery in seconds (issue 14 point 25): work a killed worker or a broker outage left behind is found within a
minute and finished; a re-queue never renews an attempt budget; stuck webhook events are visible and re-queueable in
the admin; work a live worker holds is left alone."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from conversations import services as conversation_services
from conversations.models import Channel, Message
from conversations.services import message_receive
from conversations.tests.factories import ConversationFactory, CustomerFactory
from messaging import services, tasks
from messaging.locks import key_for, locks_held
from messaging.models import OutboundDelivery, WebhookEvent
from messaging.services.webhooks import event_lock_name

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_session():
    """A second database session (another worker's), which holds advisory locks until the test ends."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    other = psycopg.connect(**params, autocommit=True)
    yield other
    other.close()


def delivery_left_queued(*, attempts: int):
    """A reply whose delivery failed `attempts` times, then its worker died (the task is lost)."""
    from conversations.signals import outbound_message_ready
    from messaging.receivers import deliver_outbound_message

    conversation = ConversationFactory(customer=CustomerFactory(phone="+14155550188"), channel=Channel.SMS)
    outbound_message_ready.disconnect(dispatch_uid="messaging.deliver_outbound_message")
    try:
        message = conversation_services.message_record_outbound(conversation=conversation, text="Your chef is set.",
                                                                author=Message.Author.STAFF)
    finally:
        outbound_message_ready.connect(deliver_outbound_message, dispatch_uid="messaging.deliver_outbound_message")
    long_ago = timezone.now() - timedelta(hours=1)
    return OutboundDelivery.objects.create(message=message, channel="sms", backend="x", attempts=attempts,
                                           created_at=long_ago, last_attempt_at=long_ago)


def stuck_event(event_id="stuck-1", seconds_ago=45):
    """A webhook event stored, whose task a killed worker took with it."""
    return WebhookEvent.objects.create(
        provider="ringcentral", event_id=event_id, channel="sms", external_id=f"m-{event_id}",
        payload=payloads.rc_sms(text="Do you cater in San Jose?", message_id=f"m-{event_id}"),
        received_at=timezone.now() - timedelta(seconds=seconds_ago), attempts=1,
    )


def test_a_sweep_requeue_does_not_renew_the_attempt_budget(fake_ringcentral, eager_celery, settings):
    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 3
    fake_ringcentral.fail_next(10, 500, {"errorCode": "InternalError", "message": "boom"})
    delivery = delivery_left_queued(attempts=2)

    services.sweep(stale_seconds=0)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)   # one attempt left, not three more


def test_staff_retry_grants_a_fresh_budget(fake_ringcentral, eager_celery, settings):
    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 2
    fake_ringcentral.fail_next(10, 500, {"errorCode": "InternalError", "message": "boom"})
    delivery = delivery_left_queued(attempts=2)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status="failed")

    services.delivery_retry(delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempts_budget_from) == ("failed", 4, 2)


def test_the_recovery_job_finds_failures_within_a_minute(settings):
    job = settings.HIBACHI_BEAT_SCHEDULE["messaging-answer-unanswered"]
    every = job["schedule"].total_seconds()
    assert settings.MESSAGING_UNANSWERED_AFTER_SECONDS + every <= 60


def test_a_stuck_webhook_event_is_processed_by_the_recovery_job(seeded, fake_ringcentral, eager_celery):
    event = stuck_event()

    counts = tasks.answer_unanswered()

    assert (counts["events_found"], counts["events_queued"]) == (1, 1)
    event.refresh_from_db()
    assert event.status == "processed" and event.message.replies.count() == 1
    assert event.attempts == 2   # the attempt the dead worker used still counts


def test_an_event_a_live_worker_is_processing_is_left_alone(db, other_session, purged_broker):
    event = stuck_event("held-1")
    other_session.execute("SELECT pg_advisory_lock(%s)", [key_for(event_lock_name(event.pk))])

    counts = tasks.answer_unanswered()

    assert (counts["events_found"], counts["events_queued"]) == (1, 0)


def test_an_event_is_requeued_at_most_once_per_interval(db, purged_broker):
    stuck_event("backlog-1")

    first, second = tasks.answer_unanswered(), tasks.answer_unanswered()

    assert (first["events_queued"], second["events_queued"]) == (1, 0)


def test_a_message_whose_conversation_a_live_worker_is_answering_is_not_requeued(seeded, other_session,
                                                                                  purged_broker):
    message, _ = message_receive(channel="sms", sender={"external_id": "+14155550190", "phone": "+14155550190"},
                                 text="Hello?", sent_at=timezone.now() - timedelta(seconds=45))
    other_session.execute("SELECT pg_advisory_lock(%s)",
                          [key_for(services.inbound.answer_lock_name(message.conversation_id))])

    counts = tasks.answer_unanswered()

    assert (counts["found"], counts["queued"], counts["busy"]) == (1, 0, 1)


def test_locks_held_reads_other_sessions_locks(db, other_session):
    other_session.execute("SELECT pg_advisory_lock(%s)", [key_for("a")])
    assert locks_held(["a", "b"]) == {"a"}


def test_stuck_events_are_listed_and_reprocessed_from_the_admin(staff_client, seeded, fake_ringcentral,
                                                                 eager_celery):
    event = stuck_event("admin-1")
    url = "/admin/messaging/webhookevent/"

    listed = staff_client.get(url, {"stuck": "yes"})
    assert list(listed.context["cl"].result_list) == [event]

    done = staff_client.post(url, {"action": "reprocess", "_selected_action": [event.pk]}, follow=True)

    assert "1 event(s) queued again (0 failed, 1 stuck)" in done.content.decode()
    event.refresh_from_db()
    assert event.status == "processed"


def test_a_delivery_whose_task_was_lost_is_sent_by_the_recovery_job(fake_ringcentral, eager_celery, settings):
    settings.MESSAGING_DELIVERY_MAX_ATTEMPTS = 6
    delivery = delivery_left_queued(attempts=0)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(last_attempt_at=None)

    counts = tasks.answer_unanswered()

    assert (counts["deliveries_found"], counts["deliveries_queued"]) == (1, 1)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(fake_ringcentral.sent) == 1


def test_a_delivery_waiting_for_its_retry_is_left_alone(db, purged_broker, settings):
    settings.MESSAGING_RETRY_BACKOFF_MAX = 300   # its retry may come up to 5 minutes after its last try
    delivery = delivery_left_queued(attempts=1)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(last_attempt_at=timezone.now() - timedelta(seconds=60))

    assert tasks.answer_unanswered()["deliveries_found"] == 0
