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
    """A signed 64-bit lock key for any string: the first 8 bytes of its MD5 (a spread, not a secret), which
    PostgreSQL computes the same way (`key_sql`), so that a statement can take the lock of a name made from a row's
    column while it reads the row (messaging.services.inbound takes a conversation's answer lock in the statement that
    loads the message)."""
    return int.from_bytes(hashlib.md5(text.encode(), usedforsecurity=False).digest()[:8], "big", signed=True)


def key_sql(text_expression: str) -> str:
    """SQL for key_for() of a text expression: `('x' || <16 hex digits>)::bit(64)::bigint` reads the same 8 bytes
    as a signed 64-bit integer."""
    return f"('x' || substr(md5({text_expression}), 1, 16))::bit(64)::bigint"


@contextmanager
def advisory_lock(name: str, *, wait: float = 0, taken: bool = False):
    """Yields True when the lock was taken (and releases it after), False when another session still holds it after
    `wait` seconds. `taken`: the caller's own statement already took it (see key_sql); only its release is left.

    Waiting polls `pg_try_advisory_lock` instead of a blocking `pg_advisory_lock` under `lock_timeout`: a lock
    timeout is an error, and an error aborts the caller's transaction, while a refused try leaves it usable.
    """
    key = key_for(name)
    deadline = time.monotonic() + wait
    pause = 0.01
    acquired = taken
    with connection.cursor() as cursor:
        while not acquired:
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
