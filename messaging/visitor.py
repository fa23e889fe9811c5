"""The web chat visitor: a random id in a signed cookie (django.core.signing), set by the public page `/`."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core import signing

SALT = "messaging.webchat.visitor"
_VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


def new_visitor_id() -> str:
    return uuid.uuid4().hex


def _signer():
    # A timestamped signer under SECRET_KEY (and its fallbacks), like Django's signed cookies.
    return signing.get_cookie_signer(salt=SALT)


def sign_visitor(visitor_id: str) -> str:
    return _signer().sign(visitor_id)


def visitor_from_cookie_value(value: str | None) -> str | None:
    """The visitor id in a signed cookie value, or None when absent, forged, expired or malformed."""
    if not value:
        return None
    try:
        visitor_id = _signer().unsign(value, max_age=settings.WEBCHAT_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    return visitor_id if _VISITOR_ID.match(visitor_id) else None


def visitor_from_request(request) -> str | None:
    return visitor_from_cookie_value(request.COOKIES.get(settings.WEBCHAT_COOKIE_NAME))


def set_visitor_cookie(response, visitor_id: str) -> None:
    response.set_cookie(
        settings.WEBCHAT_COOKIE_NAME, sign_visitor(visitor_id), max_age=settings.WEBCHAT_COOKIE_MAX_AGE,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
    )
