"""The per-process caches of rarely-changing tables: read once, invalidated at once in every process by a version
key in the cache (Redis), never left holding rows that a rollback undid."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import PriceItem
from bookings.selectors import PRICE_ROWS, price_rows
from bookings.services import price_item_upsert
from hibachi.versioned_cache import VersionedCache, versions_pinned


def other_process_cache() -> VersionedCache:
    """What another worker holds: its own copy, the same version key in Redis."""
    return VersionedCache("bookings.price_rows", PRICE_ROWS.load, register=False)


def adult_price():
    return price_rows()["adult"].unit_price


@pytest.fixture
def adult(db):
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)


@pytest.mark.django_db(transaction=True)
def test_the_price_list_is_read_once_then_served_from_the_process():
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    assert adult_price() == 55
    with CaptureQueriesContext(connection) as captured:
        assert adult_price() == 55
    assert len(captured) == 0


@pytest.mark.django_db(transaction=True)
def test_a_write_in_another_process_is_seen_at_once():
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    assert adult_price() == 55
    # Another worker changes the row (here without this process's signals: a raw UPDATE) and bumps the version.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bookings_priceitem SET unit_price = 61 WHERE code = 'adult'")
    assert adult_price() == 55          # nothing told this process yet: its copy stands
    other = other_process_cache()
    other.invalidate()
    assert adult_price() == 61


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_is_not_cached():
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    assert adult_price() == 55
    with pytest.raises(RuntimeError), transaction.atomic():
        price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=70)
        assert adult_price() == 70      # the writer reads its own write...
        raise RuntimeError("rolled back")
    assert adult_price() == 55          # ...and nobody keeps it after the rollback


@pytest.mark.django_db(transaction=True)
def test_the_second_bump_after_commit_replaces_a_copy_read_before_the_commit():
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    other = other_process_cache()

    def other_reads():   # on its own connection, as another worker would
        result = []
        thread = threading.Thread(target=lambda: (result.append(other.get()["adult"].unit_price),
                                                  connections.close_all()))
        thread.start()
        thread.join()
        return result[0]

    assert other_reads() == 55
    with transaction.atomic():
        price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=65)
        # Another worker reads between the first bump and the commit: the old row, under the new version.
        assert other_reads() == 55
    assert other_reads() == 65   # the bump on commit made it read again


def test_without_the_cache_server_the_table_is_read(adult, settings):
    settings.CACHES = {"default": {"BACKEND": "hibachi.cache.ReusedClientRedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",   # nothing listens there
                                   "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}}}
    assert adult_price() == 55
    PriceItem.objects.filter(code="adult").update(unit_price=58)
    assert adult_price() == 58


class CacheCalls:
    """Counts the shared cache's round trips (GET and MGET) made through `django.core.cache.cache`."""

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls = []
        backend = caches["default"]
        for name in ("get", "get_many"):
            original = getattr(backend, name)
            monkeypatch.setattr(backend, name, self._counting(name, original))

    def _counting(self, name, original):
        def call(*args, **kwargs):
            self.calls.append(name)
            return original(*args, **kwargs)
        return call


@pytest.mark.django_db(transaction=True)
def test_a_pinned_block_asks_for_every_version_in_one_round_trip(monkeypatch):
    from agents.providers.rollout import assistant_settings_current
    from learning.selectors import experiments_live

    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    adult_price(), experiments_live(), assistant_settings_current()   # cached in the process
    counted = CacheCalls(monkeypatch)
    with versions_pinned():
        for _ in range(3):
            adult_price(), experiments_live(), assistant_settings_current()
    assert counted.calls == ["get_many"]
    adult_price(), experiments_live()   # outside a block: a GET each, as before
    assert counted.calls == ["get_many", "get", "get"]


def another_worker_writes(unit_price):
    """Another worker's raw UPDATE and its version bump, on a thread of its own (its own connection, outside this
    thread's block)."""
    def write():
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE bookings_priceitem SET unit_price = %s WHERE code = 'adult'", [unit_price])
        other_process_cache().invalidate()
        connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


@pytest.mark.django_db(transaction=True)
def test_inside_a_block_another_process_write_waits_for_the_next_block_and_the_own_write_does_not():
    price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=55)
    assert adult_price() == 55
    with versions_pinned():
        assert adult_price() == 55
        another_worker_writes(61)
        assert adult_price() == 55   # one reply sees one price list
        price_item_upsert(code="adult", name="Adult", kind=PriceItem.Kind.PER_PERSON, unit_price=63)
        assert adult_price() == 63   # its own write: at once
    another_worker_writes(64)
    with versions_pinned():
        assert adult_price() == 64   # the next block sees the other process's write


def test_a_pinned_block_without_the_cache_server_reads_the_tables(adult, settings):
    settings.CACHES = {"default": {"BACKEND": "hibachi.cache.ReusedClientRedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",   # nothing listens there
                                   "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}}}
    with versions_pinned():
        assert adult_price() == 55
        PriceItem.objects.filter(code="adult").update(unit_price=58)
        assert adult_price() == 58
