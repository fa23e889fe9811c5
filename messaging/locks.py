"""PostgreSQL session advisory locks: one worker at a time per delivery or per inbound message, released by
PostgreSQL itself if the worker dies (its connection closes), so a crash never leaves a stale lock behind."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from django.db import connection


def key_for(text: str) -> int:
    """A signed 64-bit lock key for any string."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def advisory_lock(name: str):
    """Yields True when the lock was taken (and releases it after), False when another session holds it."""
    key = key_for(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
