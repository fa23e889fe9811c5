"""Provider payloads in their real formats, signed the way each provider signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

RC_VERIFICATION_TOKEN = "rc-verification-token-1234567890"
MAILGUN_SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
META_APP_SECRET = "meta-app-secret-abcdef"
META_VERIFY_TOKEN = "meta-verify-token"
OUR_NUMBER = "+16505550100"
PAGE_ID = "1122334455"


def rc_sms(*, text: str, from_number: str = "+14155550123", message_id: str | None = None, uuid_: str | None = None,
           direction: str = "Inbound", type_: str = "SMS", created: str = "2026-11-21T06:20:00.000Z") -> dict:
    """A message-store instant notification for one SMS, as RingCentral posts it."""
    message_id = message_id or str(uuid.uuid4().int % 10**10)
    return {
        "uuid": uuid_ or str(uuid.uuid4().int % 10**19),
        "event": "/restapi/v1.0/account/~/extension/123456789/message-store/instant?type=SMS",
        "timestamp": created,
        "subscriptionId": "e8a1b5d8-2bf8-4c8a-9b1d-6f4a1e0c5b7a",
        "ownerId": "123456789",
        "body": {
            "id": message_id,
            "to": [{"phoneNumber": OUR_NUMBER, "name": "MyHibachi", "location": "San Mateo, CA"}],
            "from": {"phoneNumber": from_number, "location": "San Francisco, CA"},
            "type": type_,
            "creationTime": created,
            "lastModifiedTime": created,
            "readStatus": "Unread",
            "priority": "Normal",
            "attachments": [{"id": message_id, "type": "Text", "contentType": "text/plain"}],
            "direction": direction,
            "availability": "Alive",
            "subject": text,
            "messageStatus": "Received",
            "conversationId": "5578984350117917661",
            "conversation": {"id": "5578984350117917661",
                             "uri": "https://platform.ringcentral.com/restapi/v1.0/conversation/5578984350117917661"},
            "eventType": "Create",
            "owner": {"extensionId": "123456789", "extensionType": "User"},
        },
    }


def rc_voice(*, transcript: str, from_number: str = "+14155550123", session: str | None = None,
             uuid_: str | None = None, utterances: bool = False) -> dict:
    """A telephony-session notification of a finished inbound call, carrying the speech-to-text `response`."""
    session = session or f"s-a0d7c8e1{uuid.uuid4().hex[:12]}"
    text_block = {"confidence": 0.91}
    if utterances:
        words = transcript.split(". ")
        text_block["utterances"] = [{"speakerId": "0", "text": w, "start": i * 3.0, "end": i * 3.0 + 2.5,
                                     "confidence": 0.9} for i, w in enumerate(words)]
    else:
        text_block["transcript"] = transcript
    return {
        "uuid": uuid_ or str(uuid.uuid4().int % 10**19),
        "event": "/restapi/v1.0/account/~/extension/~/telephony/sessions",
        "timestamp": "2026-11-21T06:21:10.000Z",
        "subscriptionId": "3b9e2a1c-77c2-4d0e-8f5e-0a9d6c4b2e11",
        "ownerId": "123456789",
        "body": {
            "telephonySessionId": session,
            "sessionId": "9876543210",
            "eventTime": "2026-11-21T06:21:09.000Z",
            "parties": [{
                "id": "p-1", "direction": "Inbound",
                "from": {"phoneNumber": from_number, "name": "WIRELESS CALLER"},
                "to": {"phoneNumber": OUR_NUMBER, "name": "MyHibachi"},
                "status": {"code": "Disconnected", "reason": "CallerInputRedirect"},
            }],
            "transcript": text_block,
        },
    }


def mailgun_form(*, text: str, sender: str = "Ann Lee <ann@example.com>", subject: str = "Hibachi party",
                 message_id: str | None = None, references: str = "", key: str = MAILGUN_SIGNING_KEY,
                 timestamp: int | None = None, token: str | None = None, mailgun_headers: list | None = None,
                 extra_headers: list | None = None, envelope_sender: str | None = None) -> dict:
    """Mailgun's parsed inbound email as a route's forward() posts it (form fields), signed. `mailgun_headers`
    ([name, value] pairs such as ["X-Mailgun-Spf", "Pass"]) are put first, where Mailgun adds its own;
    `extra_headers` after the email's own headers, where a sender's would be."""
    message_id = message_id or f"<CAF{uuid.uuid4().hex[:16]}@mail.gmail.com>"
    timestamp = timestamp or int(time.time())
    token = token or uuid.uuid4().hex + uuid.uuid4().hex[:18]
    address = sender.split("<")[-1].rstrip(">")
    headers = [["Received", "by mx.example.com"], ["From", sender], ["To", "hello@myhibachi.example"],
               ["Subject", subject], ["Message-Id", message_id], ["Mime-Version", "1.0"]]
    if references:
        headers += [["In-Reply-To", references.split()[-1]], ["References", references]]
    headers = list(mailgun_headers or []) + headers + list(extra_headers or [])
    form = {
        "recipient": "hello@myhibachi.example",
        "sender": envelope_sender or address,
        "from": sender,
        "subject": subject,
        "body-plain": f"{text}\r\n\r\n-- \r\nAnn\r\n",
        "stripped-text": text,
        "stripped-signature": "Ann",
        "body-html": f"<div>{text}</div>",
        "stripped-html": f"<div>{text}</div>",
        "attachment-count": "0",
        "timestamp": str(timestamp),
        "token": token,
        "signature": hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest(),
        "message-headers": json.dumps(headers),
        "Message-Id": message_id,
        "Date": "Sat, 21 Nov 2026 06:22:00 +0000",
        "To": "hello@myhibachi.example",
        "From": sender,
        "Subject": subject,
    }
    if references:
        form.update({"In-Reply-To": references.split()[-1], "References": references})
    return form


def meta_messages(*texts: str, psid: str = "6789012345678901", object_: str = "page", mids: list | None = None,
                  echo: bool = False) -> dict:
    """A Messenger (or Instagram) webhook delivery with one messaging event per text, batched in one entry."""
    now = int(time.time() * 1000)
    mids = mids or [f"m_{uuid.uuid4().hex}" for _ in texts]
    messaging = []
    for i, (text, mid) in enumerate(zip(texts, mids, strict=True)):
        sender, recipient = (PAGE_ID, psid) if echo else (psid, PAGE_ID)
        message = {"mid": mid, "text": text}
        if echo:
            message["is_echo"] = True
            message["app_id"] = 1517776481860111
        messaging.append({"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": now + i,
                          "message": message})
    return {"object": object_, "entry": [{"id": PAGE_ID, "time": now, "messaging": messaging}]}


def meta_read_receipt(psid: str = "6789012345678901") -> dict:
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now, "read": {"watermark": now - 5}}]}]}


def meta_sign(raw: bytes, secret: str = META_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
