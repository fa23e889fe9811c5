import copy

import psycopg
import pytest
from django.db import connection

from . import payloads
from .browser import asgi_server, browser  # noqa: F401 - the real-browser fixtures
from .fakes import FakeMetaGraph, FakeRingCentral


@pytest.fixture(autouse=True)
def channel_settings(settings):
    """Webhook secrets as a deployment sets them, and short backoffs so retries happen within a test."""
    settings.RINGCENTRAL_VERIFICATION_TOKEN = payloads.RC_VERIFICATION_TOKEN
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = payloads.MAILGUN_SIGNING_KEY
    settings.META_APP_SECRET = payloads.META_APP_SECRET
    settings.META_VERIFY_TOKEN = payloads.META_VERIFY_TOKEN
    settings.MESSAGING_RETRY_BACKOFF_BASE = 0.05
    settings.MESSAGING_RETRY_BACKOFF_MAX = 0.2
    settings.DEFAULT_FROM_EMAIL = "MyHibachi <hello@myhibachi.example>"
    settings.MESSAGING_INLINE_IN_BACKGROUND = False  # deterministic: the web push is done when the write returns
    return settings


@pytest.fixture
def eager_celery():
    """Tasks run inline where they are enqueued (for tests about something else than the worker)."""
    from hibachi.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def purged_broker():
    """An empty task queue (tasks enqueued by earlier tests without a worker must not run in this one)."""
    from hibachi.celery import app

    app.control.purge()
    yield app


def _senders(settings, **options_by_channel):
    senders = copy.deepcopy(settings.MESSAGING_SENDERS)
    for channel, options in options_by_channel.items():
        senders[channel]["OPTIONS"] = {**senders[channel]["OPTIONS"], **options}
    settings.MESSAGING_SENDERS = senders


@pytest.fixture
def fake_ringcentral(settings):
    with FakeRingCentral() as server:
        _senders(settings, sms=server.options(), voice=server.options())
        yield server


@pytest.fixture
def fake_meta(settings):
    with FakeMetaGraph() as server:
        _senders(settings, social=server.options())
        yield server


@pytest.fixture
def seeded(db):
    """The handbook's price list and the chefs the assistant quotes and books from (no demo conversations)."""
    from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
    from bookings.services import chef_get_or_create, price_item_upsert

    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)
    for name in DEMO_CHEFS:
        chef_get_or_create(name=name)


@pytest.fixture
def conversation_answered_elsewhere(settings):
    """hold(conversation_id): another worker is answering that conversation (its lock is held from a second database
    session) for the rest of the test; the lock wait is short so that Busy comes quickly."""
    from messaging.locks import key_for
    from messaging.services.inbound import answer_lock_name

    settings.MESSAGING_ANSWER_LOCK_WAIT_SECONDS = 0.3
    sessions = []

    def hold(conversation_id: int) -> None:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        other = psycopg.connect(**params, autocommit=True)
        other.execute("SELECT pg_advisory_lock(%s)", [key_for(answer_lock_name(conversation_id))])
        sessions.append(other)

    yield hold
    for other in sessions:
        other.close()
