"""What every channel sender implements, and what it returns or raises."""

from __future__ import annotations

from dataclasses import dataclass


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
    Celery. ``alias`` is the channel (the key in settings.MESSAGING_SENDERS)."""

    inline = False

    def __init__(self, *, alias: str = "", **options):
        self.alias = alias
        self.options = options

    def send(self, message) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def send_code(self, *, recipient: str, text: str) -> SendResult:
        """Send a one-time code to an address or number that may not be any conversation's (a contact typed in a
        chat). Only the email and SMS senders can; the code is never stored in a message."""
        raise DeliveryError(f"{type(self).__name__} cannot send one-time codes.", permanent=True)

    def send_direct(self, *, recipient: str, text: str, subject: str = "") -> SendResult:
        """Send a notice to a contact who is not a customer (a chef): no conversation, no message row; the caller
        records the attempt. Only the email and SMS senders can."""
        raise DeliveryError(f"{type(self).__name__} cannot send to a raw contact.", permanent=True)

    def option(self, name: str, *, required: bool = True, default=None):
        value = self.options.get(name, default)
        if required and value in (None, ""):
            raise DeliveryError(
                f"{type(self).__name__} is not configured: OPTIONS[{name!r}] is empty "
                f"(see settings.MESSAGING_SENDERS and the README's channel configuration).",
                permanent=True,
            )
        return value
