"""Signal receivers, connected when MessagingConfig.ready() imports this module."""

from __future__ import annotations

from django.dispatch import receiver

from conversations.signals import outbound_message_ready

from .services import delivery_start


# dispatch_uid: one receiver however often ready() runs (tests, autoreload).
@receiver(outbound_message_ready, dispatch_uid="messaging.deliver_outbound_message")
def deliver_outbound_message(sender, message, **kwargs):
    """conversations.signals.outbound_message_ready (sent after commit for every AI or staff reply): record the
    OutboundDelivery and send it on the conversation's channel."""
    delivery_start(message=message)
