"""Writes for customers, conversations and messages. Every write of these models goes through here."""

from .analytics import conversation_log_rebuild, conversation_logs_write
from .conversations import (
    conversation_close,
    conversation_escalate,
    conversation_get_or_create_open,
    conversation_hand_back,
    conversation_set_status,
    conversation_take_over,
    conversations_close_idle,
    escalation_notify_staff,
    escalations_notify_overdue,
)
from .customers import (
    customer_create,
    customer_find_by_contact,
    customer_get_or_create_for_identity,
    customer_update,
    normalize_email,
    normalize_phone,
)
from .handoff import staff_handback, staff_reply, staff_take_over
from .messages import message_receive, message_record_inbound, message_record_outbound, message_set_nlu

__all__ = [
    "conversation_close", "conversation_escalate", "conversation_get_or_create_open", "conversation_hand_back",
    "conversation_log_rebuild", "conversation_logs_write", "conversation_set_status", "conversation_take_over", "conversations_close_idle",
    "customer_create", "customer_find_by_contact", "customer_get_or_create_for_identity", "customer_update",
    "escalation_notify_staff", "escalations_notify_overdue",
    "message_receive", "message_record_inbound", "message_record_outbound",
    "message_set_nlu", "normalize_email", "normalize_phone", "staff_handback", "staff_reply", "staff_take_over",
]
