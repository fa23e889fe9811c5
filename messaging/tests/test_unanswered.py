"""A customer message stored but never answered (the web server killed between storing and answering it, a lost
task) is found by the `messaging-answer-unanswered` beat job and answered once, or escalated; staff see the list in
the admin and can answer from there."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents.providers import _load as provider_cache
from conversations.models import Conversation, Escalation, Message
from conversations.services import message_receive
from messaging import services, tasks

pytestmark = pytest.mark.django_db(transaction=True)


def stored_unanswered(text="Do you cater in San Jose?", *, seconds_ago=120, phone="+14155550140"):
    """What a killed web server leaves: message_receive committed, inbound_answer_once never ran."""
    message, _ = message_receive(channel="sms", sender={"external_id": phone, "phone": phone}, text=text,
                                 sent_at=timezone.now() - timezone.timedelta(seconds=seconds_ago))
    return message


def swept():
    """The sweep's counts of customer messages (it also counts webhook events; see test_recovery.py)."""
    counts = tasks.answer_unanswered()
    return {"found": counts["found"], "queued": counts["queued"]}


def test_a_stored_message_never_answered_is_answered_by_the_sweep_exactly_once(seeded, eager_celery):
    message = stored_unanswered()

    counts = swept()

    assert counts == {"found": 1, "queued": 1}
    assert message.replies.count() == 1
    assert message.replies.get().author == Message.Author.AI


def test_a_second_sweep_changes_nothing(seeded, eager_celery):
    message = stored_unanswered()
    tasks.answer_unanswered()
    replies = list(Message.objects.filter(direction=Message.Direction.OUTBOUND).values_list("id", flat=True))

    assert swept() == {"found": 0, "queued": 0}
    assert list(Message.objects.filter(direction=Message.Direction.OUTBOUND).values_list("id", flat=True)) == replies
    assert message.replies.count() == 1


def test_a_message_in_a_conversation_staff_handle_is_left_alone(seeded, eager_celery):
    message = stored_unanswered()
    Conversation.objects.filter(pk=message.conversation_id).update(status=Conversation.Status.HUMAN_ACTIVE)

    assert swept() == {"found": 0, "queued": 0}
    assert not message.replies.exists()


def test_a_message_still_being_answered_by_its_entry_is_not_swept(seeded, eager_celery):
    message = stored_unanswered(seconds_ago=5)

    assert swept() == {"found": 0, "queued": 0}
    assert not message.replies.exists()


def test_a_message_followed_by_a_reply_in_its_conversation_is_not_swept(seeded, eager_celery):
    first = stored_unanswered("Hello?", seconds_ago=300)
    later = stored_unanswered("Do you cater in San Jose?", seconds_ago=200)
    services.inbound_answer_once(message_id=later.pk)

    assert not services.messages_unanswered().filter(pk=first.pk).exists()


def test_a_message_whose_answer_fails_again_is_escalated_once(seeded, eager_celery, settings):
    settings.AI_PROVIDERS = {**django_settings.AI_PROVIDERS, "broken": {
        "BACKEND": "agents.tests.engine.test_decisions.BrokenProvider", "OPTIONS": {}}}
    settings.AI_PROVIDER = "broken"
    provider_cache.cache_clear()
    try:
        message = stored_unanswered("How much for 12 adults on Dec 12?")

        assert swept() == {"found": 1, "queued": 1}
        assert swept() == {"found": 0, "queued": 0}
    finally:
        provider_cache.cache_clear()

    assert not message.replies.exists()
    escalation = Escalation.objects.get()
    assert escalation.message_id == message.pk and "could not answer" in escalation.reason
    assert Conversation.objects.get(pk=message.conversation_id).status == Conversation.Status.WAITING_FOR_HUMAN


def test_staff_see_unanswered_messages_in_the_admin_and_answer_them_now(seeded, client):
    message = stored_unanswered()
    answered = stored_unanswered("What is the minimum order?", phone="+14155550141")
    services.inbound_answer_once(message_id=answered.pk)
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw"))
    url = "/admin/messaging/unansweredmessage/"

    listed = client.get(url)

    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1 and list(listed.context["cl"].result_list) == [message]
    done = client.post(url, {"action": "answer_now", "_selected_action": [message.pk]}, follow=True)
    assert done.status_code == 200 and "1 message(s) answered" in done.content.decode()
    assert message.replies.count() == 1
    assert client.get(url).context["cl"].result_count == 0
