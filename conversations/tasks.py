from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True)
def close_idle_conversations() -> int:
    return services.conversations_close_idle(idle_hours=settings.CONVERSATION_IDLE_HOURS)


@shared_task(acks_late=True)
def conversation_logs_write() -> int:
    """Beat: the plan's conversation log for conversations gone idle, and again after a later booking or survey."""
    return services.conversation_logs_write(idle_minutes=settings.CONVERSATION_LOG_IDLE_MINUTES)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def escalation_notify_staff(escalation_id: int) -> int:
    from .models import Escalation

    escalation = Escalation.objects.select_related("conversation__customer").filter(pk=escalation_id).first()
    if escalation is None:
        return 0
    return services.escalation_notify_staff(escalation=escalation)


@shared_task(acks_late=True)
def escalations_notify_overdue() -> int:
    """Beat: email staff about escalations whose notification never went out."""
    return services.escalations_notify_overdue()
