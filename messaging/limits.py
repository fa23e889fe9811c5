"""Web chat abuse limits: messages per visitor and per client address, sockets and new visitors per address.

Fixed windows counted in the shared cache (Redis: `ADD` then `INCR`, atomic across processes). While Redis is down
they fail open to a counter in this process (like hibachi.throttles): the chat keeps working, each process allowing
the full rate. Rates are "N/period" strings from settings (period: s, min, h or day).

The client address is the connection's own (REMOTE_ADDR, the ASGI scope's client); `X-Forwarded-For` is read only
behind TRUSTED_PROXY_COUNT trusted proxies (DRF's NUM_PROXIES), the Nth entry from the right, so a client cannot
choose its bucket by sending the header.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

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
    allowed, duration = parse_rate(rate)
    window = int(time.time() // duration)
    cache_key = f"limit:{name}:{key}:{window}"
    retry_after = max(1, int((window + 1) * duration - time.time()))
    try:
        cache.add(cache_key, 0, timeout=duration + 1)
        count = cache.incr(cache_key)
    except CACHE_DOWN as exc:
        logger.warning("web chat limit %s: the cache is unreachable (%s); counting in this process instead", name, exc)
        _local.add(cache_key, 0, timeout=duration + 1)
        count = _local.incr(cache_key)
    except ValueError:  # the key expired between ADD and INCR: this is the window's first hit
        count = 1
    return Verdict(allowed=count <= allowed, retry_after=0 if count <= allowed else retry_after)


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
    """Both limits count every message; the stricter verdict wins."""
    by_visitor = limit_hit(name="message-visitor", key=visitor_id, rate=settings.WEBCHAT_MESSAGES_PER_VISITOR)
    by_address = limit_hit(name="message-address", key=address, rate=settings.WEBCHAT_MESSAGES_PER_ADDRESS)
    if by_visitor.allowed and by_address.allowed:
        return by_visitor
    return Verdict(allowed=False, retry_after=max(by_visitor.retry_after, by_address.retry_after))
