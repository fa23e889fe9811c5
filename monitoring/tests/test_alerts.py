import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from monitoring.alerting import get_alert_channel
from monitoring.alerting.slack import SlackWebhookChannel
from monitoring.models import Alert, AlertDelivery, DeliveryAttempt
from monitoring.services.alerts import alert_raise, deliveries_retry_due, delivery_attempt, retry_delay_seconds

pytestmark = pytest.mark.django_db


class FakeSlack:
    """A real HTTP server on 127.0.0.1 answering like a Slack incoming webhook ("ok"), or with `status`."""

    def __init__(self):
        self.status = 200
        self.received = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.received.append(json.loads(body))
                reply = b"ok" if fake.status == 200 else b"internal_error"
                self.send_response(fake.status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack(settings):
    fake = FakeSlack()
    settings.MONITORING_ALERT_CHANNELS = {
        "slack": {"BACKEND": "monitoring.alerting.slack.SlackWebhookChannel", "OPTIONS": {"webhook_url": fake.url}},
        "email": {"BACKEND": "monitoring.alerting.email.EmailChannel", "OPTIONS": {"recipients": ["boss@example.com"]}},
    }
    settings.MONITORING_ALERT_RETRY_BASE_SECONDS = 60
    settings.MONITORING_ALERT_MAX_ATTEMPTS = 3
    yield fake
    fake.close()


def _raise(**overrides):
    fields = {"condition": "cost.actual", "period": "2026-11", "title": "Spend reached $500", "body": "Details"}
    return alert_raise(**{**fields, **overrides})


def test_one_alert_per_condition_and_period(slack):
    first, created = _raise()
    again, created_again = _raise(title="Spend reached $520")
    next_month, created_next = _raise(period="2026-12")
    assert (created, created_again, created_next) == (True, False, True)
    assert again.pk == first.pk and again.title == "Spend reached $500"
    assert Alert.objects.count() == 2
    assert AlertDelivery.objects.filter(alert=first).count() == 2  # one per channel, not per raise


def test_the_database_refuses_a_duplicate_alert():
    Alert.objects.create(condition="growth.customers", period="once", title="x")
    with pytest.raises(IntegrityError):
        Alert.objects.create(condition="growth.customers", period="once", title="y")


def test_slack_and_email_deliveries_are_sent_and_recorded(slack):
    alert, _ = _raise()
    for delivery in alert.deliveries.all():
        delivery_attempt(delivery_id=delivery.pk)
    assert slack.received == [{"text": ":warning: *Spend reached $500*\nDetails"}]
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert mail.outbox[0].subject == "[MyHibachi] Spend reached $500"
    assert set(alert.deliveries.values_list("status", "attempts")) == {("sent", 1)}
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2


def test_a_slack_500_is_recorded_retried_with_backoff_then_sent(slack):
    alert, _ = _raise()
    delivery = alert.deliveries.get(channel="slack")
    slack.status = 500
    now = timezone.now()

    failed = delivery_attempt(delivery_id=delivery.pk, now=now)

    assert failed.status == AlertDelivery.Status.FAILED and failed.attempts == 1
    assert "HTTP 500" in failed.last_error
    assert failed.next_attempt_at == now + timedelta(seconds=60)
    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=30)) is None  # backoff not over
    second = delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=61))
    assert second.attempts == 2 and second.next_attempt_at == now + timedelta(seconds=61 + 120)
    slack.status = 200
    sent = delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=200))
    assert sent.status == AlertDelivery.Status.SENT and sent.attempts == 3
    assert list(sent.attempt_log.order_by("at").values_list("ok", flat=True)) == [False, False, True]
    assert len(slack.received) == 3


def test_after_the_last_attempt_the_delivery_gives_up_and_staff_can_retry_it(slack, staff_client):
    alert, _ = _raise()
    delivery = alert.deliveries.get(channel="slack")
    slack.status = 500
    moment = timezone.now()
    for _ in range(3):
        delivery_attempt(delivery_id=delivery.pk, now=moment)
        moment += timedelta(hours=1)
    delivery.refresh_from_db()
    assert delivery.status == AlertDelivery.Status.GAVE_UP and delivery.next_attempt_at is None

    changelist = reverse("admin:monitoring_alertdelivery_changelist")
    page = staff_client.get(changelist, {"status": "gave_up"})
    assert "HTTP 500" in page.content.decode()
    response = staff_client.post(changelist, {"action": "retry_deliveries", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == AlertDelivery.Status.FAILED
    slack.status = 200
    assert delivery_attempt(delivery_id=delivery.pk).status == AlertDelivery.Status.SENT


def test_an_unreachable_webhook_is_a_recorded_failure(settings):
    settings.MONITORING_ALERT_CHANNELS = {
        "slack": {
            "BACKEND": "monitoring.alerting.slack.SlackWebhookChannel",
            "OPTIONS": {"webhook_url": "http://127.0.0.1:9/hook", "timeout": 2},
        },
    }
    alert, _ = _raise()
    failed = delivery_attempt(delivery_id=alert.deliveries.get().pk)
    assert failed.status == AlertDelivery.Status.FAILED and "unreachable" in failed.last_error


def test_the_sweep_requeues_only_deliveries_whose_backoff_passed(slack, django_capture_on_commit_callbacks):
    alert, _ = _raise()
    due, later = alert.deliveries.all()
    now = timezone.now()
    AlertDelivery.objects.filter(pk=due.pk).update(status="failed", next_attempt_at=now - timedelta(seconds=1))
    AlertDelivery.objects.filter(pk=later.pk).update(status="failed", next_attempt_at=now + timedelta(minutes=5))
    assert deliveries_retry_due(now=now) == 1


def test_backoff_doubles():
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_a_channel_without_its_setting_refuses_to_start(settings):
    with pytest.raises(ImproperlyConfigured, match="Slack alerts are not enabled"):
        SlackWebhookChannel(alias="slack", webhook_url="")
    settings.MONITORING_ALERT_CHANNELS = {"pager": {"BACKEND": "nowhere.Pager"}}
    with pytest.raises(ImproperlyConfigured, match="dotted path"):
        get_alert_channel("pager")


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_retried_by_the_celery_worker(slack, settings, celery_worker_thread):
    import time

    settings.MONITORING_ALERT_CHANNELS = {"slack": settings.MONITORING_ALERT_CHANNELS["slack"]}
    settings.MONITORING_ALERT_RETRY_BASE_SECONDS = 0.5
    slack.status = 500
    alert, _ = _raise()  # queued on commit: the worker makes the first attempt
    delivery = alert.deliveries.get()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.attempts >= 1:
            break
        time.sleep(0.1)
    assert delivery.status == AlertDelivery.Status.FAILED
    slack.status = 200  # the task's own retry (after the 0.5 s backoff) succeeds
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == AlertDelivery.Status.SENT:
            break
        time.sleep(0.1)
    assert delivery.status == AlertDelivery.Status.SENT
    assert delivery.attempts >= 2


def test_an_alert_channel_is_built_once_and_rebuilt_when_the_channels_change(settings):
    settings.MONITORING_ALERT_CHANNELS = {"slack": {"BACKEND": "monitoring.alerting.slack.SlackWebhookChannel",
                                                    "OPTIONS": {"webhook_url": "http://127.0.0.1:9/a"}}}
    channel = get_alert_channel("slack")
    assert channel.alias == "slack" and get_alert_channel("slack") is channel
    settings.MONITORING_ALERT_CHANNELS = {"slack": {"BACKEND": "monitoring.alerting.slack.SlackWebhookChannel",
                                                    "OPTIONS": {"webhook_url": "http://127.0.0.1:9/b"}}}
    assert get_alert_channel("slack") is not channel


def test_an_unknown_or_foreign_alert_channel_is_a_configuration_error(settings):
    settings.MONITORING_ALERT_CHANNELS = {"odd": {"BACKEND": "decimal.Decimal"}}
    with pytest.raises(ImproperlyConfigured, match=r"No alert channel 'pager' .*\(known: odd\)"):
        get_alert_channel("pager")
    with pytest.raises(ImproperlyConfigured, match="is not an AlertChannel subclass"):
        get_alert_channel("odd")
