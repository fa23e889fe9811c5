"""Every task is acknowledged late: Redis hands a task not acknowledged within the broker's visibility_timeout to a
second worker, so the timeout must outlast every task's time limit (and the longest countdown a task is queued
with), or a long task runs twice."""

import pytest
from django.conf import settings

from hibachi.celery import app

LONG_LEARNING_TASKS = ["learning.tasks.nightly_autolabel", "learning.tasks.weekly_learning_loop",
                       "learning.tasks.record_outcomes", "learning.tasks.refresh_review_queue",
                       "learning.tasks.openai_finetune_start", "learning.tasks.openai_finetune_poll"]


@pytest.fixture(scope="module")
def project_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def time_limit(task) -> float:
    return task.time_limit or app.conf.task_time_limit


def test_every_task_has_a_time_limit(project_tasks):
    assert app.conf.task_acks_late
    assert all(time_limit(task) for task in project_tasks.values())


def test_the_visibility_timeout_outlasts_every_task_and_countdown(project_tasks):
    visibility = app.conf.broker_transport_options.get("visibility_timeout")
    longest_countdown = max(settings.MESSAGING_RETRY_BACKOFF_MAX, 300)   # deliveries' backoff; fine-tune polling

    assert visibility, "broker_transport_options has no visibility_timeout: Redis's default (1 h) applies"
    too_long = {name: time_limit(task) for name, task in project_tasks.items()
                if time_limit(task) + longest_countdown >= visibility}
    assert not too_long, f"these tasks can run past the visibility timeout ({visibility} s) and run twice: {too_long}"


def test_the_long_learning_tasks_have_their_own_limits_with_a_soft_limit_first(project_tasks):
    for name in LONG_LEARNING_TASKS:
        task = project_tasks[name]
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit, name


def test_long_tasks_have_their_own_queue_and_worker(project_tasks):
    """A task allowed to run longer than the default limit (300 s) goes to the "long" queue, which `make run` serves
    with a worker of its own; customer-facing tasks stay on "celery"."""
    from hibachi.launcher import stack_commands

    router = app.amqp.router
    long_tasks = [name for name, task in project_tasks.items() if time_limit(task) > app.conf.task_time_limit]
    assert long_tasks
    for name in long_tasks:
        assert router.route({}, name)["queue"].name == "long", name
    for name in ["messaging.tasks.process_webhook_event", "messaging.tasks.answer_inbound_message",
                 "messaging.tasks.deliver_outbound", "messaging.tasks.answer_unanswered"]:
        assert router.route({}, name)["queue"].name == "celery", name
    commands = stack_commands(host="127.0.0.1", port="8000", var="/tmp")
    assert commands["worker-long"][commands["worker-long"].index("-Q") + 1] == "long"
    assert commands["worker"][commands["worker"].index("-Q") + 1] == "celery"
