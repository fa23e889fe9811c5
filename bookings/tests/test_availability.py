"""Slots, 48 hours' notice and chef capacity (two events a day, one per slot)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.availability import (
    availability_for_date,
    chefs_free_for,
    event_start,
    next_available_slots,
    slot_is_available,
)
from bookings.exceptions import CustomQuoteRequired
from bookings.models import Booking
from bookings.tests.conftest import EVENT_DATE, NOW, PACIFIC
from bookings.tests.factories import BookingFactory, ChefFactory

pytestmark = pytest.mark.django_db


def _book(chefs, slot, event_date=EVENT_DATE, status=Booking.Status.CONFIRMED):
    return BookingFactory(event_date=event_date, slot=slot, status=status, chefs=chefs)


def test_event_start_is_pacific_time():
    start = event_start(event_date=EVENT_DATE, slot="18:00")
    assert start == datetime(2026, 12, 12, 18, 0, tzinfo=PACIFIC)
    assert start.astimezone(UTC) == datetime(2026, 12, 13, 2, 0, tzinfo=UTC)  # PST is UTC-8


def test_every_slot_is_open_when_no_chef_is_booked():
    ChefFactory.create_batch(3)
    result = availability_for_date(event_date=EVENT_DATE, guests=25, now=NOW)
    assert result["date"] == "2026-12-12"
    assert result["notice_ok"] is True
    assert result["chefs_needed"] == 1
    assert list(result["slots"]) == ["12:00", "15:00", "18:00", "20:30"]
    assert all(s == {"available": True, "free_chefs": 3, "reason": None} for s in result["slots"].values())


def test_no_active_chef_means_nothing_is_available():
    ChefFactory(active=False)
    result = availability_for_date(event_date=EVENT_DATE, now=NOW)
    assert result["slots"]["18:00"] == {"available": False, "free_chefs": 0, "reason": "fully_booked"}


def test_a_chef_never_cooks_two_events_at_the_same_slot():
    chef = ChefFactory()
    _book([chef], "18:00")
    slots = availability_for_date(event_date=EVENT_DATE, now=NOW)["slots"]
    assert slots["18:00"] == {"available": False, "free_chefs": 0, "reason": "fully_booked"}
    assert slots["12:00"]["available"] and slots["15:00"]["available"] and slots["20:30"]["available"]


def test_a_chef_does_at_most_two_events_a_day():
    chef = ChefFactory()
    _book([chef], "12:00")
    _book([chef], "18:00")
    slots = availability_for_date(event_date=EVENT_DATE, now=NOW)["slots"]
    assert {slot: s["available"] for slot, s in slots.items()} == {
        "12:00": False, "15:00": False, "18:00": False, "20:30": False,
    }
    assert slots["15:00"]["reason"] == "fully_booked"
    assert availability_for_date(event_date=EVENT_DATE + timedelta(days=1), now=NOW)["slots"]["15:00"]["available"]


def test_cancelled_bookings_free_the_chef():
    chef = ChefFactory()
    _book([chef], "12:00", status=Booking.Status.CANCELLED)
    _book([chef], "18:00", status=Booking.Status.CANCELLED)
    _book([chef], "15:00")
    slots = availability_for_date(event_date=EVENT_DATE, now=NOW)["slots"]
    assert slots["12:00"]["available"] and slots["18:00"]["available"]
    assert not slots["15:00"]["available"]


def test_quoted_bookings_hold_their_chef():
    chef = ChefFactory()
    _book([chef], "18:00", status=Booking.Status.QUOTED)
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=10, now=NOW)


def test_a_party_of_31_to_60_needs_two_free_chefs_at_the_slot():
    busy, _free = ChefFactory.create_batch(2)
    _book([busy], "18:00")
    assert slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=30, now=NOW)
    assert not slot_is_available(event_date=EVENT_DATE, slot="18:00", guests=31, now=NOW)
    assert slot_is_available(event_date=EVENT_DATE, slot="15:00", guests=60, now=NOW)
    result = availability_for_date(event_date=EVENT_DATE, guests=40, now=NOW)
    assert result["chefs_needed"] == 2
    assert result["slots"]["18:00"] == {"available": False, "free_chefs": 1, "reason": "fully_booked"}


def test_more_than_60_guests_is_for_staff():
    ChefFactory.create_batch(3)
    with pytest.raises(CustomQuoteRequired):
        availability_for_date(event_date=EVENT_DATE, guests=61, now=NOW)


def test_a_slot_needs_48_hours_notice_or_it_goes_to_staff():
    ChefFactory()
    now = datetime(2026, 12, 10, 15, 0, tzinfo=PACIFIC)  # Saturday 12:00 is 45 hours away, 15:00 exactly 48
    result = availability_for_date(event_date=EVENT_DATE, now=now)
    assert result["notice_ok"] is False
    assert result["slots"]["12:00"] == {"available": False, "free_chefs": 1, "reason": "needs_staff"}
    assert result["slots"]["15:00"] == {"available": True, "free_chefs": 1, "reason": None}
    assert result["slots"]["20:30"]["available"]


def test_notice_is_real_hours_across_the_daylight_saving_change():
    ChefFactory()
    now = datetime(2026, 3, 6, 20, 0, tzinfo=PACIFIC)  # clocks go forward on Sunday 8 March at 2:00
    slots = availability_for_date(event_date=date(2026, 3, 8), now=now)["slots"]
    assert slots["20:30"]["reason"] == "needs_staff"  # 48.5 hours by the wall clock, 47.5 in real time
    assert availability_for_date(event_date=date(2026, 3, 8), now=now - timedelta(hours=1))["slots"]["20:30"][
        "available"
    ]


def test_a_past_slot_is_not_bookable():
    ChefFactory()
    now = datetime(2026, 12, 12, 16, 0, tzinfo=PACIFIC)
    slots = availability_for_date(event_date=EVENT_DATE, now=now)["slots"]
    assert slots["12:00"]["reason"] == slots["15:00"]["reason"] == "past"
    assert slots["18:00"]["reason"] == "needs_staff"


def test_an_unknown_slot_is_a_validation_error():
    with pytest.raises(ValidationError) as info:
        slot_is_available(event_date=EVENT_DATE, slot="19:00", guests=10, now=NOW)
    assert "slot" in info.value.message_dict


def test_chefs_free_for_returns_the_chefs_to_assign_least_busy_first():
    ana, ben, cho = ChefFactory(name="Ana"), ChefFactory(name="Ben"), ChefFactory(name="Cho")
    _book([ana], "12:00")
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=1) == [ben]
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=3) == [ben, cho, ana]
    assert chefs_free_for(event_date=EVENT_DATE, slot="12:00", chefs_needed=2) == [ben, cho]


def test_chefs_free_for_is_empty_when_too_few_chefs_are_free():
    ana, _ben = ChefFactory(name="Ana"), ChefFactory(name="Ben")
    _book([ana], "18:00")
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=2) == []


def test_chefs_free_for_skips_inactive_chefs():
    ChefFactory(name="Retired", active=False)
    active = ChefFactory(name="Zed")
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=1) == [active]


def test_chefs_free_for_can_leave_out_a_booking_and_prefer_its_chefs():
    ana, ben = ChefFactory(name="Ana"), ChefFactory(name="Ben")
    moving = _book([ben], "18:00")
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=1) == [ana]
    assert chefs_free_for(event_date=EVENT_DATE, slot="18:00", chefs_needed=1, exclude_booking=moving,
                          prefer=[ben]) == [ben]


def test_next_available_slots_skips_short_notice_and_booked_slots():
    chef = ChefFactory()
    now = datetime(2026, 12, 10, 16, 0, tzinfo=PACIFIC)  # 12:00 and 15:00 on the 12th are under 48 hours away
    _book([chef], "18:00")
    assert next_available_slots(start_date=EVENT_DATE, guests=10, now=now) == [
        {"date": "2026-12-12", "slot": "20:30", "free_chefs": 1},
        {"date": "2026-12-13", "slot": "12:00", "free_chefs": 1},
        {"date": "2026-12-13", "slot": "15:00", "free_chefs": 1},
    ]


def test_next_available_slots_respects_the_limit_and_the_horizon():
    ChefFactory()
    assert len(next_available_slots(start_date=EVENT_DATE, guests=10, now=NOW, limit=5)) == 5
    assert next_available_slots(start_date=date(2026, 11, 1), guests=10, now=NOW, days=10) == []


def test_next_available_slots_for_a_big_party_needs_two_chefs():
    ana, ben = ChefFactory.create_batch(2)
    _book([ana], "12:00")
    _book([ana], "15:00")
    _book([ben], "20:30", event_date=EVENT_DATE + timedelta(days=1))
    slots = next_available_slots(start_date=EVENT_DATE, guests=45, now=NOW, limit=4)
    assert [(s["date"], s["slot"]) for s in slots] == [
        ("2026-12-13", "12:00"), ("2026-12-13", "15:00"), ("2026-12-13", "18:00"), ("2026-12-14", "12:00"),
    ]


def test_one_day_s_compiled_statement_reads_the_assignments_the_orm_reads():
    """`_busy_map` of one date runs SQL compiled once per process (hibachi.compiled_query); several dates build the
    queryset each time. Both must count the same assignments: held, not cancelled, not a lapsed hold, and not the
    booking being moved."""
    from decimal import Decimal

    from bookings.availability import _busy_map
    from bookings.models import DepositPayment

    ana, ben, cleo = ChefFactory(name="Ana"), ChefFactory(name="Ben"), ChefFactory(name="Cleo")
    moving = _book([ana], "12:00")
    _book([ben], "18:00")
    _book([cleo], "15:00", status=Booking.Status.CANCELLED)
    BookingFactory(event_date=EVENT_DATE, slot="20:30", status=Booking.Status.QUOTED, chefs=[cleo],
                            hold_expires_at=NOW - timedelta(minutes=1))
    paying = BookingFactory(event_date=EVENT_DATE, slot="18:00", status=Booking.Status.QUOTED, chefs=[ana],
                            hold_expires_at=NOW - timedelta(minutes=1))
    DepositPayment.objects.create(booking=paying, provider="stripe", amount=Decimal("100"), status="pending",
                                  expires_at=NOW + timedelta(minutes=20))
    _book([ana], "15:00", event_date=EVENT_DATE + timedelta(days=1))
    for exclude in (None, moving):
        one_day = _busy_map([EVENT_DATE], exclude_booking=exclude, now=NOW)
        several = _busy_map([EVENT_DATE, EVENT_DATE + timedelta(days=1)], exclude_booking=exclude, now=NOW)
        assert {chef: sorted(slots) for chef, slots in one_day[EVENT_DATE].items()} == {
            chef: sorted(slots) for chef, slots in several[EVENT_DATE].items()}
    assert {chef: sorted(slots) for chef, slots in _busy_map([EVENT_DATE], now=NOW)[EVENT_DATE].items()} == {
        ana.pk: ["12:00", "18:00"], ben.pk: ["18:00"]}
    assert dict(_busy_map([EVENT_DATE], exclude_booking=moving, now=NOW)[EVENT_DATE]) == {
        ana.pk: ["18:00"], ben.pk: ["18:00"]}   # Cleo: her booking is cancelled and her quote's hold lapsed
