"""Prometheus metrics: request latency (middleware), and model calls, cost, escalations and Celery queue depth read
from the database and the broker at scrape time. Served at /metrics to staff, to a scraper presenting METRICS_TOKEN,
or to a direct connection from METRICS_ALLOWED_CIDRS (monitoring/access.py)."""

from __future__ import annotations

import logging
import time

import redis
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from agents.models import ModelCall
from conversations.models import Escalation

from .access import caller_from_allowed_network, caller_may_see_internals

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "hibachi_http_request_duration_seconds",
    "Time to answer an HTTP request, by view name, method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class RequestLatencyMiddleware:
    """Observes every request's duration, labelled by the resolved view name (bounded label values).

    Sync and async capable, so under ASGI it adds no thread hop in front of async views.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        _observe(request, response, started)
        return response


def _observe(request, response, started: float) -> None:
    match = getattr(request, "resolver_match", None)
    view = (match.view_name or match._func_path) if match else "<unresolved>"
    REQUEST_LATENCY.labels(view=view, method=request.method, status=str(response.status_code)).observe(
        time.perf_counter() - started
    )


class HibachiCollector:
    """Figures read at scrape time, so every process (web, worker) reports the same totals."""

    def describe(self):
        """Names only, so registering does not query the database (prometheus-client would call collect())."""
        yield CounterMetricFamily("hibachi_model_calls", "", labels=["provider", "model", "route", "ok"])
        yield CounterMetricFamily("hibachi_model_cost_usd", "", labels=["provider", "model"])
        yield CounterMetricFamily("hibachi_escalations", "")
        yield GaugeMetricFamily("hibachi_escalations_open", "")
        yield GaugeMetricFamily("hibachi_celery_queue_length", "", labels=["queue"])

    def collect(self):
        calls = CounterMetricFamily(
            "hibachi_model_calls",
            "Model calls recorded, by provider, model, route and outcome.",
            labels=["provider", "model", "route", "ok"],
        )
        cost = CounterMetricFamily(
            "hibachi_model_cost_usd", "Spend on model calls in US dollars.", labels=["provider", "model"]
        )
        spend: dict[tuple[str, str], float] = {}
        for row in ModelCall.objects.values("provider", "model", "route", "ok").annotate(
            n=Count("id"), c=Sum("cost_usd")
        ):
            calls.add_metric([row["provider"], row["model"], row["route"], str(row["ok"]).lower()], row["n"])
            key = (row["provider"], row["model"])
            spend[key] = spend.get(key, 0.0) + float(row["c"] or 0)
        for (provider, model), value in spend.items():
            cost.add_metric([provider, model], value)
        yield calls
        yield cost

        counts = Escalation.objects.aggregate(total=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True)))
        escalations = CounterMetricFamily("hibachi_escalations", "Escalations to a human, ever.")
        escalations.add_metric([], counts["total"])
        yield escalations
        open_escalations = GaugeMetricFamily("hibachi_escalations_open", "Escalations not resolved yet.")
        open_escalations.add_metric([], counts["open"])
        yield open_escalations

        depth = GaugeMetricFamily(
            "hibachi_celery_queue_length", "Tasks waiting in a Celery queue (Redis LLEN).", labels=["queue"]
        )
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            for queue in settings.MONITORING_CELERY_QUEUES:
                depth.add_metric([queue], client.llen(queue))
        except redis.RedisError as exc:
            logger.warning("Celery queue depth unavailable: %s", exc)
        finally:
            client.close()
        yield depth


_collector = HibachiCollector()
if _collector not in getattr(REGISTRY, "_collector_to_names", {}):
    REGISTRY.register(_collector)


def metrics_view(request):
    """Prometheus text format; 403 unless staff, the bearer METRICS_TOKEN, or a direct METRICS_ALLOWED_CIDRS caller."""
    if not (caller_may_see_internals(request) or caller_from_allowed_network(request)):
        return HttpResponseForbidden(
            "Metrics need staff login, the METRICS_TOKEN bearer token or a direct connection from "
            "METRICS_ALLOWED_CIDRS.\n",
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
