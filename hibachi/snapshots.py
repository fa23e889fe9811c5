"""`VersionedSnapshot`: a small table read on every reply and changed rarely by staff (business hours, reply
templates), kept in each process and reloaded only when its version in Django's cache changes.

A reply must not pay a SQL query for these (another process may have changed them, so a plain in-process cache would
serve stale rows). The version is a random token in the shared cache: a save bumps it after its transaction commits,
and every process notices at its next read (one cache GET, no SQL) and reloads once. The GET itself is made at most
once per SETTINGS_SNAPSHOT_RECHECK_SECONDS (a reply renders several wordings; each GET is a Redis round trip), so
another process's change is seen within that time, and the process's own change at once. When the cache is
unreachable the table is read from the database each time: slower, never stale.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Callable, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


class VersionedSnapshot(Generic[T]):
    def __init__(self, *, key: str, load: Callable[[], T]):
        self.key = key
        self.load = load
        # (version, value, when the version was last read), replaced as one object: safe across threads.
        self._held: tuple[str, T, float] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        held, now = self._held, time.monotonic()
        if held is not None and now - held[2] < settings.SETTINGS_SNAPSHOT_RECHECK_SECONDS:
            return held[1]
        try:
            version = cache.get(self.key)
            if version is None:   # first use, or the cache was flushed: start a version every process agrees on
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.key)
        except Exception as exc:
            logger.warning("Cache unreachable for %s (%s); reading the database", self.key, exc)
            return self.load()
        if held is not None and held[0] == version:
            self._held = (version, held[1], now)
            return held[1]
        with self._lock:
            value = self.load()   # loaded after the version was read: a change committed meanwhile bumps it again
            self._held = (version, value, now)
        return value

    def invalidate(self) -> None:
        """Make every process reload at its next read. Call it after the change commits (transaction.on_commit)."""
        self._held = None
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception as exc:
            logger.warning("Cache unreachable: %s not invalidated in other processes (%s)", self.key, exc)
