"""/metrics and /healthz's details are not public: not even to a caller that reaches the app through a reverse
proxy on the same host (REMOTE_ADDR 127.0.0.1). The public /healthz says only ok/fail, is throttled, and reuses a
recent Celery ping instead of broadcasting one per hit."""
import time
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROXIED = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.23"}


def test_metrics_are_refused_to_loopback_by_default(client):
    """A same-host reverse proxy makes every public request come from 127.0.0.1."""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 403


def test_an_allowed_network_counts_only_for_a_direct_connection(client, settings):
    settings.METRICS_ALLOWED_CIDRS = ["127.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", **PROXIED).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED="for=198.51.100.23").status_code == 403


def test_metrics_need_the_right_bearer_token(client, settings):
    settings.METRICS_TOKEN = "scraper-secret"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-secret", **PROXIED).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **PROXIED).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer sćraper", **PROXIED).status_code == 403


def test_an_empty_token_setting_matches_no_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **PROXIED).status_code == 403


def test_public_healthz_says_only_ok_or_fail(client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    response = client.get("/healthz", **PROXIED)
    assert response.status_code == 503  # no worker in this test
    assert response.json() == {"status": "fail"}
    body = response.content.decode()
    assert "version" not in body and "error" not in body and "celery" not in body


def test_healthz_details_need_staff_or_the_metrics_token(staff_client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    settings.METRICS_TOKEN = "scraper-secret"
    with_token = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer scraper-secret", **PROXIED).json()
    assert with_token["checks"]["pgvector"]["version"] and with_token["failing"] == ["celery"]
    assert staff_client.get("/healthz").json()["checks"]["database"]["ok"] is True


def test_public_healthz_is_throttled_per_address(client, settings):
    settings.HEALTHZ_THROTTLE_RATE = "2/min"
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    statuses = [client.get("/healthz", REMOTE_ADDR=address).status_code
                for _ in range(3)]
    assert statuses[2] == 429, statuses


def test_public_healthz_reuses_a_recent_celery_ping(staff_client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 1.5
    settings.HEALTHZ_CELERY_CACHE_SECONDS = 60
    started = time.monotonic()
    assert staff_client.get("/healthz").status_code == 503  # a fresh ping: waits the whole timeout for a worker
    assert time.monotonic() - started >= 1.5
    started = time.monotonic()
    public = Client()
    for _ in range(3):
        assert public.get("/healthz", **PROXIED).status_code == 503
    assert time.monotonic() - started < 1.5  # three public hits, no new broadcast
