"""Signal receivers, connected when MessagingConfig.ready() imports this module."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from agents.engine.replies import reply_text
from conversations.models import Channel
from conversations.services import verification_code_sent
from conversations.signals import outbound_message_ready, verification_code_ready

from .senders import get_sender
from .services import delivery_start

logger = logging.getLogger(__name__)


# dispatch_uid: one receiver however often ready() runs (tests, autoreload).
@receiver(outbound_message_ready, dispatch_uid="messaging.deliver_outbound_message")
def deliver_outbound_message(sender, message, **kwargs):
    """conversations.signals.outbound_message_ready (sent after commit for every AI or staff reply): record the
    OutboundDelivery and send it on the conversation's channel."""
    delivery_start(message=message)


@receiver(verification_code_ready, dispatch_uid="messaging.send_verification_code")
def send_verification_code(sender, verification, code, **kwargs):
    """conversations.signals.verification_code_ready (after commit): send the one-time code by email or SMS, once,
    in this process (the plain code is never written to the database or a task queue). A failure is recorded on the
    verification and logged; the customer asks for a new code."""
    minutes = max(1, round((verification.expires_at - verification.created_at).total_seconds() / 60))
    text = reply_text("verification", "code_message", tone=None, code=code, minutes=minutes)
    channel = Channel.EMAIL if verification.channel == Channel.EMAIL else Channel.SMS
    try:
        get_sender(channel).send_code(recipient=verification.contact, text=text)
    except Exception as exc:  # noqa: BLE001 - a DeliveryError or a sender's bug: the answer is already committed
        logger.warning("Could not send verification code %s: %s", verification.pk, exc)
        verification_code_sent(verification=verification, error=f"{type(exc).__name__}: {exc}")
        return
    verification_code_sent(verification=verification)
