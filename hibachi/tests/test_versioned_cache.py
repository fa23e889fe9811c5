"""The per-process caches of rarely-changing tables: read once, invalidated at once in every process by a version
key in the cache (Redis), never left holding rows that a rollback undid."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import PriceItem
from bookings.selectors import PRICE_ROWS, price_rows
from bookings.services import price_item_upsert
from hibachi.versioned_cache import VersionedCache


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
