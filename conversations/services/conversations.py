"""Conversations: opening, status, closing, escalation to staff and hand-over."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hibachi.compiled_query import CompiledQuery

from ..models import Conversation, Customer, Escalation, Message
from .analytics import conversation_log_rebuild
from .customers import _validate_channel

logger = logging.getLogger(__name__)

# --- conversations ------------------------------------------------------------------------------------------------


# Compiled once per process (hibachi.compiled_query): read on every inbound message.
_OPEN_CONVERSATION = CompiledQuery(
    lambda customer_id, channel: (Conversation.objects.filter(customer_id=customer_id, channel=channel)
                                  .exclude(status=Conversation.Status.CLOSED)
                                  .order_by("-last_activity_at")[:1]),
    params={"customer_id": int, "channel": str},
)


def conversation_get_or_create_open(*, customer: Customer, channel: str) -> Conversation:
    """The customer's open conversation on a channel (the most recent one), or a new one."""
    _validate_channel(channel)
    conversation = _OPEN_CONVERSATION.first(customer_id=customer.pk, channel=channel)
    if conversation is None:
        conversation = Conversation.objects.create(customer=customer, channel=channel)
    return conversation


def conversation_set_status(*, conversation: Conversation, status: str, assigned_to=None) -> Conversation:
    if status not in Conversation.Status.values:
        raise ValidationError({"status": f"{status!r} is not a conversation status."})
    if status == Conversation.Status.CLOSED:
        return conversation_close(conversation=conversation)
    conversation.status = status
    conversation.assigned_to = assigned_to if status == Conversation.Status.HUMAN_ACTIVE else conversation.assigned_to
    conversation.save(update_fields=["status", "assigned_to"])
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation) -> Conversation:
    """Close a conversation and rebuild its analytics log in the same transaction."""
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["status", "closed_at"])
    conversation_log_rebuild(conversation=conversation)
    return conversation


def conversations_close_idle(*, idle_hours: int, now: datetime | None = None) -> int:
    """Close every open conversation without activity for `idle_hours`; returns how many were closed."""
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=idle_hours)
    closed = 0
    for conversation in Conversation.objects.filter(last_activity_at__lt=cutoff).exclude(
        Q(status=Conversation.Status.CLOSED) | Q(status=Conversation.Status.HUMAN_ACTIVE)
    ):
        conversation_close(conversation=conversation)
        closed += 1
    return closed


# --- escalation to staff ------------------------------------------------------------------------------------------


@transaction.atomic
def conversation_escalate(
    *, conversation: Conversation, reason: str, priority: str = Escalation.Priority.NORMAL, message: Message | None = None
) -> Escalation:
    """Hand the conversation to staff: it waits for a human, and staff are notified once the transaction commits."""
    if priority not in Escalation.Priority.values:
        raise ValidationError({"priority": f"{priority!r} is not a priority."})
    escalation = Escalation.objects.create(
        conversation=conversation, message=message, reason=reason[:255], priority=priority
    )
    if conversation.status != Conversation.Status.HUMAN_ACTIVE:
        conversation.status = Conversation.Status.WAITING_FOR_HUMAN
        conversation.save(update_fields=["status"])
    transaction.on_commit(lambda: _staff_notification_queue(escalation.pk))
    return escalation


def _staff_notification_queue(escalation_id: int) -> None:
    """Hand the staff email to a worker. A broker that refuses is logged, not raised (the escalation is committed
    and the caller has its answer): the escalations-notify-overdue job sends what stays unsent."""
    from ..tasks import escalation_notify_staff  # the tasks module imports this one

    try:
        escalation_notify_staff.delay(escalation_id)
    except Exception:  # noqa: BLE001 - kombu raises many kinds
        logger.exception("could not queue the staff email of escalation %s; the overdue job will send it",
                         escalation_id)


def escalation_notify_staff(*, escalation: Escalation) -> int:
    """Email every active staff member who has an address; returns how many were emailed. Idempotent, and safe
    when the task and the overdue job send at once."""
    if escalation.staff_notified_at is not None:
        return 0
    with transaction.atomic():   # the row stays locked while the email goes out: a second sender skips it
        claimed = (Escalation.objects.select_for_update(skip_locked=True)
                   .filter(pk=escalation.pk, staff_notified_at__isnull=True).exists())
        if not claimed:
            return 0
        return _staff_email(escalation)


def _staff_email(escalation: Escalation) -> int:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    recipients = list(
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    ) or list(settings.STAFF_NOTIFY_EMAILS)
    conversation = escalation.conversation
    if recipients:
        send_mail(
            subject=f"[MyHibachi] {escalation.get_priority_display()} escalation: {escalation.reason}",
            message=(
                f"Conversation #{conversation.pk} with {conversation.customer} on {conversation.get_channel_display()} "
                f"needs a human.\nReason: {escalation.reason}\n"
                f"Open it in the admin: /admin/conversations/conversation/{conversation.pk}/change/"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    Escalation.objects.filter(pk=escalation.pk).update(staff_notified_at=timezone.now())
    return len(recipients)


def escalations_notify_overdue(*, older_than_minutes: int | None = None, limit: int = 100) -> int:
    """Beat job: email staff about open escalations still not notified after ESCALATION_NOTIFY_RETRY_MINUTES (the
    broker refused the task, the worker died). Returns how many escalations were notified now."""
    if older_than_minutes is None:
        older_than_minutes = settings.ESCALATION_NOTIFY_RETRY_MINUTES
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    notified = 0
    for escalation in (Escalation.objects.select_related("conversation__customer")
                       .filter(staff_notified_at__isnull=True, resolved_at__isnull=True, created_at__lt=cutoff)
                       .order_by("created_at")[:limit]):
        try:
            escalation_notify_staff(escalation=escalation)
        except Exception:  # noqa: BLE001 - the mail server: the next run tries again
            logger.exception("could not email staff about escalation %s; the next run tries again", escalation.pk)
            continue
        notified += int(Escalation.objects.filter(pk=escalation.pk, staff_notified_at__isnull=False).exists())
    return notified


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, staff_user) -> Conversation:
    conversation.status = Conversation.Status.HUMAN_ACTIVE
    conversation.assigned_to = staff_user
    conversation.save(update_fields=["status", "assigned_to"])
    return conversation


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, staff_user=None) -> Conversation:
    """Staff hand the conversation back to the AI; its open escalations are resolved."""
    conversation.escalations.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=staff_user)
    conversation.status = Conversation.Status.ACTIVE
    conversation.save(update_fields=["status"])
    return conversation
