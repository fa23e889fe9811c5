"""Reads about the running system: the health of each service the product depends on."""

from __future__ import annotations

import threading
import time

import redis
from celery import current_app
from django.conf import settings
from django.db import connection


def _database_and_pgvector() -> tuple[dict, dict]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except Exception as exc:  # any driver error means the database is unusable for this request
        return {"ok": False, "error": str(exc).strip()[:200]}, {"ok": False, "error": "database unavailable"}
    database = {"ok": True, "vendor": connection.vendor, "server_version": connection.pg_version}
    if row is None:
        return database, {"ok": False, "error": "the vector extension is not installed"}
    return database, {"ok": True, "version": row[0]}


def _redis() -> dict:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
        return {"ok": True}
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)[:200]}
    finally:
        client.close()


def _celery_workers() -> dict:
    """Ping the workers through the project's Celery app (hibachi/celery.py makes it the current app)."""
    try:
        with current_app.connection_for_write(settings.REDIS_URL) as conn:
            replies = current_app.control.broadcast(
                "ping", reply=True, limit=1, timeout=settings.HEALTHZ_CELERY_TIMEOUT, connection=conn
            )
    except Exception as exc:  # broker unreachable: kombu raises several unrelated types
        return {"ok": False, "error": f"broker unreachable: {str(exc)[:160]}"}
    if not replies:
        return {"ok": False, "error": "no Celery worker answered a ping"}
    return {"ok": True, "workers": sorted(name for reply in replies for name in reply)}


_last_ping: dict = {}
_last_ping_lock = threading.Lock()


def _celery_workers_recent(*, fresh: bool) -> dict:
    """The Celery ping, reused for HEALTHZ_CELERY_CACHE_SECONDS unless `fresh`: a broadcast waits up to
    HEALTHZ_CELERY_TIMEOUT for every worker, so a public, frequently polled endpoint must not send one per hit."""
    now = time.monotonic()
    key = settings.REDIS_URL
    with _last_ping_lock:
        cached = _last_ping.get(key)
    if not fresh and cached and now - cached[0] < settings.HEALTHZ_CELERY_CACHE_SECONDS:
        return cached[1]
    state = _celery_workers()
    with _last_ping_lock:
        _last_ping[key] = (time.monotonic(), state)
    return state


def system_health(*, fresh: bool = True) -> dict:
    """State of the database, the pgvector extension, Redis and the Celery workers (the Celery ping may be a few
    seconds old unless `fresh`)."""
    database, pgvector = _database_and_pgvector()
    redis_state = _redis()
    workers = (_celery_workers_recent(fresh=fresh) if redis_state["ok"]
               else {"ok": False, "error": "Redis (the broker) is down"})
    checks = {"database": database, "pgvector": pgvector, "redis": redis_state, "celery": workers}
    failing = [name for name, state in checks.items() if not state["ok"]]
    return {"status": "ok" if not failing else "fail", "failing": failing, "checks": checks}
