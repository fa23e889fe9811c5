"""Consent per contact (a channel identity: a phone number, an e-mail address, a page-scoped id).

An opted-out contact gets no non-transactional message (surveys, follow-ups, marketing); the answer to a message the
customer sends, and the confirmation of the opt-out itself, are still sent. US SMS rules (CTIA): STOP, STOPALL,
UNSUBSCRIBE, CANCEL, END, QUIT opt out; START / UNSTOP opt back in; HELP / INFO answer with the business's contact.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from conversations.models import ChannelIdentity, Message

NON_TRANSACTIONAL = {"survey", "follow_up", "marketing"}


@transaction.atomic
def identity_opt_out(*, identity: ChannelIdentity, source: str) -> bool:
    """Opt the contact out; False when it already was (the first opt-out's time is kept)."""
    identity = ChannelIdentity.objects.select_for_update().get(pk=identity.pk)
    if identity.opted_out_at is not None:
        return False
    now = timezone.now()
    identity.opted_out_at, identity.consent_source, identity.consent_changed_at = now, source[:60], now
    identity.save(update_fields=["opted_out_at", "consent_source", "consent_changed_at"])
    return True


@transaction.atomic
def identity_opt_in(*, identity: ChannelIdentity, source: str) -> bool:
    """Opt the contact back in; False when it was not opted out."""
    identity = ChannelIdentity.objects.select_for_update().get(pk=identity.pk)
    if identity.opted_out_at is None:
        return False
    identity.opted_out_at, identity.consent_source, identity.consent_changed_at = None, source[:60], timezone.now()
    identity.save(update_fields=["opted_out_at", "consent_source", "consent_changed_at"])
    return True


def message_purpose(message: Message) -> str:
    """What an outbound message is for: metadata `purpose`, a survey (it carries a survey token), else a reply."""
    metadata = message.metadata or {}
    if metadata.get("purpose"):
        return str(metadata["purpose"])
    return "survey" if metadata.get("survey_token") else "reply"


def message_blocked_by_consent(message: Message) -> ChannelIdentity | None:
    """The opted-out identity that forbids sending this outbound message, or None when it may be sent."""
    if message_purpose(message) not in NON_TRANSACTIONAL:
        return None
    return (ChannelIdentity.objects.filter(customer_id=message.customer_id, channel=message.channel,
                                           opted_out_at__isnull=False).order_by("opted_out_at").first())
