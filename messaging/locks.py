"""PostgreSQL session advisory locks: one worker at a time per delivery or per conversation being answered, released
by PostgreSQL itself if the worker dies (its connection closes), so a crash never leaves a stale lock behind."""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager

from django.db import connection


class Busy(Exception):
    """Another worker holds the lock for this delivery or conversation right now; try again shortly."""


def key_for(text: str) -> int:
    """A signed 64-bit lock key for any string."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def advisory_lock(name: str, *, wait: float = 0):
    """Yields True when the lock was taken (and releases it after), False when another session still holds it after
    `wait` seconds.

    Waiting polls `pg_try_advisory_lock` instead of a blocking `pg_advisory_lock` under `lock_timeout`: a lock
    timeout is an error, and an error aborts the caller's transaction, while a refused try leaves it usable.
    """
    key = key_for(name)
    deadline = time.monotonic() + wait
    pause = 0.01
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = cursor.fetchone()[0]
            left = deadline - time.monotonic()
            if acquired or left <= 0:
                break
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.2)
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def locks_held(names: list[str]) -> set[str]:
    """The names among `names` whose advisory lock some session holds right now (read from pg_locks, taking nothing:
    the sweeps use it to leave alone work a live worker is doing). A bigint key shows as classid (high 32 bits),
    objid (low 32 bits) and objsubid 1."""
    if not names:
        return set()
    by_parts = {((key_for(name) >> 32) & 0xFFFFFFFF, key_for(name) & 0xFFFFFFFF): name for name in names}
    with connection.cursor() as cursor:
        cursor.execute("SELECT classid::bigint, objid::bigint FROM pg_locks "
                       "WHERE locktype = 'advisory' AND objsubid = 1 AND granted "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        return {by_parts[row] for row in cursor.fetchall() if row in by_parts}
