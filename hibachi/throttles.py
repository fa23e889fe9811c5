"""Rate limits and one-time tokens kept in the shared cache (Redis), with a local fallback while Redis is down.

The client's address is REMOTE_ADDR; `X-Forwarded-For` is read only behind TRUSTED_PROXY_COUNT trusted proxies
(DRF's NUM_PROXIES), so a client cannot pick its own bucket by sending the header.

Redis down must not turn a webhook into a 500 before the event is stored: the limits then fail open to an in-process
limiter (per server process, so N processes allow up to N times the rate), and the outage is logged.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

# What the shared cache raises while Redis is unreachable (Django's RedisCache lets redis-py's errors through).
CACHE_DOWN = (RedisError, OSError)

_local = LocMemCache("hibachi-local-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


class FailOpenToLocal:
    """A DRF rate throttle that counts in this process's memory while the shared cache is unreachable."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_DOWN as exc:
            logger.warning("rate limit %s: the cache is unreachable (%s); counting in this process instead",
                           type(self).__name__, exc)
            self.cache = _local
            return super().allow_request(request, view)


class WebhookThrottle(FailOpenToLocal, ScopedRateThrottle):
    pass


class AnonThrottle(FailOpenToLocal, AnonRateThrottle):
    pass


class UserThrottle(FailOpenToLocal, UserRateThrottle):
    pass


def token_claim(*, namespace: str, token: str, owner: str, ttl: int) -> bool:
    """Claim a one-time `token` for `owner` (what it was used for) for `ttl` seconds: True when it is new, or already
    claimed by the same owner (a provider's retry of the same request); False when another owner claimed it (a
    replay with another body). Atomic in Redis (`SET NX`); while Redis is down, kept in this process only (logged)."""
    key = f"once:{namespace}:{token}"
    try:
        return cache.add(key, owner, timeout=ttl) or cache.get(key) == owner
    except CACHE_DOWN as exc:
        logger.warning("one-time token %s: the cache is unreachable (%s); remembered in this process only",
                       namespace, exc)
        return _local.add(key, owner, timeout=ttl) or _local.get(key) == owner
