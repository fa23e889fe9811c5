"""Per-process caches of tables that rarely change (the price list, the assistant settings, the experiments, the
current model versions), invalidated at once in every process by a version key in Django's cache (Redis).

Every reply read these rows afresh: four to six statements of the ~20 a reply ran. Each cache keeps its value in the
process with the version it was read under; a read costs one Redis GET of the version, and only a changed version
reads the table again. A write bumps the version twice: at once (a test's transaction never commits, and this
process's next read must see its own write) and again after its transaction commits. The second bump is what makes it
correct across processes: a process that read the old rows between the first bump and the commit cached them under
the first bump's version, which the second replaces. Reads take the version BEFORE the rows, so a value is never
cached under a version newer than what it shows. A thread that wrote the rows in a transaction still open does not
cache what it reads until that transaction commits: a rollback would leave it holding rows that never were.

The writes are caught where they happen: `post_save` / `post_delete` for single rows (admin, services) and a queryset
whose `update()`, `delete()`, `bulk_create()` and `bulk_update()` bump too (`VersionedQuerySet`), so a staff edit in the
admin, a service and a bulk fix in a shell all invalidate. Redis down: the reads go to the database, uncached.

A cache read many times per reply (the reply templates, the business hours) can ask for the version at most once per
`recheck_seconds` (each GET is a Redis round trip, ~0.6 ms): another process's write is then seen within that time,
this process's own write at once (invalidate() drops the copy).

A unit of work that reads several caches (one reply: the price list, the experiments, the assistant settings, the
correction memory's count...) runs inside `versions_pinned()`: every registered cache's version is fetched in one
MGET when the block starts, and each cache read in the block uses that version instead of a GET of its own (one round
trip instead of five or six per reply). The reply also sees one consistent set: a write by another process during it
is used from the next reply on; a write by the block's own thread is seen at once, as outside a block.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

_registry: dict[str, "VersionedCache"] = {}
_pinned = threading.local()   # .versions: {version key: version} inside versions_pinned(), else None


@contextmanager
def versions_pinned() -> Iterator[None]:
    """Read every registered cache's version once, in one round trip, for the block (see the module docstring).
    Nested blocks use the outer block's versions; with the cache unreachable, each read falls back as it would
    outside a block."""
    if getattr(_pinned, "versions", None) is not None:
        yield
        return
    try:
        versions = cache.get_many([versioned.key for versioned in _registry.values()])
    except Exception:  # noqa: BLE001 - redis-py raises many kinds; get() then asks on its own (and falls back)
        logger.warning("versioned caches: the cache is unreachable; each read asks for its version")
        versions = {}
    _pinned.versions = versions
    try:
        yield
    finally:
        _pinned.versions = None


class VersionedCache:
    """`load()`'s value, cached in this process until `invalidate()` (any process's) bumps the version."""

    def __init__(self, name: str, load: Callable[[], Any], *, register: bool = True,
                 recheck_seconds: Callable[[], float] | None = None):
        self.name = name
        self.load = load
        self.key = f"versioned-cache:{name}:version"
        self.recheck_seconds = recheck_seconds   # None: ask for the version at every read
        # (version, value, when the version was read); replaced whole, so threads never see half
        self._entry: tuple[str, Any, float] | None = None
        self._writing = threading.local()   # .open: this thread wrote the rows in a transaction not yet committed
        if register:   # (a test's stand-in for another process's copy is not)
            _registry[name] = self

    def get(self) -> Any:
        entry, now = self._entry, time.monotonic()
        if (entry is not None and self.recheck_seconds is not None and now - entry[2] < self.recheck_seconds()
                and not getattr(self._writing, "open", False)):
            return entry[1]
        pinned = getattr(_pinned, "versions", None)
        try:
            version = pinned.get(self.key) if pinned is not None else None
            if version is None:
                version = cache.get(self.key)
            if version is None:   # first use, or the cache was flushed: every process reads the table again
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.key)
            if pinned is not None:
                pinned[self.key] = version
        except Exception:  # noqa: BLE001 - redis-py raises many kinds; the database still answers
            logger.warning("versioned cache %r: the cache is unreachable, reading the table", self.name)
            return self.load()
        if getattr(self._writing, "open", False):
            if transaction.get_connection().in_atomic_block:
                return self.load()   # this thread's own uncommitted write: read it, cache nothing
            self._writing.open = False   # the transaction ended without commit (a rollback): nothing was cached
        entry = self._entry
        if entry is not None and entry[0] == version:
            self._entry = (version, entry[1], now)
            return entry[1]
        value = self.load()
        self._entry = (version, value, now)
        return value

    def invalidate(self) -> None:
        """Bump the version now and again when the current transaction commits (see the module docstring)."""
        self._bump()
        self._entry = None
        pinned = getattr(_pinned, "versions", None)
        if pinned is not None:   # this thread's own write: its next read asks for the new version
            pinned.pop(self.key, None)
        if transaction.get_connection().in_atomic_block:
            self._writing.open = True
            transaction.on_commit(self._committed)

    def _committed(self) -> None:
        self._writing.open = False
        self._bump()

    def forget(self) -> None:
        """Drop this process's copy only (tests start each case from the database)."""
        self._entry = None
        self._writing.open = False

    def _bump(self) -> None:
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001
            logger.exception("versioned cache %r: could not bump the version; other processes may read stale rows "
                             "until the cache answers again", self.name)


def versioned_caches_forget() -> None:
    """Drop every cache's copy in this process."""
    for versioned in _registry.values():
        versioned.forget()


class VersionedQuerySet(models.QuerySet):
    """A queryset whose bulk writes invalidate the caches its model feeds (`invalidate_on_write`)."""

    def _invalidate(self) -> None:
        for versioned in getattr(self.model, "_versioned_caches", ()):
            versioned.invalidate()

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        self._invalidate()
        return rows

    def delete(self):
        result = super().delete()
        self._invalidate()
        return result

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        self._invalidate()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        self._invalidate()
        return rows


def invalidate_on_write(model: type[models.Model], *caches: VersionedCache) -> None:
    """Every write of `model`'s rows invalidates `caches`: a saved or deleted row (signals) and, when the model's
    manager is a VersionedQuerySet's, its bulk writes."""
    model._versioned_caches = (*getattr(model, "_versioned_caches", ()), *caches)

    def on_write(sender, **kwargs):
        for versioned in caches:
            versioned.invalidate()

    uid = f"versioned-cache:{model._meta.label}:{','.join(versioned.name for versioned in caches)}"
    post_save.connect(on_write, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(on_write, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
