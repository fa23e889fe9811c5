"""Web chat abuse limits: messages per visitor and per client address, sockets and new visitors per address.

Fixed windows counted in the shared cache (Redis: `SET NX EX` then `INCR` in one MULTI block, atomic across
processes; a message's two limits are one round trip). While Redis is down they fail open to a counter in this
process (like hibachi.throttles): the chat keeps working, each process allowing the full rate. Rates are "N/period"
strings from settings (period: s, min, h or day).

The client address is the connection's own (REMOTE_ADDR, the ASGI scope's client); `X-Forwarded-For` is read only
behind TRUSTED_PROXY_COUNT trusted proxies (DRF's NUM_PROXIES), the Nth entry from the right, so a client cannot
choose its bucket by sending the header.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from hibachi.throttles import CACHE_DOWN

logger = logging.getLogger(__name__)

_local = LocMemCache("hibachi-webchat-limits", {"OPTIONS": {"MAX_ENTRIES": 10000}})
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when not allowed


def parse_rate(rate: str) -> tuple[int, int]:
    """"20/min" -> (20, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


def limit_hit(*, name: str, key: str, rate: str) -> Verdict:
    """Count one hit of `key` against the limit `name` and say whether it is within `rate`."""
    [verdict] = limits_hit([(name, key, rate)])
    return verdict


def limits_hit(hits: list[tuple[str, str, str]]) -> list[Verdict]:
    """Count one hit against each (name, key, rate) and say, for each, whether it is within its rate.

    On Redis all of them are one round trip: a MULTI block of `SET key 0 EX ttl NX` then `INCR key` per limit (the
    block runs whole, so no key is ever incremented without its expiry). Any other cache takes Django's `add` and
    `incr`, two calls a limit; while the cache is down, a counter in this process counts."""
    windows = []
    now = time.time()
    for name, key, rate in hits:
        allowed, duration = parse_rate(rate)
        window = int(now // duration)
        windows.append((f"limit:{name}:{key}:{window}", allowed, duration,
                        max(1, int((window + 1) * duration - now))))
    shared = caches["default"]
    try:
        counts = _counts_redis(shared, windows) if isinstance(shared, RedisCache) else [_count(shared, w)
                                                                                       for w in windows]
    except CACHE_DOWN as exc:
        logger.warning("web chat limits %s: the cache is unreachable (%s); counting in this process instead",
                       ", ".join(name for name, _, _ in hits), exc)
        counts = [_count(_local, w) for w in windows]
    return [Verdict(allowed=count <= allowed, retry_after=0 if count <= allowed else retry_after)
            for count, (_, allowed, _, retry_after) in zip(counts, windows, strict=True)]


def _count(store, window) -> int:
    cache_key, _, duration, _ = window
    store.add(cache_key, 0, timeout=duration + 1)
    try:
        return store.incr(cache_key)
    except ValueError:  # the key expired between ADD and INCR: this is the window's first hit
        return 1


def _counts_redis(shared: RedisCache, windows) -> list[int]:
    client = shared._cache.get_client(write=True)
    with client.pipeline(transaction=True) as pipe:
        for cache_key, _, duration, _ in windows:
            redis_key = shared.make_and_validate_key(cache_key)
            pipe.set(redis_key, 0, ex=duration + 1, nx=True)
            pipe.incr(redis_key)
        results = pipe.execute()
    return [int(count) for count in results[1::2]]


def client_address(*, remote_addr: str | None, forwarded_for: str | None) -> str:
    """The address the outermost trusted proxy saw, or the connection's own address."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    if proxies and forwarded_for:
        addresses = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return remote_addr or "unknown"


def request_address(request) -> str:
    return client_address(remote_addr=request.META.get("REMOTE_ADDR"),
                          forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"))


def scope_address(scope) -> str:
    headers = dict(scope.get("headers") or [])
    forwarded = headers.get(b"x-forwarded-for")
    client = scope.get("client") or (None, None)
    return client_address(remote_addr=client[0], forwarded_for=forwarded.decode("latin-1") if forwarded else None)


def new_visitor_allowed(*, address: str) -> Verdict:
    return limit_hit(name="new-visitor", key=address, rate=settings.WEBCHAT_NEW_VISITORS_PER_ADDRESS)


def socket_allowed(*, address: str) -> Verdict:
    return limit_hit(name="socket", key=address, rate=settings.WEBCHAT_SOCKETS_PER_ADDRESS)


def message_allowed(*, visitor_id: str, address: str) -> Verdict:
    """Both limits count every message (one round trip to Redis); the stricter verdict wins."""
    by_visitor, by_address = limits_hit([("message-visitor", visitor_id, settings.WEBCHAT_MESSAGES_PER_VISITOR),
                                         ("message-address", address, settings.WEBCHAT_MESSAGES_PER_ADDRESS)])
    if by_visitor.allowed and by_address.allowed:
        return by_visitor
    return Verdict(allowed=False, retry_after=max(by_visitor.retry_after, by_address.retry_after))
