"""Writes for the price list, chefs and bookings. Import from here: `from bookings.services import booking_create`."""

from bookings.exceptions import CustomQuoteRequired, ServiceAreaError, SlotUnavailable

from .bookings import (
    booking_cancel,
    booking_change_guests,
    booking_confirm,
    booking_create,
    booking_hold_extend,
    booking_holds_release,
    booking_reschedule,
    booking_set_status,
)
from .catalog import chef_get_or_create, price_item_upsert

__all__ = [
    "CustomQuoteRequired",
    "ServiceAreaError",
    "SlotUnavailable",
    "booking_cancel",
    "booking_change_guests",
    "booking_confirm",
    "booking_create",
    "booking_hold_extend",
    "booking_holds_release",
    "booking_reschedule",
    "booking_set_status",
    "chef_get_or_create",
    "price_item_upsert",
]
