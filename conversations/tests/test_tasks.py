import datetime

import pytest
from django.utils import timezone

from conversations.models import Conversation
from conversations.tasks import close_idle_conversations
from conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_close_idle_task_runs_on_a_real_worker(celery_worker_thread, settings):
    settings.CONVERSATION_IDLE_HOURS = 24
    stale = ConversationFactory(last_activity_at=timezone.now() - datetime.timedelta(days=2))

    result = close_idle_conversations.delay()

    assert result.get(timeout=20) == 1
    stale.refresh_from_db()
    assert stale.status == Conversation.Status.CLOSED
    assert stale.log.outcome_data["booked"] is False
