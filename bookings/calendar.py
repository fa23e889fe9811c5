"""iCalendar feeds of confirmed events: one for the business, one per chef, behind a secret URL token.

A subscribing client (Google Calendar, Outlook, Apple Calendar) fetches the whole feed on its own schedule: events keep
a stable UID (`booking-<id>@<CALENDAR_UID_DOMAIN>`), so a rescheduled booking moves and a cancelled one disappears.
Times are Pacific (the business's `TIME_ZONE`) and carry a VTIMEZONE, so clients in other zones show them right.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from .models import Booking, CalendarFeed
from .selectors import calendar_bookings

SETUP = dt.timedelta(minutes=30)  # handbook: the chef arrives 30 minutes early to set up
SHOW = dt.timedelta(minutes=90)  # handbook: about 90 minutes of cooking


def _start(booking: Booking) -> dt.datetime:
    hour, minute = (int(part) for part in booking.slot.split(":"))
    return dt.datetime.combine(booking.event_date, dt.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _place(booking: Booking) -> str:
    return ", ".join(part for part in (booking.address, booking.city, booking.zip_code) if part)


def _party(booking: Booking) -> str:
    parts = [f"{booking.adults} adults"]
    if booking.children:
        parts.append(f"{booking.children} children 6-12")
    if booking.children_under_6:
        parts.append(f"{booking.children_under_6} under 6")
    return ", ".join(parts)


def _event(booking: Booking, *, for_chef: bool, stamp: dt.datetime) -> Event:
    start = _start(booking)
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{settings.CALENDAR_UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", start - SETUP if for_chef else start)
    event.add("dtend", start + SHOW)
    where = booking.city or booking.zip_code or "location to confirm"
    event.add("summary", f"Hibachi for {booking.guests} - {where}")
    if _place(booking):
        event.add("location", _place(booking))
    lines = [
        f"Booking #{booking.pk} ({booking.get_status_display()}), cooking starts {booking.slot}"
        + (" - arrive 30 min early to set up" if for_chef else ""),
        f"Party: {_party(booking)}",
        f"Customer: {booking.customer.name or 'no name given'}"
        + (f", {booking.customer.phone}" if booking.customer.phone else ""),
    ]
    if booking.proteins:
        lines.append("Proteins: " + ", ".join(booking.proteins))
    if booking.upgrades:
        lines.append("Upgrades: " + ", ".join(f"{code} x{count or 'all'}" for code, count in booking.upgrades.items()))
    if booking.addons:
        lines.append("Add-ons: " + ", ".join(f"{code} x{count}" for code, count in booking.addons.items()))
    chefs = [chef.name for chef in booking.chefs.all()]
    lines.append("Chef: " + (", ".join(chefs) if chefs else "not assigned yet"))
    lines.append(f"Total ${booking.total}, deposit paid ${booking.deposit_paid}")
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    return event


def calendar_ics(*, feed: CalendarFeed, today: dt.date | None = None) -> bytes:
    """The feed as an iCalendar document (RFC 5545)."""
    calendar = Calendar()
    calendar.add("prodid", "-//MyHibachi AI//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"MyHibachi - {feed.chef.name}" if feed.chef_id else "MyHibachi - all events"
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    calendar.add_component(Timezone.from_tzid(settings.TIME_ZONE))
    stamp = timezone.now()
    for booking in calendar_bookings(chef=feed.chef, today=today):
        calendar.add_component(_event(booking, for_chef=feed.chef_id is not None, stamp=stamp))
    return calendar.to_ical()
