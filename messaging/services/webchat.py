"""Web chat writes and reads for the websocket consumer: storing the visitor's message, their history, their thumbs.

The answer goes through `inbound_answer_once` like every channel's, and the reply reaches the socket through the
channel layer (the web sender), like a staff message.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from conversations.models import Channel, Message
from conversations.services import message_receive
from learning.models import Feedback
from learning.services import feedback_create

from ..senders.web import message_as_dict


def web_message_persist(*, visitor_id: str, text: str, client_id: str | None = None) -> tuple[Message, bool]:
    """The visitor's message through message_receive, committed before the answer so the widget can be told "saved".

    `client_id` is the widget's id for the message: a message re-sent after a reconnect is stored once.
    """
    external_id = f"{visitor_id}:{client_id}"[:255] if client_id else None
    return message_receive(channel=Channel.WEB, sender={"external_id": visitor_id}, text=text,
                           external_id=external_id)


def web_history(*, visitor_id: str, limit: int = 50) -> list[dict]:
    """The visitor's web chat messages, oldest first, with the visitor's thumbs on the AI replies."""
    messages = list(
        Message.objects.filter(channel=Channel.WEB, conversation__customer__identities__channel=Channel.WEB,
                               conversation__customer__identities__external_id=visitor_id)
        .order_by("-sent_at", "-id")[:limit]
    )
    messages.reverse()
    thumbs = {}
    for message_id, kind in Feedback.objects.filter(
        message__in=[m for m in messages if m.author == Message.Author.AI],
        kind__in=[Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN],
    ).order_by("created_at").values_list("message_id", "kind"):
        thumbs[message_id] = kind
    return [message_as_dict(m, thumbs.get(m.pk)) for m in messages]


def web_feedback(*, visitor_id: str, message_id: int, kind: str) -> Feedback:
    """Thumbs up/down on an AI reply of the visitor's own conversation; a second click replaces the first."""
    if kind not in (Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN):
        raise ValidationError({"kind": "Feedback from the chat is thumbs_up or thumbs_down."})
    message = Message.objects.filter(
        pk=message_id, conversation__customer__identities__channel=Channel.WEB,
        conversation__customer__identities__external_id=visitor_id,
    ).first()
    if message is None:
        raise ValidationError({"message_id": f"Message {message_id} is not in this chat."})
    with transaction.atomic():
        Feedback.objects.filter(message=message, kind__in=[Feedback.Kind.THUMBS_UP, Feedback.Kind.THUMBS_DOWN]).delete()
        return feedback_create(message=message, kind=kind, comment="web chat")
