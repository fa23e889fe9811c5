"""Who may read the system's internals (/metrics, /healthz's details): logged-in staff, a caller presenting
METRICS_TOKEN as a bearer token, or - for /metrics only - a direct connection from METRICS_ALLOWED_CIDRS.

The address allow-list has no default network: behind a reverse proxy on the same host every request arrives from
127.0.0.1, so trusting loopback would make the metrics public. For the same reason an allowed address counts only
for a request that did not come through a proxy (no Forwarded / X-Forwarded-For / X-Real-IP header).
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings

_PROXY_HEADERS = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP")


def caller_is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def caller_has_metrics_token(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def caller_from_allowed_network(request) -> bool:
    if any(request.META.get(header) for header in _PROXY_HEADERS):
        return False
    try:
        ip = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in settings.METRICS_ALLOWED_CIDRS)


def caller_may_see_internals(request) -> bool:
    """Staff or the metrics token: what /healthz's details need (the address allow-list is not enough there)."""
    return caller_is_staff(request) or caller_has_metrics_token(request)
