import pytest
from django.core import mail

from conversations import services
from conversations.models import Conversation
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
