from decimal import Decimal

import pytest

from agents.models import ModelCall
from conversations.models import Escalation
from conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.7"


def test_metrics_are_refused_to_an_anonymous_outside_caller(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403


def test_metrics_are_served_to_an_internal_address(client, settings):
    settings.METRICS_ALLOWED_CIDRS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_are_served_to_staff_from_anywhere(staff_client):
    assert staff_client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 200


def test_metrics_expose_calls_cost_escalations_queue_depth_and_latency(client, settings):
    import redis

    ModelCall.objects.create(provider="openai", model="gpt-4o-mini", route="teacher", ok=True, cost_usd=Decimal("0.25"))
    ModelCall.objects.create(provider="openai", model="gpt-4o-mini", route="teacher", ok=False, cost_usd=Decimal("0"))
    Escalation.objects.create(conversation=ConversationFactory(), reason="x")
    settings.MONITORING_CELERY_QUEUES = ["monitoring-test-queue"]
    settings.METRICS_TOKEN = "scraper-secret"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("monitoring-test-queue")
    broker.rpush("monitoring-test-queue", "a", "b", "c")
    try:
        client.get("/healthz")
        body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-secret").content.decode()
    finally:
        broker.delete("monitoring-test-queue")
    assert 'hibachi_model_calls_total{model="gpt-4o-mini",ok="true",provider="openai",route="teacher"} 1.0' in body
    assert 'hibachi_model_calls_total{model="gpt-4o-mini",ok="false",provider="openai",route="teacher"} 1.0' in body
    assert 'hibachi_model_cost_usd_total{model="gpt-4o-mini",provider="openai"} 0.25' in body
    assert "hibachi_escalations_total 1.0" in body and "hibachi_escalations_open 1.0" in body
    assert 'hibachi_celery_queue_length{queue="monitoring-test-queue"} 3.0' in body
    assert 'hibachi_http_request_duration_seconds_count{method="GET",status=' in body
    assert 'view="healthz"' in body


def test_request_latency_is_observed_for_requests_through_the_async_handler(async_client):
    from asgiref.sync import async_to_sync

    from monitoring.metrics import REQUEST_LATENCY

    sample = REQUEST_LATENCY.labels(view="home", method="GET", status="200")
    before = sample._sum.get()
    response = async_to_sync(async_client.get)("/")
    assert response.status_code == 200
    assert sample._sum.get() > before
