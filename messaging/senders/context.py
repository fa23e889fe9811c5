"""Where to answer: the provider event of the customer message a reply answers (its sender, our number or page, the
email thread). Events are found by the provider's message id, stored with the event before it is processed, so a
reply sent while the event is still being processed finds it."""

from __future__ import annotations

from conversations.models import Message

from ..models import WebhookEvent


def inbound_event_for(message, provider: str) -> WebhookEvent | None:
    """The webhook event of the customer message this reply answers, else the conversation's latest one."""
    events = WebhookEvent.objects.filter(provider=provider, channel=message.channel).exclude(external_id="")
    parent = message.in_reply_to
    if parent is not None and parent.external_id:
        event = events.filter(external_id=parent.external_id).order_by("-received_at", "-id").first()
        if event:
            return event
    external_ids = Message.objects.filter(
        conversation_id=message.conversation_id, direction=Message.Direction.INBOUND, external_id__isnull=False
    ).values("external_id")
    return events.filter(external_id__in=external_ids).order_by("-received_at", "-id").first()
