from datetime import timedelta

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from conversations import tasks

from conversations import services
from conversations.models import Conversation, Escalation
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_escalation_makes_the_conversation_wait_for_a_human(django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        escalation = services.conversation_escalate(conversation=conversation, reason="refund request", priority="high")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING_FOR_HUMAN
    assert escalation.priority == "high"
    assert len(callbacks) == 1  # staff notification is queued only after commit


def test_staff_with_an_email_are_notified_once(django_user_model):
    django_user_model.objects.create_user("ops", email="ops@example.com", password="x", is_staff=True)
    escalation = services.conversation_escalate(conversation=ConversationFactory(), reason="party over 60 guests")
    assert services.escalation_notify_staff(escalation=escalation) == 1
    escalation.refresh_from_db()
    assert services.escalation_notify_staff(escalation=escalation) == 0
    assert len(mail.outbox) == 1
    assert "party over 60 guests" in mail.outbox[0].subject


def test_hand_back_resolves_open_escalations_and_reactivates_the_ai(staff_user):
    message = MessageFactory()
    conversation = message.conversation
    services.conversation_escalate(conversation=conversation, reason="complaint", message=message)
    services.conversation_take_over(conversation=conversation, staff_user=staff_user)
    assert conversation.status == Conversation.Status.HUMAN_ACTIVE
    services.conversation_hand_back(conversation=conversation, staff_user=staff_user)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ACTIVE
    assert conversation.escalations.get().resolved_by == staff_user


def test_a_broker_that_refuses_the_staff_email_loses_nothing_and_the_overdue_job_sends_it_once(
        django_user_model, django_capture_on_commit_callbacks, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    django_user_model.objects.create_user("ops", email="ops@example.com", password="x", is_staff=True)
    monkeypatch.setattr(tasks.escalation_notify_staff, "apply_async", refuse)
    conversation = ConversationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        escalation = services.conversation_escalate(conversation=conversation, reason="refund request")

    escalation.refresh_from_db()
    assert escalation.staff_notified_at is None and not mail.outbox
    assert tasks.escalations_notify_overdue() == 0   # not overdue yet: the queued task may still come
    Escalation.objects.filter(pk=escalation.pk).update(created_at=escalation.created_at - timedelta(minutes=6))

    assert tasks.escalations_notify_overdue() == 1
    assert tasks.escalations_notify_overdue() == 0
    escalation.refresh_from_db()
    assert escalation.staff_notified_at is not None
    assert len(mail.outbox) == 1 and "refund request" in mail.outbox[0].subject


def test_an_escalation_resolved_before_its_email_went_out_is_not_emailed_late(django_user_model):
    django_user_model.objects.create_user("ops", email="ops@example.com", password="x", is_staff=True)
    escalation = services.conversation_escalate(conversation=ConversationFactory(), reason="complaint")
    Escalation.objects.filter(pk=escalation.pk).update(created_at=escalation.created_at - timedelta(minutes=30),
                                                       resolved_at=escalation.created_at)

    assert tasks.escalations_notify_overdue() == 0 and not mail.outbox
