"""Writes for the price list, chefs and bookings. Import from here: `from bookings.services import booking_create`."""

from bookings.exceptions import CustomQuoteRequired, ServiceAreaError, SlotUnavailable

from .bookings import (
    booking_cancel,
    booking_change_guests,
    booking_complete,
    booking_confirm,
    booking_create,
    booking_hold_extend,
    booking_holds_release,
    booking_reschedule,
    booking_set_status,
    bookings_complete_past,
)
from .calendars import calendar_feed_get_or_create, calendar_feed_rotate
from .catalog import chef_get_or_create, price_item_upsert
from .payments import deposit_event_record, deposit_link_get_or_create, deposit_paid_record

__all__ = [
    "CustomQuoteRequired",
    "ServiceAreaError",
    "SlotUnavailable",
    "booking_cancel",
    "booking_change_guests",
    "booking_complete",
    "booking_confirm",
    "booking_create",
    "booking_hold_extend",
    "booking_holds_release",
    "booking_reschedule",
    "booking_set_status",
    "bookings_complete_past",
    "calendar_feed_get_or_create",
    "calendar_feed_rotate",
    "chef_get_or_create",
    "deposit_event_record",
    "deposit_link_get_or_create",
    "deposit_paid_record",
    "price_item_upsert",
]
