"""Provider payloads -> InboundItems (what message_receive needs, or why an event is ignored).

The same functions run in the webhook (a malformed payload is a 400 naming the problem) and in the Celery task, on
the payload as it was stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from email.utils import parseaddr

from rest_framework import serializers as drf

from conversations.models import Channel

from . import serializers
from .models import WebhookEvent


@dataclass
class InboundItem:
    """One provider event, parsed: what message_receive needs, or why the event is ignored."""

    event_id: str
    channel: str
    payload: dict
    external_id: str = ""
    sender: dict | None = None
    text: str = ""
    sent_at: object = None
    ignore_reason: str = ""


ID_MAX_LENGTH = 255  # WebhookEvent.event_id, WebhookEvent.external_id and Message.external_id
DIGEST_PREFIX = "sha256:"


def provider_key(value: str) -> str:
    """The key a provider's event or message id is stored under: the id itself when it fits the column, else
    "sha256:<hex of the id>". Truncating would merge two ids that share their first 255 characters; a digest does
    not. Ids that already start with the prefix are digested too, so that a sender cannot pick an id equal to the
    digest of another (a Message-Id is written by whoever sends the email)."""
    if len(value) <= ID_MAX_LENGTH and not value.startswith(DIGEST_PREFIX):
        return value
    return DIGEST_PREFIX + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _validated(serializer_class, data) -> dict:
    if not isinstance(data, dict):
        raise drf.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _set_sent_at(item: InboundItem, field: str, value, problem: str = "") -> None:
    """The event's send time, unless it is out of range: then the event is stored as ignored, with the reason (a
    provider does not send a time years away; such a time overflows the date arithmetic further on)."""
    problem = problem or serializers.sent_at_problem(value)
    if problem:
        item.ignore_reason = item.ignore_reason or f"{field} is out of range: {problem}"
    else:
        item.sent_at = value


# --- RingCentral ----------------------------------------------------------------------------------------------------


def ringcentral_sms(payload: dict) -> list[InboundItem]:
    data = _validated(serializers.RingCentralSmsEventSerializer, payload)
    body = data["body"]
    item = InboundItem(event_id=provider_key(data["uuid"]), channel=Channel.SMS, payload=payload)
    if body["direction"].lower() != "inbound":
        item.ignore_reason = f"direction is {body['direction']!r}: only inbound messages are answered"
    elif body["type"].upper() != "SMS":
        item.ignore_reason = f"type is {body['type']!r}: only SMS is answered here"
    elif not (body.get("subject") or "").strip():
        item.ignore_reason = "the SMS has no text"
    phone = body["from"]["phoneNumber"]
    item.external_id = provider_key(str(body["id"]))
    item.sender = {"external_id": phone, "phone": phone, "name": body["from"].get("name", "")}
    item.text = (body.get("subject") or "").strip()
    _set_sent_at(item, "creationTime", body["creationTime"])
    return [item]


def ringcentral_voice(payload: dict) -> list[InboundItem]:
    data = _validated(serializers.RingCentralVoiceEventSerializer, payload)
    body = data["body"]
    party = next((p for p in body["parties"] if p["direction"].lower() == "inbound"), body["parties"][0])
    transcript = body["transcript"]
    text = (transcript.get("transcript") or "").strip() or " ".join(
        u["text"].strip() for u in transcript.get("utterances", []) if u["text"].strip()
    )
    item = InboundItem(event_id=provider_key(data["uuid"]), channel=Channel.VOICE, payload=payload)
    phone = party["from"]["phoneNumber"]
    item.external_id = provider_key(f"call:{body['telephonySessionId']}")
    item.sender = {"external_id": phone, "phone": phone, "name": party["from"].get("name", "")}
    item.text = text
    if party["direction"].lower() != "inbound":
        item.ignore_reason = "outbound call: only callers are answered"
    elif not text:
        item.ignore_reason = "the call transcript is empty"
    _set_sent_at(item, "eventTime", body["eventTime"])
    return [item]


# --- Mailgun --------------------------------------------------------------------------------------------------------


def _header(headers_json: str, name: str) -> str:
    try:
        pairs = json.loads(headers_json or "[]")
    except ValueError:
        return ""
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == name.lower():
            return str(pair[1])
    return ""


def _header_pairs(headers_json: str) -> list[tuple[str, str]]:
    try:
        pairs = json.loads(headers_json or "[]")
    except ValueError:
        return []
    return [(str(pair[0]).lower(), str(pair[1])) for pair in (pairs if isinstance(pairs, list) else [])
            if isinstance(pair, list) and len(pair) == 2]


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (DMARC's): the same domain, or one a subdomain of the other."""
    domain, from_domain = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return bool(domain) and (domain == from_domain or domain.endswith("." + from_domain)
                             or from_domain.endswith("." + domain))


def _verdict(pairs: list[tuple[str, str]], name: str) -> str:
    """Mailgun's verdict header, lower-cased, if it appears once and above the first Received header; else "".

    Every mail server that carries an email adds its Received header on top, so whatever a sender writes ends up
    below at least the Received header of Mailgun's own MX; the verdicts Mailgun adds on receipt are on top. A verdict
    header below a Received header, or twice, was (also) written by the sender."""
    positions = [i for i, (key, _) in enumerate(pairs) if key == name.lower()]
    first_received = next((i for i, (key, _) in enumerate(pairs) if key == "received"), None)
    if len(positions) != 1 or first_received is None or positions[0] > first_received:
        return ""
    return pairs[positions[0]][1].strip().lower()


def mailgun_sender_verified(payload: dict, from_address: str) -> str:
    """"spf" or "dkim" when Mailgun's verdict proves the From address's domain sent the email, else "".

    Mailgun adds `X-Mailgun-Spf` (Pass, Neutral, Fail, SoftFail: the envelope sender, MAIL FROM) and
    `X-Mailgun-Dkim-Check-Result` (Pass or Fail, when the email is DKIM-signed) to the message headers when the
    domain's spam filter is set to "mark spam with MIME headers". Neither alone says the From header is genuine: SPF
    checks the envelope sender and a DKIM pass may be any domain's signature. So SPF counts only when the envelope
    sender (`sender`) is in the From domain, and DKIM only when every DKIM-Signature's d= is. Headers a sender wrote
    into the email themselves are told apart by position (`_verdict`)."""
    from_domain = from_address.rpartition("@")[2]
    pairs = _header_pairs(payload.get("message-headers", ""))
    if _verdict(pairs, "X-Mailgun-Spf") == "pass":
        envelope = parseaddr(payload.get("sender") or "")[1]
        if "@" in envelope and _aligned(envelope.rpartition("@")[2], from_domain):
            return "spf"
    if _verdict(pairs, "X-Mailgun-Dkim-Check-Result") == "pass":
        signatures = [value for key, value in pairs if key == "dkim-signature"]
        domains = [m.group(1) for m in (re.search(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", sig) for sig in signatures) if m]
        if signatures and len(domains) == len(signatures) and all(_aligned(d, from_domain) for d in domains):
            return "dkim"
    return ""


def mailgun_email(payload: dict) -> list[InboundItem]:
    payload = dict(payload)
    if not payload.get("Message-Id"):
        payload["Message-Id"] = _header(payload.get("message-headers", ""), "Message-Id")
    if not payload["Message-Id"]:
        raise drf.ValidationError({"Message-Id": ["Required: the Message-Id field, or a Message-Id header in "
                                                  "message-headers (it is the de-duplication key)."]})
    data = _validated(serializers.MailgunInboundSerializer, payload)
    name, address = parseaddr(data["from"])
    address = address or parseaddr(data["sender"])[1]
    if "@" not in address:
        raise drf.ValidationError({"from": [f"{data['from']!r} has no email address."]})
    text = (data["stripped-text"] or data["body-plain"]).strip() or data["subject"].strip()
    if len(address) > 254:  # RFC 5321's limit, and the customer's email column
        raise drf.ValidationError({"from": [f"The address is {len(address)} characters long (at most 254)."]})
    key = provider_key(data["Message-Id"])
    item = InboundItem(event_id=key, channel=Channel.EMAIL, payload=payload, external_id=key, text=text,
                       sender={"external_id": address.lower(), "email": address, "name": name,
                               "verified": mailgun_sender_verified(payload, address)})
    if not text:
        item.ignore_reason = "the email has no text"
    if data["timestamp"].isdigit():
        _set_sent_at(item, "timestamp", *serializers.sent_at_from_epoch(int(data["timestamp"])))
    return [item]


# --- Meta -----------------------------------------------------------------------------------------------------------


def meta_items(payload: dict) -> list[InboundItem]:
    """One item per message in a (possibly batched) Messenger/Instagram delivery; echoes, reads, deliveries and
    reactions have no `message.mid`/text of the customer's and are skipped (not stored)."""
    data = _validated(serializers.MetaWebhookSerializer, payload)
    items = []
    for entry_index, entry in enumerate(data["entry"]):
        for index, messaging in enumerate(entry.get("messaging", [])):
            message = messaging.get("message")
            if not message:
                continue  # delivery / read receipts, postbacks without a message
            raw = payload["entry"][entry_index]["messaging"][index]
            items.extend(_meta_item({"object": data["object"], "entry_id": entry["id"], "messaging": raw}))
    return items


def _meta_item(stored: dict) -> list[InboundItem]:
    messaging = _validated(serializers.MetaMessagingSerializer, stored.get("messaging"))
    message = messaging["message"]
    psid = messaging["sender"]["id"]
    item = InboundItem(
        event_id=provider_key(message["mid"]), channel=Channel.SOCIAL, payload=stored,
        external_id=provider_key(message["mid"]),
        sender={"external_id": f"{stored.get('object', 'page')}:{psid}"}, text=(message.get("text") or "").strip(),
    )
    if message.get("is_echo"):
        item.ignore_reason = "echo of our own message"
    elif not item.text:
        item.ignore_reason = "no text (attachment, sticker or reaction)"
    _set_sent_at(item, "timestamp", *serializers.sent_at_from_epoch(messaging["timestamp"], per_second=1000))
    return [item]


PARSERS = {
    (WebhookEvent.Provider.RINGCENTRAL, Channel.SMS): ringcentral_sms,
    (WebhookEvent.Provider.RINGCENTRAL, Channel.VOICE): ringcentral_voice,
    (WebhookEvent.Provider.MAILGUN, Channel.EMAIL): mailgun_email,
    (WebhookEvent.Provider.META, Channel.SOCIAL): _meta_item,
}


def parse_stored(event: WebhookEvent) -> InboundItem:
    """The item of a stored event (parsed again from its payload)."""
    items = PARSERS[(event.provider, event.channel)](event.payload)
    return items[0]
