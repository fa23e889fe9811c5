"""The signed unsubscribe link of survey and follow-up e-mails: `/unsubscribe/<token>/` names one channel identity.
The token is signed with SECRET_KEY (no expiry: an old e-mail's link must keep working); it cannot be forged."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from conversations.models import ChannelIdentity

_UNSUBSCRIBE_SALT = "messaging.unsubscribe"


def unsubscribe_token(identity: ChannelIdentity) -> str:
    """The same link every time for the same contact (no timestamp: it never expires, and a survey's link and the
    header's are one)."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign_object({"identity": identity.pk}, compress=True)


def unsubscribe_url(identity: ChannelIdentity) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("unsubscribe", args=[unsubscribe_token(identity)])


def identity_from_unsubscribe_token(token: str) -> ChannelIdentity | None:
    """The identity a link names, or None for a forged or garbled token."""
    try:
        data = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return ChannelIdentity.objects.filter(pk=data.get("identity")).first() if isinstance(data, dict) else None
