"""Email replies through Django's email backend, threaded under the customer's message.

Headers: ``Message-ID`` is stable per reply (``<reply-<message id>.<hash>@domain>``, so a retried send is the same
email to the customer's client), ``In-Reply-To`` is the customer's ``Message-Id`` and ``References`` their
``References`` plus that id; the subject is ``Re: <their subject>``.
"""

from __future__ import annotations

import hashlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from conversations.models import ChannelIdentity
from conversations.services import message_purpose
from conversations.services.consent import NON_TRANSACTIONAL

from ..models import WebhookEvent
from ..unsubscribe import unsubscribe_url
from .base import DeliveryError, SendResult, Sender
from .context import inbound_event_for


def _field(payload: dict, *names: str) -> str:
    for name in names:
        value = payload.get(name)
        if value:
            return str(value).strip()
    return ""


class EmailSender(Sender):
    """OPTIONS: from_email (default DEFAULT_FROM_EMAIL), reply_to, domain (of Message-ID), default_subject."""

    def send_code(self, *, recipient: str, text: str) -> SendResult:
        return self.send_direct(recipient=recipient, text=text, subject="Your MyHibachi code")

    def send_direct(self, *, recipient: str, text: str, subject: str = "") -> SendResult:
        from_email = self.options.get("from_email") or settings.DEFAULT_FROM_EMAIL
        email = EmailMessage(subject=subject or self.options.get("default_subject") or "MyHibachi", body=text,
                             from_email=from_email, to=[recipient])
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"The mail server refused {recipient}: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"Email send failed: {type(exc).__name__}: {exc}") from exc
        return SendResult(recipient=recipient)

    def send(self, message) -> SendResult:
        event = inbound_event_for(message, WebhookEvent.Provider.MAILGUN)
        payload = event.payload if event else {}
        recipient = parseaddr(_field(payload, "from", "From"))[1] or _field(payload, "sender")
        recipient = recipient or message.conversation.customer.email
        if not recipient:
            raise DeliveryError("The customer has no email address to answer.", permanent=True)
        subject = _field(payload, "subject", "Subject") or self.options.get("default_subject") or "Your MyHibachi event"
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        if not payload and (message.metadata or {}).get("subject"):  # a notice that starts a thread (a reminder)
            subject = str(message.metadata["subject"])
        from_email = self.options.get("from_email") or settings.DEFAULT_FROM_EMAIL
        domain = self.options.get("domain") or parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{message.pk}".encode()).hexdigest()[:12]
        message_id = f"<reply-{message.pk}.{digest}@{domain}>"
        headers = {"Message-ID": message_id}
        parent = _field(payload, "Message-Id", "message-id", "Message-ID")
        if parent:
            references = " ".join(filter(None, [_field(payload, "References", "references"), parent]))
            headers.update({"In-Reply-To": parent, "References": references})
        reply_to = [self.options["reply_to"]] if self.options.get("reply_to") else None
        body = message.text
        if message_purpose(message) in NON_TRANSACTIONAL:
            identity = ChannelIdentity.objects.filter(customer_id=message.customer_id, channel=message.channel,
                                                      external_id=recipient.lower()).first()
            if identity is not None:  # RFC 8058 one-click unsubscribe, and the link in the text
                link = unsubscribe_url(identity)
                headers.update({"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
                body = f"{body}\n\n--\nNo more surveys or follow-ups from us: {link}"
        email = EmailMessage(subject=subject, body=body, from_email=from_email, to=[recipient],
                             reply_to=reply_to, headers=headers)
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"The mail server refused {recipient}: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"Email send failed: {type(exc).__name__}: {exc}") from exc
        return SendResult(provider_message_id=message_id, recipient=recipient)
