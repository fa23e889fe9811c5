"""Provider authenticity checks. Each returns None when the request is genuine, else (HTTP status, reason):
401 when the credential is missing, 403 when it is wrong (or the endpoint is not configured)."""

from __future__ import annotations

import hashlib
import hmac
import time


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of bytes: `hmac.compare_digest` raises TypeError on a str that is not ASCII, and a
    header or form field can carry any character (a forged one is then a 403, not a 500)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def _configured(secret: str | None, setting: str) -> tuple[int, str] | None:
    if not secret:
        return 403, f"This webhook is not configured ({setting} is empty): every request is refused."
    return None


def ringcentral_verification(header: str | None, expected: str | None) -> tuple[int, str] | None:
    """RingCentral sends the subscription's `verificationToken` in the `Verification-Token` header."""
    if problem := _configured(expected, "RINGCENTRAL_VERIFICATION_TOKEN"):
        return problem
    if not header:
        return 401, "The Verification-Token header is missing."
    if not _same(header, expected):
        return 403, "The Verification-Token header does not match."
    return None


def mailgun_signature(data, signing_key: str | None, *, max_age: int, now: float | None = None):
    """Mailgun signs `timestamp + token` with HMAC-SHA256 under the webhook signing key (hex in `signature`)."""
    if problem := _configured(signing_key, "MAILGUN_WEBHOOK_SIGNING_KEY"):
        return problem
    timestamp, token, signature = (str(data.get(k) or "") for k in ("timestamp", "token", "signature"))
    if not (timestamp and token and signature):
        return 401, "The Mailgun signature fields (timestamp, token, signature) are missing."
    expected = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not _same(signature.lower(), expected):
        return 403, "The Mailgun signature does not match."
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return 403, "The Mailgun timestamp is not a number."
    if age > max_age:
        return 403, f"The Mailgun signature is {int(age)} s old (more than {max_age} s): refused as a replay."
    return None


def meta_signature(header: str | None, raw_body: bytes, app_secret: str | None):
    """Meta signs the raw body with HMAC-SHA256 under the app secret: `X-Hub-Signature-256: sha256=<hex>`."""
    if problem := _configured(app_secret, "META_APP_SECRET"):
        return problem
    if not header:
        return 401, "The X-Hub-Signature-256 header is missing."
    scheme, _, digest = header.partition("=")
    if scheme != "sha256" or not digest:
        return 403, "The X-Hub-Signature-256 header is not of the form sha256=<hex>."
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    if not _same(digest.lower(), expected):
        return 403, "The X-Hub-Signature-256 signature does not match the body."
    return None


def meta_verify_token(params, expected: str | None):
    if problem := _configured(expected, "META_VERIFY_TOKEN"):
        return problem
    if params.get("hub.mode") != "subscribe":
        return 403, "hub.mode must be 'subscribe'."
    token = params.get("hub.verify_token") or ""
    if not token:
        return 401, "hub.verify_token is missing."
    if not _same(token, expected):
        return 403, "hub.verify_token does not match."
    return None
