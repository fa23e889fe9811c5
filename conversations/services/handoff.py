"""Live handoff: the rules for a staff member taking a conversation over from the AI, replying, and handing it back.

While a conversation is `human_active` the AI does not answer it; only the staff member it is assigned to replies.
The status changes themselves are `conversation_take_over` / `conversation_hand_back`; these functions add the checks
a person in the admin needs (closed, taken by someone else, not taken yet) as ValidationErrors the page can show.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import Conversation, Message
from .conversations import conversation_hand_back, conversation_take_over
from .messages import message_record_outbound


def staff_take_over(*, conversation: Conversation, user) -> Conversation:
    if conversation.status == Conversation.Status.CLOSED:
        raise ValidationError("This conversation is closed.")
    if (conversation.status == Conversation.Status.HUMAN_ACTIVE and conversation.assigned_to_id
            and conversation.assigned_to_id != user.pk):
        raise ValidationError(f"{conversation.assigned_to} is already handling this conversation.")
    return conversation_take_over(conversation=conversation, staff_user=user)


def staff_reply(*, conversation: Conversation, user, text: str) -> Message:
    """A staff reply; once stored, the messaging app delivers it on the customer's channel (outbound_message_ready)."""
    if conversation.status != Conversation.Status.HUMAN_ACTIVE or conversation.assigned_to_id != user.pk:
        raise ValidationError("Take the conversation over before replying.")
    return message_record_outbound(conversation=conversation, text=text, author=Message.Author.STAFF,
                                   route=Message.Route.STAFF, metadata={"staff_user_id": user.pk})


def staff_handback(*, conversation: Conversation, user) -> Conversation:
    if conversation.status not in (Conversation.Status.HUMAN_ACTIVE, Conversation.Status.WAITING_FOR_HUMAN):
        raise ValidationError("The AI is already handling this conversation.")
    return conversation_hand_back(conversation=conversation, staff_user=user)
