"""One-time codes that prove a person owns a contact (`ContactVerification`).

Who is verified: an SMS or a call comes from the number the carrier reports; an email is verified when Mailgun's SPF
or DKIM verdict passed for the From address (`messaging.parsers.mailgun_sender_verified`, stored on the message as
`metadata.sender_verified`). Web chat, social DMs and other emails are not: there, acting on a booking needs a code
sent to the contact on file and typed back in the same conversation (`conversation_verified`). Contacts typed in a
chat are attached to the customer only when their own code comes back (purpose `link`), never on the customer's word.

Codes: 6 digits from `secrets`, HMAC-SHA256 at rest with a salt per code, valid VERIFICATION_CODE_TTL_SECONDS,
VERIFICATION_CODE_MAX_ATTEMPTS wrong tries across a conversation's open codes, then every open code there is revoked;
used once. At most VERIFICATION_CODES_PER_HOUR codes per customer an hour, so the flow cannot be used to flood
someone's inbox or phone. The code is handed to the channel layer by a signal after commit, in memory only.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..contacts import normalize_email, normalize_phone
from ..models import Channel, ContactVerification, Conversation, Customer, Message
from ..signals import verification_code_ready

CODE_DIGITS = 6
# Six digits, or 3+3 with a space or a hyphen; not part of a longer number such as a phone (415-555-0123).
CODE_PATTERN = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})(?!\d|[ -]\d)")
# Channels whose sender the channel itself proves (the carrier's caller id): no code needed there.
SELF_VERIFYING_CHANNELS = {Channel.SMS, Channel.VOICE}


def _digest(salt: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def code_in_text(text: str) -> str | None:
    """The 6-digit code a message carries ("123456", "123 456", "my code is 123-456"), if it is the only one."""
    found = {"".join(m.groups()) for m in CODE_PATTERN.finditer(text or "")}
    return found.pop() if len(found) == 1 else None


def mask_contact(contact: str) -> str:
    """a***@example.com, or the number's last four digits: enough for the owner to recognise, little for others."""
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"the number ending in {contact[-4:]}"


# --- selectors --------------------------------------------------------------------------------------------------------


def conversation_verified(*, conversation: Conversation, now: datetime.datetime | None = None) -> bool:
    """Someone in this conversation typed back, within VERIFICATION_VALID_SECONDS, a code sent to a contact the
    customer has on file (an `act` code, or a `link` code whose contact was attached)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(seconds=settings.VERIFICATION_VALID_SECONDS)
    if Conversation.customer.is_cached(conversation):   # loaded with the conversation (the engine's load step)
        customer = conversation.customer
    else:
        customer = Customer.objects.only("email", "phone").get(pk=conversation.customer_id)
    on_file = [contact for contact in (customer.email, customer.phone) if contact]
    if not on_file:   # a visitor with no contact on file (most web chats): nothing can have been verified
        return False
    return ContactVerification.objects.filter(conversation=conversation, customer_id=conversation.customer_id,
                                              contact__in=on_file, verified_at__gte=since).exists()


def message_sender_verified(*, message: Message, conversation: Conversation,
                            now: datetime.datetime | None = None) -> bool:
    """May this message act on its customer's bookings without a code?"""
    if message.channel in SELF_VERIFYING_CHANNELS:
        return True
    if message.channel == Channel.EMAIL and (message.metadata or {}).get("sender_verified"):
        return True
    return conversation_verified(conversation=conversation, now=now)


def verification_open(*, conversation: Conversation, now: datetime.datetime | None = None):
    now = now or timezone.now()
    return ContactVerification.objects.filter(conversation=conversation, verified_at__isnull=True,
                                              revoked_at__isnull=True, expires_at__gt=now)


def contact_on_file(*, customer: Customer) -> tuple[str, str] | None:
    """(channel to send by, contact) for an `act` code: the customer's email (on an email conversation, the mailbox the
    replies go to anyway), else their phone. None: there is nothing to send a code to."""
    if customer.email:
        return Channel.EMAIL, customer.email
    if customer.phone:
        return Channel.SMS, customer.phone
    # A contact the customer typed in a chat (a `link` code went to it, never typed back): the booking they made then
    # carries it. A code sent there proves the person writing owns it, as well as one sent to a contact on file.
    claimed = customer.verifications.filter(purpose=ContactVerification.Purpose.LINK).order_by("-created_at").first()
    if claimed is not None:
        return claimed.channel, claimed.contact
    return None


# --- services ---------------------------------------------------------------------------------------------------------


def verification_code_issue(
    *, customer: Customer, conversation: Conversation, purpose: str, channel: str, contact: str,
    now: datetime.datetime | None = None,
) -> ContactVerification | None:
    """A new code for `contact`, sent after commit (signal `verification_code_ready`); earlier open codes of the same
    conversation and contact are revoked. None when the customer reached VERIFICATION_CODES_PER_HOUR."""
    now = now or timezone.now()
    if channel == Channel.EMAIL:
        contact = normalize_email(contact)
    elif channel == Channel.SMS:
        contact = normalize_phone(contact)
    else:
        raise ValidationError({"channel": "Codes are sent by email or SMS."})
    if not contact:
        raise ValidationError({"contact": "There is no contact to send a code to."})
    recent = ContactVerification.objects.filter(customer=customer, created_at__gte=now - datetime.timedelta(hours=1))
    if recent.count() >= settings.VERIFICATION_CODES_PER_HOUR:
        return None
    verification_open(conversation=conversation, now=now).filter(contact=contact).update(revoked_at=now)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    verification = ContactVerification.objects.create(
        customer=customer, conversation=conversation, purpose=purpose, channel=channel, contact=contact, salt=salt,
        code_digest=_digest(salt, code), created_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
    )
    transaction.on_commit(
        lambda: verification_code_ready.send(sender=ContactVerification, verification=verification, code=code))
    return verification


def verification_code_sent(*, verification: ContactVerification, error: str = "") -> None:
    """Record how sending the code went (the delivery is not retried: the customer asks for a new code)."""
    fields = {"send_error": error[:2000]} if error else {"sent_at": timezone.now()}
    ContactVerification.objects.filter(pk=verification.pk).update(**fields)


@dataclass
class CodeCheck:
    result: str                                     # "verified", "wrong", "locked", "expired" or "none"
    verification: ContactVerification | None = None
    linked: bool = False                            # a `link` code attached its contact to the customer


def verification_code_check(*, conversation: Conversation, text: str,
                            now: datetime.datetime | None = None) -> CodeCheck:
    """Check a code typed in `conversation` against its open codes (committed at once: attempts count even when the
    answer then fails). "none": the text carries no code or no code is pending there."""
    now = now or timezone.now()
    code = code_in_text(text)
    if code is None:
        return CodeCheck("none")
    with transaction.atomic():
        candidates = list(ContactVerification.objects.select_for_update().filter(
            conversation=conversation, verified_at__isnull=True, revoked_at__isnull=True).order_by("-created_at"))
        if not candidates:
            return CodeCheck("none")
        live = [v for v in candidates if v.expires_at > now]
        match = next((v for v in live if hmac.compare_digest(v.code_digest, _digest(v.salt, code))), None)
        if match is not None:
            match.verified_at = now
            match.save(update_fields=["verified_at"])
            linked = _link_contact(match) if match.purpose == ContactVerification.Purpose.LINK else False
            return CodeCheck("verified", match, linked=linked)
        if not live:
            return CodeCheck("expired", candidates[0])
        attempts = max(v.attempts for v in live) + 1
        ContactVerification.objects.filter(pk__in=[v.pk for v in live]).update(attempts=attempts)
        if attempts >= settings.VERIFICATION_CODE_MAX_ATTEMPTS:
            ContactVerification.objects.filter(pk__in=[v.pk for v in live]).update(revoked_at=now)
            return CodeCheck("locked", live[0])
        return CodeCheck("wrong", live[0])


def _link_contact(verification: ContactVerification) -> bool:
    """Attach a proven contact to the customer when it is missing there and no other customer has it (two customers
    holding one contact are for staff to merge, in the admin)."""
    customer = Customer.objects.select_for_update().get(pk=verification.customer_id)
    field = "email" if verification.channel == Channel.EMAIL else "phone"
    if getattr(customer, field):
        return getattr(customer, field) == verification.contact
    lookup = {"email__iexact" if field == "email" else "phone": verification.contact}
    if Customer.objects.filter(**lookup).exclude(pk=customer.pk).exists():
        return False
    try:
        with transaction.atomic():
            Customer.objects.filter(pk=customer.pk).update(**{field: verification.contact})
    except IntegrityError:
        return False
    return True
