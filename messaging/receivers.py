"""Signal receivers, connected in MessagingConfig.ready()."""

from __future__ import annotations

from .services import delivery_start


def deliver_outbound_message(sender, message, **kwargs):
    """conversations.signals.outbound_message_ready (sent after commit for every AI or staff reply): record the
    OutboundDelivery and send it on the conversation's channel."""
    delivery_start(message=message)
