"""Web chat: publish the message to the visitor's channel-layer group; every open tab of that visitor shows it."""

from __future__ import annotations

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conversations.models import Channel, ChannelIdentity

from .base import DeliveryError, Sender, SendResult

_thread = threading.local()


def group_send(group: str, event: dict) -> None:
    """`channel_layer.group_send` from synchronous code, on an event loop this thread keeps.

    `async_to_sync(group_send)` ran each call on a new event loop, and channels_redis keeps its Redis connections per
    loop: every push connected to Redis anew (1.4 ms of CPU a push, measured; 0.12 ms on a kept loop). The web chat
    pushes from a small pool of delivery threads, so each keeps one loop and its connections. A push that fails (the
    kept connections died with a Redis restart) is tried once more on a new loop, with new connections; the browser
    ignores a message id it already shows. In a thread already running a loop, async_to_sync is used as before."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        async_to_sync(get_channel_layer().group_send)(group, event)
        return
    for attempt in (1, 2):
        loop = getattr(_thread, "loop", None)
        if loop is None or loop.is_closed():
            loop = _thread.loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(get_channel_layer().group_send(group, event))
            return
        except Exception:
            _thread.loop = None
            loop.close()   # channels_redis closes this loop's connection pools with it
            if attempt == 2:
                raise


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
        event = {"type": "chat.message", "message": message_as_dict(message)}
        try:
            for visitor in visitors:
                group_send(visitor_group(visitor), event)
        except Exception as exc:  # Redis down or slow: the Celery task retries
            raise DeliveryError(f"channel layer: {type(exc).__name__}: {exc}") from exc
        return SendResult(recipient=",".join(visitors)[:255])
