"""Writes for customers, conversations and messages. Every write of these models goes through here."""

from .analytics import conversation_log_rebuild, conversation_logs_write
from .consent import identity_opt_in, identity_opt_out, message_blocked_by_consent, message_purpose
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
    customer_identity_attach,
    customer_update,
    normalize_email,
    normalize_phone,
)
from .handoff import staff_handback, staff_reply, staff_take_over
from .messages import (
    MessageIdTaken,
    message_receive,
    message_record_inbound,
    message_record_outbound,
    message_set_nlu,
)
from .verification import (
    CodeCheck,
    code_in_text,
    contact_on_file,
    conversation_verified,
    mask_contact,
    message_sender_verified,
    verification_code_check,
    verification_code_issue,
    verification_code_sent,
    verification_open,
)

__all__ = [
    "CodeCheck", "MessageIdTaken", "code_in_text", "contact_on_file", "conversation_close", "conversation_escalate",
    "conversation_get_or_create_open", "conversation_hand_back", "conversation_log_rebuild", "conversation_logs_write",
    "conversation_set_status", "conversation_take_over", "conversation_verified", "conversations_close_idle",
    "customer_create", "customer_find_by_contact", "customer_get_or_create_for_identity", "customer_identity_attach",
    "customer_update", "escalation_notify_staff", "escalations_notify_overdue", "identity_opt_in", "identity_opt_out",
    "mask_contact", "message_blocked_by_consent", "message_purpose", "message_receive", "message_record_inbound",
    "message_record_outbound", "message_sender_verified", "message_set_nlu", "normalize_email", "normalize_phone",
    "staff_handback", "staff_reply", "staff_take_over", "verification_code_check", "verification_code_issue",
    "verification_code_sent", "verification_open",
]
