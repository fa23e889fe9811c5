"""The webhooks' rate limit: which address it counts, and what it does while Redis is down."""

import contextlib
import json
import logging
import uuid
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from conversations.models import Message
from hibachi.throttles import CACHE_DOWN
from messaging.models import WebhookEvent

from . import payloads

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/channels/ringcentral/sms/"


@pytest.fixture
def webhooks_allow_two_a_minute(monkeypatch):
    # THROTTLE_RATES is the settings dict DRF bound at import: patch the entry for this test only.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "webhooks", "2/min")
    yield
    with contextlib.suppress(*CACHE_DOWN):  # a test may have put the cache on a stopped Redis
        cache.clear()


def post_sms(client, *, remote_addr, forwarded_for=None, token=payloads.RC_VERIFICATION_TOKEN):
    headers = {"REMOTE_ADDR": remote_addr, "HTTP_VERIFICATION_TOKEN": token}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    payload = payloads.rc_sms(text="Hi", direction="Outbound")  # stored as ignored: nothing to answer
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def test_a_client_cannot_escape_the_rate_limit_by_sending_x_forwarded_for(client, webhooks_allow_two_a_minute):
    address = f"198.51.100.{uuid.uuid4().int % 250}"

    codes = [post_sms(client, remote_addr=address, forwarded_for=f"203.0.113.{n}").status_code for n in range(3)]

    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_the_address_it_forwards_is_counted(client, settings, webhooks_allow_two_a_minute):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = f"10.0.0.{uuid.uuid4().int % 250}"

    codes = [post_sms(client, remote_addr=proxy, forwarded_for=f"spoofed, 203.0.113.{n}").status_code
             for n in range(3)]
    same_client = post_sms(client, remote_addr=proxy, forwarded_for="203.0.113.0").status_code

    assert codes == [200, 200, 200]
    assert same_client == 200 and post_sms(client, remote_addr=proxy, forwarded_for="x, 203.0.113.0").status_code == 429


@pytest.fixture
def cache_on_a_stopped_redis(settings, throwaway_redis):
    """The shared cache (rate limits, one-time tokens) on a Redis that is down; the database is up."""
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": throwaway_redis["url"],
                                                      "OPTIONS": {"socket_timeout": 0.5,
                                                                  "socket_connect_timeout": 0.5}}}
    throwaway_redis["process"].kill()
    throwaway_redis["process"].wait()
    return throwaway_redis


def test_while_redis_is_down_a_webhook_event_is_stored_and_answered_200(client, cache_on_a_stopped_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="hibachi.throttles"):  # a Celery test worker may raise the root's
        response = post_sms(client, remote_addr="192.0.2.10")

    assert response.status_code == 200 and response.json()["ignored"] == 1
    assert WebhookEvent.objects.filter(provider="ringcentral").count() == 1
    assert "counting in this process instead" in caplog.text


def test_while_redis_is_down_the_local_limit_still_counts(client, cache_on_a_stopped_redis,
                                                          webhooks_allow_two_a_minute):
    address = f"192.0.2.{uuid.uuid4().int % 250}"

    codes = [post_sms(client, remote_addr=address).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_while_redis_is_down_a_signed_email_is_stored_and_its_replay_still_refused(client, cache_on_a_stopped_redis):
    genuine = payloads.mailgun_form(text="What is the minimum order?")
    forged = {**payloads.mailgun_form(text="Cancel my booking"),
              **{k: genuine[k] for k in ("timestamp", "token", "signature")}}

    codes = [client.post("/api/v1/channels/mailgun/inbound/", data=urlencode(form),
                         content_type="application/x-www-form-urlencoded").status_code for form in (genuine, forged)]

    assert codes == [200, 403]
    assert WebhookEvent.objects.filter(provider="mailgun").count() == 1
    assert Message.objects.count() == 0  # not answered in the request: the event waits for the worker
