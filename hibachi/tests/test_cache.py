"""hibachi.cache: Django's Redis cache reusing its redis-py clients, against a real Redis that a test may restart."""

import threading

import pytest
import redis
from django.core.cache import caches

BACKEND = "hibachi.cache.ReusedClientRedisCache"


@pytest.fixture
def reused_cache(settings, throwaway_redis):
    settings.CACHES = {**settings.CACHES, "reused": {"BACKEND": BACKEND, "LOCATION": throwaway_redis["url"],
                                                     "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2}}}
    cache = caches["reused"]
    yield cache
    cache.close()


def test_the_settings_name_the_reusing_backend(settings):
    assert settings.CACHES["default"]["BACKEND"] == BACKEND


def test_every_call_gets_the_same_client_for_the_same_pool(reused_cache):
    client = reused_cache._cache.get_client()

    assert reused_cache._cache.get_client() is client
    assert reused_cache._cache.get_client(write=True) is reused_cache._cache.get_client(write=True)


def test_values_round_trip_as_with_djangos_backend(reused_cache):
    reused_cache.set("greeting", {"text": "hi", "n": 3}, timeout=30)

    assert reused_cache.get("greeting") == {"text": "hi", "n": 3}
    assert reused_cache.add("counter", 1) is True
    assert reused_cache.add("counter", 5) is False
    assert reused_cache.incr("counter") == 2


def test_threads_sharing_the_client_each_read_their_own_values(reused_cache):
    errors = []

    def work(number):
        try:
            for step in range(50):
                reused_cache.set(f"thread-{number}", step)
                assert reused_cache.get(f"thread-{number}") == step
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [reused_cache.get(f"thread-{n}") for n in range(8)] == [49] * 8


def test_a_kept_client_raises_while_redis_is_down_and_works_once_it_is_back(reused_cache, throwaway_redis):
    reused_cache.set("before", 1)
    throwaway_redis["process"].kill()
    throwaway_redis["process"].wait()

    with pytest.raises(redis.ConnectionError):
        reused_cache.get("before")

    throwaway_redis["restart"]()
    reused_cache.set("after", 2)
    assert reused_cache.get("after") == 2
    assert reused_cache.get("before") is None   # a fresh server: nothing of the old one
