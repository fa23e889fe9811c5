"""Outbound senders, one per channel, chosen in ``settings.MESSAGING_SENDERS`` by import string (like STORAGES).

A sender turns a committed outbound ``conversations.Message`` into a delivery on the conversation's channel and returns
a :class:`SendResult`; it raises :class:`DeliveryError` (``permanent=True`` when retrying cannot help).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """A failed send. ``permanent``: retrying cannot help (bad recipient, bad credentials, not configured)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass
class SendResult:
    provider_message_id: str = ""
    recipient: str = ""


class Sender:
    """Base class. ``inline`` senders are tried once in the thread that committed the message (the web push, which
    is a Redis publish), and fall back to the Celery task when that attempt fails; the others always go through
    Celery."""

    inline = False

    def __init__(self, **options):
        self.options = options

    def send(self, message) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def option(self, name: str, *, required: bool = True, default=None):
        value = self.options.get(name, default)
        if required and value in (None, ""):
            raise DeliveryError(
                f"{type(self).__name__} is not configured: OPTIONS[{name!r}] is empty "
                f"(see settings.MESSAGING_SENDERS and the README's channel configuration).",
                permanent=True,
            )
        return value


_senders: dict[str, Sender] = {}


def get_sender(channel: str) -> Sender:
    if channel not in _senders:
        try:
            config = settings.MESSAGING_SENDERS[channel]
        except KeyError:
            raise ImproperlyConfigured(f"settings.MESSAGING_SENDERS has no sender for the {channel!r} channel.") from None
        _senders[channel] = import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
    return _senders[channel]


def sender_path(channel: str) -> str:
    return settings.MESSAGING_SENDERS.get(channel, {}).get("BACKEND", "")


@receiver(setting_changed)
def _reset(setting, **kwargs):
    if setting == "MESSAGING_SENDERS":
        _senders.clear()
