"""Email addresses and phone numbers, normalised the way customers are stored (conversations.services)."""

import re

from django.core.exceptions import ValidationError

from conversations.contacts import normalize_email, normalize_phone

from .scratch import Scratch

_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w+/$.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w/])"
    r"|(?<![\w+])\+\d[\d\s().-]{7,16}\d(?![\w/])"
)


def extract_email(scratch: Scratch) -> str | None:
    """The last valid email address in the message, lower-cased."""
    found = None
    for match in scratch.take(_EMAIL):
        try:
            found = normalize_email(match.group(0)) or found
        except ValidationError:
            continue
    return found


def extract_phone(scratch: Scratch) -> str | None:
    """The last valid phone number, in E.164; digit runs that are not valid numbers are left for other rules."""
    found = None
    for match in list(_PHONE.finditer(scratch.text)):
        try:
            phone = normalize_phone(match.group(0))
        except ValidationError:
            continue
        if phone:
            found = phone
            scratch.consume(*match.span())
    return found


# A phone number read out digit by digit ("four one five, five five five, ..." -> "4 1 5, 5 5 5, ..."): 10 or 11
# single digits (11 when it starts with the country code 1).
_SPOKEN_PHONE = re.compile(r"(?<!\d)(?<!\d\s)(?:\d[\s,.-]+){9,10}\d(?![\s,.-]*\d)")


def extract_spoken_phone(scratch: Scratch) -> str | None:
    """A phone number spoken digit by digit in a voice transcript (after numbers in words became digits)."""
    found = None
    for match in list(_SPOKEN_PHONE.finditer(scratch.text)):
        digits = re.sub(r"\D", "", match.group(0))
        try:
            phone = normalize_phone(digits)
        except ValidationError:
            continue
        if phone:
            found = phone
            scratch.consume(*match.span())
    return found
