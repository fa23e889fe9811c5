"""Live handoff: staff take a conversation over from the AI, reply on the customer's channel and hand it back, in the
conversations admin (/admin/conversations/conversation/handoff/)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from conversations import services
from conversations.models import Conversation, Message
from conversations.selectors import handoff_conversations
from conversations.signals import outbound_message_ready
from conversations.tests.factories import AIMessageFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

HANDOFF = reverse("admin:conversations_handoff")


def conversation_url(conversation):
    return reverse("admin:conversations_handoff_conversation", args=[conversation.pk])


def escalated_exchange(text="I want a person"):
    """A customer message, the AI's reply to it, and the escalation that sends the conversation to staff."""
    question = MessageFactory(text=text)
    AIMessageFactory(conversation=question.conversation, in_reply_to=question, text="Let me get someone.")
    services.conversation_escalate(conversation=question.conversation, reason="asked for a human", message=question)
    return question.conversation


def test_anonymous_users_cannot_open_live_handoff(client):
    assert client.get(HANDOFF).status_code == 302
    assert client.get(conversation_url(ConversationFactory())).status_code == 302


def test_live_handoff_take_over_reply_and_hand_back(staff_client, staff_user, django_capture_on_commit_callbacks):
    conversation = escalated_exchange()
    listing = staff_client.get(HANDOFF).content.decode()
    assert f"#{conversation.pk}" in listing and "Waiting for a human" in listing and "handoff.js" in listing

    url = conversation_url(conversation)
    # replying before taking over is refused
    staff_client.post(url, {"action": "reply", "text": "hello"})
    assert not conversation.messages.filter(author="staff").exists()

    staff_client.post(url, {"action": "take_over"})
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HUMAN_ACTIVE and conversation.assigned_to == staff_user

    delivered = []

    def receiver(sender, message, **kwargs):
        delivered.append(message)

    outbound_message_ready.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(url, {"action": "reply", "text": "Hi, this is Kim from MyHibachi."})
    finally:
        outbound_message_ready.disconnect(receiver)
    assert response.status_code == 302 and response.url == url
    sent = conversation.messages.get(author="staff")
    assert sent.text == "Hi, this is Kim from MyHibachi." and sent.route == "staff" and sent.direction == "outbound"
    assert sent.metadata == {"staff_user_id": staff_user.pk}
    assert delivered == [sent]  # the messaging app delivers it on the customer's channel from this signal

    response = staff_client.post(url, {"action": "hand_back"})
    assert response.status_code == 302 and response.url == HANDOFF
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ACTIVE
    assert not conversation.escalations.filter(resolved_at__isnull=True).exists()


def test_the_conversation_page_shows_the_transcript_and_open_escalations(staff_client):
    conversation = escalated_exchange("my chef never showed up")
    page = staff_client.get(conversation_url(conversation)).content.decode()
    for text in ("my chef never showed up", "Let me get someone.", "asked for a human", 'value="take_over"',
                 'value="hand_back"'):
        assert text in page, text


def test_a_second_staff_member_cannot_take_over_a_taken_conversation(staff_client, django_user_model):
    other = django_user_model.objects.create_superuser(username="other", password="pw")
    conversation = ConversationFactory(status=Conversation.Status.HUMAN_ACTIVE, assigned_to=other)
    staff_client.post(conversation_url(conversation), {"action": "take_over"})
    conversation.refresh_from_db()
    assert conversation.assigned_to == other


def test_live_handoff_needs_the_conversation_permissions(client, django_user_model):
    """Viewing needs the Conversation admin's view permission, acting its change permission."""
    conversation = escalated_exchange()
    user = django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(HANDOFF).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    assert client.get(HANDOFF).status_code == 200
    assert client.get(conversation_url(conversation)).status_code == 200
    assert client.post(conversation_url(conversation), {"action": "take_over"}).status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING_FOR_HUMAN

    user.user_permissions.add(Permission.objects.get(codename="change_conversation"))
    client.post(conversation_url(conversation), {"action": "take_over"})
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HUMAN_ACTIVE and conversation.assigned_to == user


def test_the_conversation_list_links_to_live_handoff(staff_client):
    page = staff_client.get(reverse("admin:conversations_conversation_changelist")).content.decode()
    assert HANDOFF in page


def test_handoff_conversations_lists_waiting_then_handled_and_counts_open_escalations(staff_user):
    handled = ConversationFactory(status=Conversation.Status.HUMAN_ACTIVE, assigned_to=staff_user)
    waiting = escalated_exchange()
    ConversationFactory()  # the AI is handling it: not listed
    rows = list(handoff_conversations())
    assert rows == [waiting, handled]
    assert [row.open_escalations for row in rows] == [1, 0]


def test_staff_cannot_take_over_a_closed_conversation(staff_user):
    conversation = ConversationFactory(status=Conversation.Status.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        services.staff_take_over(conversation=conversation, user=staff_user)


def test_handing_back_a_conversation_the_ai_handles_is_refused(staff_user):
    with pytest.raises(ValidationError, match="already handling"):
        services.staff_handback(conversation=ConversationFactory(), user=staff_user)


def test_only_the_assigned_staff_member_replies(staff_user, django_user_model):
    other = django_user_model.objects.create_superuser(username="other", password="pw")
    conversation = ConversationFactory(status=Conversation.Status.HUMAN_ACTIVE, assigned_to=other)
    with pytest.raises(ValidationError, match="Take the conversation over"):
        services.staff_reply(conversation=conversation, user=staff_user, text="hi")
    assert not Message.objects.filter(conversation=conversation).exists()
