"""Outbound senders, one per channel, chosen in ``settings.MESSAGING_SENDERS`` by import string (like STORAGES).

A sender turns a committed outbound ``conversations.Message`` into a delivery on the conversation's channel and returns
a :class:`SendResult`; it raises :class:`DeliveryError` (``permanent=True`` when retrying cannot help).
"""

from __future__ import annotations

from django.conf import settings

from hibachi.backends import Backends

from .base import DeliveryError, Sender, SendResult

_senders = Backends(
    "MESSAGING_SENDERS", Sender, noun="sender for the channel",
    hint="add one, e.g. {'BACKEND': 'messaging.senders.web.WebSocketSender', 'OPTIONS': {}}",
)


def get_sender(channel: str) -> Sender:
    """The sender configured for `channel`, built once (until MESSAGING_SENDERS changes)."""
    return _senders(channel)


def sender_path(channel: str) -> str:
    return settings.MESSAGING_SENDERS.get(channel, {}).get("BACKEND", "")


__all__ = ["DeliveryError", "SendResult", "Sender", "get_sender", "sender_path"]
