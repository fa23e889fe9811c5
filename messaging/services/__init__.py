"""Writes of the channels layer. Tasks, views, the consumer and the admin call these.

- inbound.py: `inbound_answer_once`, the one place a stored customer message is answered (lock, idempotency,
  escalation on failure);
- webhooks.py: provider events stored once, then processed through message_receive + inbound_answer_once;
- webchat.py: the web chat's message (through message_receive), history and thumbs;
- deliveries.py: outbound deliveries and their attempts, the channels' backoff, the sweep job;
- unanswered.py: customer messages stored but never answered, and the beat job that answers them;
- notices.py: reminders and notices about bookings (customers, chefs, staff), each once.
"""

from ..locks import Busy
from ..parsers import InboundItem
from .deliveries import (
    delivery_attempt,
    delivery_enqueue,
    delivery_get_or_create,
    delivery_retry,
    delivery_start,
    messages_without_delivery,
    retry_delay,
    sweep,
)
from .inbound import inbound_answer_later, inbound_answer_once
from .notices import notices_send_due
from .unanswered import messages_unanswered, unanswered_sweep, webhook_events_stuck
from .webchat import web_feedback, web_history, web_message_persist
from .webhooks import webhook_event_enqueue, webhook_event_process, webhook_events_record

__all__ = [
    "Busy", "InboundItem", "delivery_attempt", "delivery_enqueue", "delivery_get_or_create", "delivery_retry",
    "delivery_start", "inbound_answer_later", "inbound_answer_once", "messages_unanswered",
    "messages_without_delivery", "notices_send_due", "retry_delay", "sweep", "unanswered_sweep", "web_feedback",
    "web_history", "web_message_persist", "webhook_event_enqueue", "webhook_event_process", "webhook_events_record",
    "webhook_events_stuck",
]
