from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True)
def close_idle_conversations() -> int:
    return services.conversations_close_idle(idle_hours=settings.CONVERSATION_IDLE_HOURS)
