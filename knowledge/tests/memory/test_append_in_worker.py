"""With MEMORY_APPEND_IN_WORKER each committed message reaches the memory through a Celery task, off the reply's
path, and none is lost: the worker records them, and a broker that cannot take the task gets it done at once."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.engine.pipeline import conversation_answer
from agents.tests.engine.conftest import seed_prices_and_chefs
from conversations.services import message_receive
from knowledge.models import CustomerContext

pytestmark = pytest.mark.django_db(transaction=True)


def context_of(customer_id):
    row = CustomerContext.objects.filter(customer_id=customer_id).first()
    return row.data if row else {}


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_worker_records_the_customers_message_and_the_reply(settings, celery_worker_thread):
    settings.MEMORY_APPEND_IN_WORKER = True
    seed_prices_and_chefs()
    message, _ = message_receive(channel="sms", sender={"external_id": "+14155550100"},
                                 text="Hi, I'm vegetarian and allergic to shellfish")
    with CaptureQueriesContext(connection) as captured:
        result = conversation_answer(message=message)

    assert not any("knowledge_customercontext" in q["sql"] for q in captured)   # not on the reply's path
    assert wait_for(lambda: context_of(message.customer_id).get("last_message_id") == result.reply.pk)
    data = context_of(message.customer_id)
    assert data["channels"] == {"sms": 1}
    assert "shellfish" in data["allergies"]


def test_a_broker_that_refuses_the_task_gets_the_append_done_at_once(settings, monkeypatch):
    from kombu.exceptions import OperationalError

    from knowledge import tasks

    def refused(*args, **kwargs):
        raise OperationalError("the broker is down")

    settings.MEMORY_APPEND_IN_WORKER = True
    monkeypatch.setattr(tasks.memory_append, "delay", refused)
    message, _ = message_receive(channel="web", sender={"external_id": "visitor-down"}, text="Hello there")

    assert context_of(message.customer_id).get("last_message_id") == message.pk
