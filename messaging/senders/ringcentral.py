"""SMS (and voice follow-ups) through RingCentral's REST API, with an OAuth 2.0 JWT-grant token kept in the cache.

Token: ``POST {server}/restapi/oauth/token`` (HTTP Basic client id/secret,
``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>``); SMS:
``POST {server}/restapi/v1.0/account/~/extension/~/sms`` with ``{"from": {"phoneNumber"}, "to": [{"phoneNumber"}],
"text"}``. A 401 drops the cached token and retries once with a new one; 429 and 5xx are retried by the task (429
after ``Retry-After``); other 4xx are permanent.
"""

from __future__ import annotations

import hashlib

import httpx
from django.core.cache import cache
from django.core.exceptions import ValidationError

from conversations.models import Channel
from conversations.services import normalize_phone

from ..models import WebhookEvent
from .base import DeliveryError, SendResult, Sender
from .context import inbound_event_for

SMS_MAX_CHARS = 1000  # RingCentral's limit for one SMS request


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return body.get("message") or body.get("error_description") or str(body)[:300]


def _e164(number: str | None) -> str | None:
    try:
        return normalize_phone(number)
    except ValidationError:
        return number


class RingCentralSmsSender(Sender):
    """OPTIONS: server_url, client_id, client_secret, jwt, from_number (used when the customer's message did not say
    which of our numbers it went to), timeout (seconds)."""

    def _cache_key(self) -> str:
        ident = f"{self.option('server_url')}|{self.option('client_id')}"
        return "messaging:ringcentral:token:" + hashlib.sha256(ident.encode()).hexdigest()[:16]

    def _token(self, client: httpx.Client, *, fresh: bool = False) -> str:
        key = self._cache_key()
        token = None if fresh else cache.get(key)
        if token:
            return token
        try:
            response = client.post(
                f"{self.option('server_url').rstrip('/')}/restapi/oauth/token",
                auth=(self.option("client_id"), self.option("client_secret")),
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": self.option("jwt")},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"RingCentral token request failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (400, 401, 403):
            raise DeliveryError(f"RingCentral refused the credentials ({response.status_code}): "
                                f"{_error_text(response)}", permanent=True)
        if response.status_code != 200:
            raise DeliveryError(f"RingCentral token request answered {response.status_code}: {_error_text(response)}",
                                retry_after=_retry_after(response))
        body = response.json()
        token = body["access_token"]
        cache.set(key, token, max(int(body.get("expires_in", 3600)) - 60, 30))
        return token

    def addresses(self, message) -> tuple[str, str]:
        """(customer's number, our number) for a reply on this conversation."""
        event = inbound_event_for(message, WebhookEvent.Provider.RINGCENTRAL)
        to_number = from_number = None
        if event is not None:
            body = event.payload.get("body", {})
            if event.channel == Channel.VOICE:
                party = next(iter(body.get("parties") or []), {})
                to_number = (party.get("from") or {}).get("phoneNumber")
                from_number = (party.get("to") or {}).get("phoneNumber")
            else:
                to_number = (body.get("from") or {}).get("phoneNumber")
                from_number = next(iter(body.get("to") or []), {}).get("phoneNumber")
        to_number = _e164(to_number) or message.conversation.customer.phone
        if not to_number:
            raise DeliveryError("The customer has no phone number to text.", permanent=True)
        return to_number, self.options.get("from_number") or from_number or self.option("from_number")

    def text_for(self, message) -> str:
        return message.text

    def send_code(self, *, recipient: str, text: str) -> SendResult:
        return self._send_sms(to_number=recipient, from_number=self.option("from_number"), text=text)

    def send_direct(self, *, recipient: str, text: str, subject: str = "") -> SendResult:
        return self._send_sms(to_number=recipient, from_number=self.option("from_number"), text=text)

    def send(self, message) -> SendResult:
        to_number, from_number = self.addresses(message)
        return self._send_sms(to_number=to_number, from_number=from_number, text=self.text_for(message))

    def _send_sms(self, *, to_number: str, from_number: str, text: str) -> SendResult:
        if len(text) > SMS_MAX_CHARS:
            text = text[: SMS_MAX_CHARS - 1] + "…"
        payload = {"from": {"phoneNumber": from_number}, "to": [{"phoneNumber": to_number}], "text": text}
        url = f"{self.option('server_url').rstrip('/')}/restapi/v1.0/account/~/extension/~/sms"
        with httpx.Client(timeout=float(self.options.get("timeout", 10))) as client:
            for fresh in (False, True):
                token = self._token(client, fresh=fresh)
                try:
                    response = client.post(url, json=payload, headers={"Authorization": f"Bearer {token}"})
                except httpx.HTTPError as exc:
                    raise DeliveryError(f"RingCentral SMS request failed: {type(exc).__name__}: {exc}") from exc
                if response.status_code == 401 and not fresh:
                    cache.delete(self._cache_key())
                    continue  # the token expired or was revoked: one more try with a new one
                break
        if response.status_code in (200, 201):
            return SendResult(provider_message_id=str(response.json().get("id", "")), recipient=to_number)
        detail = f"RingCentral SMS answered {response.status_code}: {_error_text(response)}"
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(detail, retry_after=_retry_after(response))
        raise DeliveryError(detail, permanent=True)


class RingCentralVoiceFollowUpSender(RingCentralSmsSender):
    """Voice has no outbound call: the answer to a call transcript is texted to the caller's number."""

    def text_for(self, message) -> str:
        prefix = self.options.get("prefix", "Following up on your call: ")
        return f"{prefix}{message.text}"
