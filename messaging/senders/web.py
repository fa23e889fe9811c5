"""Web chat: publish the message to the visitor's channel-layer group; every open tab of that visitor shows it."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conversations.models import Channel, ChannelIdentity

from .base import DeliveryError, SendResult, Sender


def visitor_group(visitor_id: str) -> str:
    return f"webchat.{visitor_id}"


def message_as_dict(message, feedback: str | None = None) -> dict:
    return {
        "id": message.pk,
        "author": message.author,
        "direction": message.direction,
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
        "in_reply_to": message.in_reply_to_id,
        "feedback": feedback,
    }


class WebSocketSender(Sender):
    inline = True

    def send(self, message) -> SendResult:
        visitors = list(
            ChannelIdentity.objects.filter(customer_id=message.conversation.customer_id, channel=Channel.WEB)
            .values_list("external_id", flat=True)
        )
        if not visitors:
            raise DeliveryError("The customer has no web chat visitor id to push to.", permanent=True)
        layer = get_channel_layer()
        event = {"type": "chat.message", "message": message_as_dict(message)}
        try:
            for visitor in visitors:
                async_to_sync(layer.group_send)(visitor_group(visitor), event)
        except Exception as exc:  # Redis down or slow: the Celery task retries
            raise DeliveryError(f"channel layer: {type(exc).__name__}: {exc}") from exc
        return SendResult(recipient=",".join(visitors)[:255])
