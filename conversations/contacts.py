"""Normalised contacts (E.164 phones, lower-case e-mails). Pure functions with no model import, so the NLU app can
read contacts out of text without loading conversations' models."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email



def normalize_phone(raw: str | None) -> str | None:
    """E.164 (`+14155550123`) for any common way of writing a number; None for empty; ValidationError if invalid."""
    if raw is None or not str(raw).strip():
        return None
    try:
        parsed = phonenumbers.parse(str(raw), settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError({"phone": f"{raw!r} is not a phone number."}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({"phone": f"{raw!r} is not a valid phone number."})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    email = str(raw).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{raw!r} is not an email address."}) from None
    return email
