"""Consent keywords on inbound messages (SMS, e-mail, social DMs) and the e-mail unsubscribe link.

A message that is only a keyword is handled here, before any model call, and answered with its confirmation (wording
staff may edit: agents.engine.wording, agent "consent"; a template must keep "STOP" / "START"):
STOP / STOPALL / UNSUBSCRIBE / CANCEL / END / QUIT / OPTOUT opt the contact out of non-transactional messages
(surveys, follow-ups, marketing) on that channel, START / UNSTOP / SUBSCRIBE opt back in, HELP / INFO answer with the
business's contact. A sentence ("cancel my booking", "please stop the survey texts" is not a bare keyword) goes to the
assistant as usual; CANCEL alone is an opt-out, as carriers require, and its confirmation says how to cancel a booking.
"""

from __future__ import annotations

import re

from django.conf import settings

from agents.engine.pipeline import InboundResult
from agents.engine.replies import reply_text
from conversations.models import Channel, ChannelIdentity, Message
from conversations.services import identity_opt_in, identity_opt_out, message_record_outbound
from staff.selectors import staff_hours_summary

KEYWORD_CHANNELS = {Channel.SMS, Channel.EMAIL, Channel.SOCIAL}
STOP = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "opt-out", "revoke"}
START = {"start", "unstop", "subscribe", "resume"}
HELP = {"help", "info"}
_KEYWORD = re.compile(r"^\W*(?:please\s+)?([a-z-]+)\W*$", re.I)


def consent_keyword(text: str) -> str | None:
    """"stop", "start" or "help" when the message is only such a keyword (any case, punctuation around it)."""
    match = _KEYWORD.match((text or "").strip()[:40])
    if not match:
        return None
    word = match.group(1).lower()
    return "stop" if word in STOP else "start" if word in START else "help" if word in HELP else None


def _identity(message: Message) -> ChannelIdentity | None:
    return (ChannelIdentity.objects.filter(customer_id=message.customer_id, channel=message.channel)
            .order_by("-created_at").first())


def consent_keyword_answer(message: Message) -> InboundResult | None:
    """Handle a bare consent keyword: record the change and the fixed confirmation (sent even to an opted-out
    contact: it is transactional). None when the message is not one (the assistant answers it)."""
    if message.channel not in KEYWORD_CHANNELS:
        return None
    keyword = consent_keyword(message.text)
    identity = _identity(message) if keyword else None
    if identity is None:
        return None
    business = settings.BUSINESS_NAME
    if keyword == "stop":
        identity_opt_out(identity=identity, source=f"keyword {message.text.strip()[:20].upper()}")
        text = reply_text("consent", "opted_out", tone=None, business=business)
    elif keyword == "start":
        identity_opt_in(identity=identity, source=f"keyword {message.text.strip()[:20].upper()}")
        text = reply_text("consent", "opted_in", tone=None, business=business)
    else:
        text = reply_text("consent", "help", tone=None, business=business, contact=settings.BUSINESS_CONTACT,
                          hours=staff_hours_summary())
    reply = message_record_outbound(conversation=message.conversation, text=text, author=Message.Author.AI,
                                    agent="consent", in_reply_to=message,
                                    metadata={"purpose": "consent", "consent": keyword})
    return InboundResult(conversation=message.conversation, message=message, reply=reply, created=True)
