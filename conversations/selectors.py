"""Reads of customers, conversations and messages."""

from django.db.models import Case, Count, Q, QuerySet, Value, When

from .models import Conversation, Customer, Message


def conversation_history(*, customer: Customer, limit: int = 20) -> list[Message]:
    """The customer's latest messages across every channel, oldest first."""
    latest = Message.objects.filter(conversation__customer=customer).order_by("-sent_at", "-id")[:limit]
    return list(reversed(latest))


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("sent_at", "id")


def customer_list_with_counts() -> QuerySet[Customer]:
    return Customer.objects.annotate(conversation_count=Count("conversations", distinct=True))


def conversations_waiting_for_human() -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=Conversation.Status.WAITING_FOR_HUMAN)
        .select_related("customer")
        .order_by("last_activity_at")
    )


def handoff_conversations() -> QuerySet[Conversation]:
    """Conversations waiting for a human (oldest wait first), then those staff are handling (live handoff page)."""
    waiting_first = Case(When(status=Conversation.Status.WAITING_FOR_HUMAN, then=Value(0)), default=Value(1))
    return (Conversation.objects.filter(status__in=[Conversation.Status.WAITING_FOR_HUMAN,
                                                    Conversation.Status.HUMAN_ACTIVE])
            .select_related("customer", "assigned_to")
            .annotate(open_escalations=Count("escalations", filter=Q(escalations__resolved_at__isnull=True)))
            .order_by(waiting_first, "last_activity_at"))
