"""Customer messages stored but never answered: the safety net behind inbound_answer_once.

Every entry stores the message first (committed) and answers it after; a web server killed between the two, a worker
lost with its task, or a broker that refused the hand-over leaves a message nobody answers and nothing flags. The
`messaging-answer-unanswered` beat job finds them after MESSAGING_UNANSWERED_AFTER_SECONDS and hands each to a worker
(`answer_inbound_message` -> inbound_answer_once): answered once whatever else answers it meanwhile, and escalated to
staff when answering fails again. Staff see the same list in the admin ("Unanswered customer messages").
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from conversations.models import Conversation, Message

from .inbound import inbound_answer_later

logger = logging.getLogger(__name__)

# Older messages are history (an import, the demo seed, a conversation long gone): staff, not the sweep, decide.
UNANSWERED_HORIZON = timezone.timedelta(days=2)


def messages_unanswered(*, older_than_seconds: int | None = None):
    """Customer messages without a reply: none answers them (`in_reply_to`), nothing was said in their conversation
    after them (a later reply covers them), staff do not handle their conversation, it was not escalated and it is not
    history (demo data, imports);
    sent more than `older_than_seconds` (default MESSAGING_UNANSWERED_AFTER_SECONDS) and less than two days ago."""
    if older_than_seconds is None:
        older_than_seconds = settings.MESSAGING_UNANSWERED_AFTER_SECONDS
    now = timezone.now()
    answered_after = Message.objects.filter(conversation_id=OuterRef("conversation_id"),
                                            direction=Message.Direction.OUTBOUND, sent_at__gte=OuterRef("sent_at"))
    return (Message.objects.filter(direction=Message.Direction.INBOUND, author=Message.Author.CUSTOMER,
                                   sent_at__lt=now - timezone.timedelta(seconds=older_than_seconds),
                                   sent_at__gt=now - UNANSWERED_HORIZON,
                                   history=False, replies__isnull=True, escalations__isnull=True)
            .exclude(conversation__status__in=[Conversation.Status.WAITING_FOR_HUMAN,
                                               Conversation.Status.HUMAN_ACTIVE])
            .exclude(Exists(answered_after))
            .order_by("sent_at", "id"))


def unanswered_sweep(*, limit: int | None = None) -> dict:
    """Beat job: hand every unanswered customer message to a worker. Safe to run at any time and twice: the worker's
    inbound_answer_once answers a message once, and a message answered or escalated meanwhile is no longer listed."""
    limit = limit or settings.MESSAGING_UNANSWERED_BATCH
    counts = {"found": 0, "queued": 0}
    for message_id in messages_unanswered().values_list("id", flat=True)[:limit]:
        counts["found"] += 1
        counts["queued"] += int(inbound_answer_later(message_id=message_id))
    if counts["found"]:
        logger.warning("%s customer message(s) found without an answer; %s handed to a worker", counts["found"],
                       counts["queued"])
    return counts
