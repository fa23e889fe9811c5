"""Messenger / Instagram replies through Meta's Send API: ``POST {graph_url}/me/messages?access_token=<page token>``
with ``{"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text"}}``.

Staff messages go out with ``messaging_type=MESSAGE_TAG, tag=HUMAN_AGENT`` (allowed up to 7 days after the customer's
last message); AI replies as ``RESPONSE`` (within 24 hours). Graph error codes 1, 2, 4, 17, 32, 613 and any 5xx are
retried; the rest (190 bad token, 10/200 permissions, 551 person unavailable, 100 bad parameter) are permanent.
"""

from __future__ import annotations

import httpx

from conversations.models import Channel, ChannelIdentity, Message

from ..models import WebhookEvent
from .base import DeliveryError, SendResult, Sender
from .context import inbound_event_for

TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613}
TEXT_MAX_CHARS = 2000  # Send API limit for a text message


class MetaSendApiSender(Sender):
    """OPTIONS: graph_url (e.g. https://graph.facebook.com/v21.0), page_access_token, timeout (seconds)."""

    def recipient(self, message) -> str:
        event = inbound_event_for(message, WebhookEvent.Provider.META)
        if event is not None:
            psid = (event.payload.get("messaging", {}).get("sender") or {}).get("id")
            if psid:
                return str(psid)
        identity = ChannelIdentity.objects.filter(
            customer_id=message.conversation.customer_id, channel=Channel.SOCIAL
        ).order_by("-created_at").first()
        if identity is None:
            raise DeliveryError("The customer has no Messenger/Instagram id to answer.", permanent=True)
        return identity.external_id.rpartition(":")[2]  # stored as "<object>:<id>"

    def send(self, message) -> SendResult:
        psid = self.recipient(message)
        body = {"recipient": {"id": psid}, "message": {"text": message.text[:TEXT_MAX_CHARS]}}
        if message.author == Message.Author.STAFF:
            body.update({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"})
        else:
            body["messaging_type"] = "RESPONSE"
        url = f"{self.option('graph_url').rstrip('/')}/me/messages"
        try:
            response = httpx.post(url, params={"access_token": self.option("page_access_token")}, json=body,
                                  timeout=float(self.options.get("timeout", 10)))
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Meta Send API request failed: {type(exc).__name__}: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and data.get("message_id"):
            return SendResult(provider_message_id=data["message_id"], recipient=psid)
        error = data.get("error") or {}
        detail = (f"Meta Send API answered {response.status_code}: {error.get('message') or response.text[:300]} "
                  f"(code {error.get('code')}, subcode {error.get('error_subcode')})")
        if response.status_code >= 500 or error.get("code") in TRANSIENT_CODES:
            raise DeliveryError(detail)
        raise DeliveryError(detail, permanent=True)
