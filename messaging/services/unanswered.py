"""Work stored but never finished: the safety net behind inbound_answer_once and the webhook task.

Every entry stores the message first (committed) and answers it after; a web server killed between the two, a worker
lost with its task (kill -9: the task sits in Redis's unacked set until the visibility timeout, hours), or a broker
that refused the hand-over leaves a message nobody answers and nothing flags. The `messaging-answer-unanswered` beat
job (every MESSAGING_RECOVERY_EVERY_SECONDS, default 20) finds, after MESSAGING_UNANSWERED_AFTER_SECONDS (default 30),
so within a minute of the failure:

- customer messages of every entry (API, webhooks, web chat) without a reply, and hands each to a worker
  (`answer_inbound_message` -> inbound_answer_once): answered once whatever else answers it meanwhile, and escalated
  to staff when answering fails again;
- webhook events still "received" (never turned into a message, or their task was lost), and queues them again
  (`process_webhook_event`); their attempt budget is the row's `attempts`, so a re-queue never renews it;
- replies whose delivery is still queued with nothing happening to it (its task lost), and queues them again
  (`deliver_outbound`; the budget is the row's, `attempts_budget_from`).

Work a live worker holds (its conversation's or its event's advisory lock, read from pg_locks) is left alone, and each
item is re-queued at most once per MESSAGING_REQUEUE_EVERY_SECONDS (a claim in the cache), so a backlog or a slow
model does not fill the queue with copies. Staff see both lists in the admin ("Unanswered customer messages", webhook
events filtered by "stuck"), with actions that answer or re-queue them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from conversations.models import Conversation, Message
from hibachi.throttles import CACHE_DOWN

from ..locks import locks_held
from ..models import OutboundDelivery, WebhookEvent
from .deliveries import delivery_enqueue, delivery_lock_name
from .inbound import answer_lock_name, inbound_answer_later
from .webhooks import event_lock_name, webhook_event_enqueue

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


def webhook_events_stuck(*, older_than_seconds: int | None = None):
    """Webhook events still "received" (no message made from them yet, or their task was lost) more than
    `older_than_seconds` (default MESSAGING_UNANSWERED_AFTER_SECONDS) and less than two days after they came in."""
    if older_than_seconds is None:
        older_than_seconds = settings.MESSAGING_UNANSWERED_AFTER_SECONDS
    now = timezone.now()
    return (WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED,
                                        received_at__lt=now - timezone.timedelta(seconds=older_than_seconds),
                                        received_at__gt=now - UNANSWERED_HORIZON)
            .order_by("received_at", "id"))


def deliveries_stuck(*, older_than_seconds: int | None = None):
    """Deliveries still queued with nothing happening to them: never tried `older_than_seconds` (default
    MESSAGING_UNANSWERED_AFTER_SECONDS) after they were made, or last tried longer ago than the longest backoff
    (MESSAGING_RETRY_BACKOFF_MAX) plus that, so one waiting for its retry is not counted."""
    if older_than_seconds is None:
        older_than_seconds = settings.MESSAGING_UNANSWERED_AFTER_SECONDS
    now = timezone.now()
    cutoff = now - timezone.timedelta(seconds=older_than_seconds)
    retry_cutoff = cutoff - timezone.timedelta(seconds=settings.MESSAGING_RETRY_BACKOFF_MAX)
    return (OutboundDelivery.objects.filter(status=OutboundDelivery.Status.QUEUED, created_at__lt=cutoff,
                                            created_at__gt=now - UNANSWERED_HORIZON)
            .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=retry_cutoff))
            .order_by("created_at", "id"))


def _requeue_claim(kind: str, pk: int, stamp) -> bool:
    """True at most once per MESSAGING_REQUEUE_EVERY_SECONDS for an item (always, while the cache is down); `stamp`
    (the row's creation time) keeps a restored or recreated database's reused ids apart."""
    try:
        return cache.add(f"messaging:requeued:{kind}:{pk}:{stamp.timestamp():.6f}", 1,
                         timeout=settings.MESSAGING_REQUEUE_EVERY_SECONDS)
    except CACHE_DOWN:
        return True


def unanswered_sweep(*, limit: int | None = None) -> dict:
    """Beat job: hand every unanswered customer message, and every stuck webhook event, to a worker (see the module
    docstring). Safe to run at any time and twice: the worker answers a message once, processes an event once, and
    what was answered or processed meanwhile is no longer listed."""
    limit = limit or settings.MESSAGING_UNANSWERED_BATCH
    counts = {"found": 0, "queued": 0, "busy": 0, "events_found": 0, "events_queued": 0, "deliveries_found": 0,
              "deliveries_queued": 0}
    messages = list(messages_unanswered().values_list("id", "conversation_id", "sent_at")[:limit])
    held = locks_held([answer_lock_name(conversation_id) for _, conversation_id, _ in messages])
    for message_id, conversation_id, sent_at in messages:
        counts["found"] += 1
        if answer_lock_name(conversation_id) in held:
            counts["busy"] += 1   # a live worker is answering this conversation right now
        elif _requeue_claim("message", message_id, sent_at):
            counts["queued"] += int(inbound_answer_later(message_id=message_id))
    events = list(webhook_events_stuck()[:limit])
    held = locks_held([event_lock_name(event.pk) for event in events])
    for event in events:
        counts["events_found"] += 1
        if event_lock_name(event.pk) not in held and _requeue_claim("event", event.pk, event.received_at):
            counts["events_queued"] += int(webhook_event_enqueue(event=event))
    deliveries = list(deliveries_stuck()[:limit])
    held = locks_held([delivery_lock_name(delivery.pk) for delivery in deliveries])
    for delivery in deliveries:
        counts["deliveries_found"] += 1
        if (delivery_lock_name(delivery.pk) not in held
                and _requeue_claim("delivery", delivery.pk, delivery.created_at)):
            counts["deliveries_queued"] += int(delivery_enqueue(delivery=delivery))
    if counts["found"] or counts["events_found"] or counts["deliveries_found"]:
        logger.warning("unfinished work found: %s customer message(s) without an answer (%s handed to a worker, %s "
                       "being answered), %s webhook event(s) not processed (%s queued again), %s delivery(ies) "
                       "stuck (%s queued again)", counts["found"], counts["queued"], counts["busy"],
                       counts["events_found"], counts["events_queued"], counts["deliveries_found"],
                       counts["deliveries_queued"])
    return counts
