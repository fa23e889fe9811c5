"""Errors the booking tools raise so that an agent can tell the customer what to do next.

Each is a `ValidationError` (so callers that already handle invalid input keep working) keyed by the input field it
is about, with a machine-readable `code` and the facts the assistant needs as attributes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ServiceAreaError(ValidationError):
    """The event's ZIP (or city) is not in the service area table: we do not travel there."""

    def __init__(self, *, zip_code: str | None = None, city: str | None = None):
        self.zip_code, self.city = zip_code, city
        if zip_code is not None:
            field = "zip_code"
            message = (
                f"ZIP {zip_code} is outside our service area (the Sacramento area, the San Francisco Bay Area "
                "and San Jose)."
            )
        else:
            field = "city"
            message = (
                f"{city!r} is not a city in our service area (the Sacramento area, the San Francisco Bay Area and "
                "San Jose); ask for the event's ZIP code."
            )
        super().__init__({field: ValidationError(message, code="outside_service_area")})


class CustomQuoteRequired(ValidationError):
    """More guests than two chefs serve: the handbook says staff quote these parties themselves."""

    def __init__(self, *, guests: int, max_guests: int):
        self.guests, self.max_guests = guests, max_guests
        message = (
            f"Parties of more than {max_guests} guests need a custom quote from our staff "
            f"(this party has {guests} guests)."
        )
        super().__init__({"guests": ValidationError(message, code="custom_quote_required")})


class SlotUnavailable(ValidationError):
    """The requested date and slot cannot be booked; `alternatives` lists bookable slots to offer instead.

    `reason` is "fully_booked" (not enough free chefs), "needs_staff" (less than 48 hours' notice: the handbook
    passes such requests to staff) or "past".
    """

    def __init__(self, *, event_date, slot: str, reason: str, alternatives: list[dict]):
        self.event_date, self.slot, self.reason, self.alternatives = event_date, slot, reason, alternatives
        why = {
            "fully_booked": "no chef is free then",
            "needs_staff": "it is less than 48 hours away; our staff handle short-notice requests",
            "past": "that time has already passed",
        }.get(reason, reason)
        offer = ", ".join(f"{a['date']} {a['slot']}" for a in alternatives) or "none in the next weeks"
        message = f"{event_date.isoformat()} at {slot} cannot be booked: {why}. Available instead: {offer}."
        super().__init__({"slot": ValidationError(message, code=reason)})
