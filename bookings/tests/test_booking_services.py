"""The booking lifecycle: create (priced, checked, staffed), confirm, reschedule, change guests, cancel."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bookings.exceptions import CustomQuoteRequired, ServiceAreaError, SlotUnavailable
from bookings.models import Booking, Chef, PriceItem
from bookings.services import (
    booking_cancel,
    booking_change_guests,
    booking_confirm,
    booking_create,
    booking_reschedule,
    booking_set_status,
    chef_get_or_create,
    price_item_upsert,
)
from bookings.tests.conftest import EVENT_DATE, NOW, PACIFIC
from bookings.tests.factories import BookingFactory, ChefFactory
from conversations.tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.usefixtures("prices")

NEW_DATE = EVENT_DATE + timedelta(days=7)


def _hours_before(hours, event_date=EVENT_DATE, slot="18:00"):
    h, m = map(int, slot.split(":"))
    return datetime(event_date.year, event_date.month, event_date.day, h, m, tzinfo=PACIFIC) - timedelta(hours=hours)


@pytest.fixture
def ana():
    return ChefFactory(name="Ana")


@pytest.fixture
def ben():
    return ChefFactory(name="Ben")


@pytest.fixture
def customer():
    return CustomerFactory()


def _create(customer, **overrides):
    values = {"customer": customer, "event_date": EVENT_DATE, "slot": "18:00", "adults": 20, "children": 5,
              "zip_code": "95113", "now": NOW}
    return booking_create(**{**values, **overrides})


# --- create -------------------------------------------------------------------------------------------------------


def test_create_prices_the_booking_from_the_price_rows(customer, ana):
    booking = _create(customer, upgrades={"filet_mignon": None}, addons={"gyoza": 2}, zip_code="94103")
    assert booking.status == Booking.Status.QUOTED
    assert booking.food_total == Decimal("1250") + Decimal("125") + Decimal("24")
    assert booking.travel_fee == Decimal("20")
    assert booking.total == Decimal("1419")
    assert booking.quote["travel_miles"] == 30
    assert booking.quote["total"] == "1419.00"
    assert booking.upgrades == {"filet_mignon": None} and booking.addons == {"gyoza": 2}
    assert list(booking.chefs.all()) == [ana]


def test_create_follows_a_staff_price_edit(customer, ana):
    PriceItem.objects.filter(code="adult").update(unit_price=Decimal("65"))
    assert _create(customer).total == Decimal("1450")


def test_create_prices_travel_from_the_city_when_there_is_no_zip(customer, ana):
    booking = _create(customer, zip_code="", city="San Francisco")
    assert (booking.zip_code, booking.city) == ("", "San Francisco")
    assert booking.quote["zip_code"] == "94114"
    assert booking.quote["travel_miles"] == 30
    assert booking.travel_fee == Decimal("20")


def test_create_outside_the_service_area_records_nothing(customer, ana):
    with pytest.raises(ServiceAreaError):
        _create(customer, zip_code="90210")
    with pytest.raises(ServiceAreaError):
        _create(customer, zip_code="", city="Fresno")
    assert not Booking.objects.exists()


def test_create_assigns_two_chefs_for_31_to_60_guests(customer, ana, ben):
    booking = _create(customer, adults=30, children=5)
    assert set(booking.chefs.all()) == {ana, ben}
    assert booking.quote["chefs_needed"] == 2


def test_create_over_60_guests_needs_a_custom_quote(customer, ana, ben):
    with pytest.raises(CustomQuoteRequired):
        _create(customer, adults=61, children=0)
    assert not Booking.objects.exists()


def test_create_on_a_taken_slot_offers_alternatives(customer, ana):
    _create(customer)
    with pytest.raises(SlotUnavailable) as info:
        _create(CustomerFactory())
    error = info.value
    assert isinstance(error, ValidationError)
    assert (error.reason, error.slot) == ("fully_booked", "18:00")
    assert error.alternatives == [  # Ana can still do a second event that day, at another slot
        {"date": "2026-12-12", "slot": "12:00", "free_chefs": 1},
        {"date": "2026-12-12", "slot": "15:00", "free_chefs": 1},
        {"date": "2026-12-12", "slot": "20:30", "free_chefs": 1},
    ]
    assert "2026-12-12 12:00" in error.message_dict["slot"][0]
    assert Booking.objects.count() == 1


def test_create_with_less_than_48_hours_notice_is_passed_to_staff(customer, ana):
    with pytest.raises(SlotUnavailable) as info:
        _create(customer, now=_hours_before(47))
    assert info.value.reason == "needs_staff"
    assert info.value.error_dict["slot"][0].code == "needs_staff"
    assert info.value.alternatives[0] == {"date": "2026-12-12", "slot": "20:30", "free_chefs": 1}  # 49.5 hours away
    assert not Booking.objects.exists()


def test_create_with_exactly_48_hours_notice_is_accepted(customer, ana):
    assert _create(customer, now=_hours_before(48)).pk


def test_create_refuses_another_customers_conversation(customer, ana):
    with pytest.raises(ValidationError) as info:
        _create(customer, conversation=ConversationFactory())
    assert "conversation" in info.value.message_dict


def test_create_links_the_customers_own_conversation(customer, ana):
    conversation = ConversationFactory(customer=customer)
    assert _create(customer, conversation=conversation).conversation == conversation


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"status": "confirmed"}, "status"), ({"slot": "19:00"}, "slot"), ({"adults": 0}, "adults"),
     ({"proteins": ["chicken", ""]}, "proteins"), ({"zip_code": "123"}, "zip_code")],
)
def test_create_rejects_invalid_input(customer, ana, overrides, field):
    with pytest.raises(ValidationError) as info:
        _create(customer, **overrides)
    assert field in info.value.message_dict


# --- confirm ------------------------------------------------------------------------------------------------------


def test_confirm_takes_the_deposit_from_the_price_row(customer, ana):
    booking = booking_confirm(booking=_create(customer), now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.deposit_paid == Decimal("100")
    assert booking.confirmed_at == NOW


def test_confirm_refuses_less_than_the_deposit(customer, ana):
    booking = _create(customer)
    with pytest.raises(ValidationError) as info:
        booking_confirm(booking=booking, deposit_paid=Decimal("50"), now=NOW)
    assert "deposit_paid" in info.value.message_dict
    booking.refresh_from_db()
    assert booking.status == Booking.Status.QUOTED


def test_confirm_twice_is_refused(customer, ana):
    booking = booking_confirm(booking=_create(customer), now=NOW)
    with pytest.raises(ValidationError) as info:
        booking_confirm(booking=booking, now=NOW)
    assert "status" in info.value.message_dict


def test_confirm_needs_the_event_location(customer, ana):
    booking = _create(customer, zip_code="")
    with pytest.raises(ValidationError) as info:
        booking_confirm(booking=booking, now=NOW)
    assert "zip_code" in info.value.message_dict


# --- reschedule ---------------------------------------------------------------------------------------------------


def test_reschedule_once_with_48_hours_notice_moves_the_booking(customer, ana):
    booking = _create(customer)
    booking_reschedule(booking=booking, event_date=NEW_DATE, slot="15:00", now=_hours_before(48))
    booking.refresh_from_db()
    assert (booking.event_date, booking.slot, booking.rescheduled_count) == (NEW_DATE, "15:00", 1)
    assert list(booking.chefs.all()) == [ana]
    assert booking.total == Decimal("1250")


def test_a_second_reschedule_is_refused(customer, ana):
    booking = _create(customer)
    booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", now=NOW)
    with pytest.raises(ValidationError) as info:
        booking_reschedule(booking=booking, event_date=NEW_DATE, slot="12:00", now=NOW)
    assert info.value.error_dict["event_date"][0].code == "reschedule_limit"
    booking.refresh_from_db()
    assert (booking.event_date, booking.slot) == (NEW_DATE, "18:00")


def test_a_late_reschedule_is_refused_even_to_a_far_date(customer, ana):
    booking = _create(customer)
    with pytest.raises(ValidationError) as info:
        booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", now=_hours_before(47))
    assert info.value.error_dict["event_date"][0].code == "late_reschedule"
    assert "48 hours" in info.value.message_dict["event_date"][0]
    booking.refresh_from_db()
    assert (booking.event_date, booking.rescheduled_count) == (EVENT_DATE, 0)


def test_a_rain_reschedule_needs_24_hours_and_keeps_the_free_reschedule(customer, ana):
    booking = _create(customer)
    booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", weather=True, now=_hours_before(30))
    booking.refresh_from_db()
    assert (booking.event_date, booking.rescheduled_count, booking.weather_reschedule_count) == (NEW_DATE, 0, 1)
    booking_reschedule(booking=booking, event_date=NEW_DATE, slot="12:00", now=_hours_before(30))
    booking.refresh_from_db()
    assert (booking.slot, booking.rescheduled_count) == ("12:00", 1)


def test_a_rain_reschedule_with_less_than_24_hours_is_refused(customer, ana):
    booking = _create(customer)
    with pytest.raises(ValidationError) as info:
        booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", weather=True, now=_hours_before(23))
    assert "24 hours" in info.value.message_dict["event_date"][0]


def test_the_new_slot_also_needs_48_hours_notice(customer, ana):
    booking = _create(customer)
    with pytest.raises(SlotUnavailable) as info:  # rain move 30 hours ahead, to a slot 32.5 hours away
        booking_reschedule(booking=booking, event_date=EVENT_DATE, slot="20:30", weather=True, now=_hours_before(30))
    assert info.value.reason == "needs_staff"


def test_reschedule_to_a_taken_slot_offers_alternatives_and_changes_nothing(customer, ana):
    booking = _create(customer)
    _create(CustomerFactory(), event_date=NEW_DATE)
    with pytest.raises(SlotUnavailable) as info:
        booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", now=NOW)
    assert info.value.alternatives[0] == {"date": NEW_DATE.isoformat(), "slot": "12:00", "free_chefs": 1}
    booking.refresh_from_db()
    assert (booking.event_date, booking.rescheduled_count) == (EVENT_DATE, 0)


def test_reschedule_frees_the_old_slot(customer, ana):
    booking = _create(customer)
    booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", now=NOW)
    assert _create(CustomerFactory()).chefs.get() == ana


def test_reschedule_within_the_same_day_is_not_blocked_by_the_booking_itself(customer, ana):
    booking = _create(customer)
    _create(CustomerFactory(), slot="12:00")  # Ana now has two events on the date, this one included
    booking_reschedule(booking=booking, event_date=EVENT_DATE, slot="20:30", now=NOW)
    assert list(booking.chefs.all()) == [ana]


def test_a_cancelled_booking_cannot_be_rescheduled(customer, ana):
    booking = _create(customer)
    booking_cancel(booking=booking, now=NOW)
    with pytest.raises(ValidationError) as info:
        booking_reschedule(booking=booking, event_date=NEW_DATE, slot="18:00", now=NOW)
    assert "status" in info.value.message_dict


# --- guest count --------------------------------------------------------------------------------------------------


def test_changing_guests_re_quotes_the_booking(customer, ana):
    booking = _create(customer, upgrades={"lobster_tail": None})
    booking_change_guests(booking=booking, adults=10, children=0, now=NOW)
    booking.refresh_from_db()
    assert (booking.adults, booking.children) == (10, 0)
    assert booking.food_total == Decimal("550") + Decimal("150")
    assert booking.total == Decimal("700")
    assert booking.quote["guests"] == 10


def test_growing_past_30_guests_adds_a_second_chef(customer, ana, ben):
    booking = _create(customer)
    booking_change_guests(booking=booking, adults=35, now=NOW)
    assert set(booking.chefs.all()) == {ana, ben}


def test_growing_past_30_guests_without_a_free_chef_changes_nothing(customer, ana, ben):
    booking = _create(customer)
    _create(CustomerFactory())  # takes Ben at the same slot
    with pytest.raises(SlotUnavailable) as info:
        booking_change_guests(booking=booking, adults=35, now=NOW)
    assert info.value.reason == "fully_booked"
    booking.refresh_from_db()
    assert (booking.adults, booking.total, booking.chefs.count()) == (20, Decimal("1250"), 1)


def test_shrinking_to_30_guests_releases_a_chef(customer, ana, ben):
    booking = _create(customer, adults=40)
    booking_change_guests(booking=booking, adults=20, now=NOW)
    assert list(booking.chefs.all()) == [ana]
    assert _create(CustomerFactory()).chefs.get() == ben


def test_guest_changes_close_48_hours_before_the_event(customer, ana):
    booking = _create(customer)
    booking_change_guests(booking=booking, adults=22, now=_hours_before(48))
    with pytest.raises(ValidationError) as info:
        booking_change_guests(booking=booking, adults=24, now=_hours_before(47))
    assert info.value.error_dict["guests"][0].code == "guest_change_closed"
    booking.refresh_from_db()
    assert booking.adults == 22


def test_changing_to_more_than_60_guests_needs_staff(customer, ana, ben):
    booking = _create(customer)
    with pytest.raises(CustomQuoteRequired):
        booking_change_guests(booking=booking, adults=70, now=NOW)


# --- cancel -------------------------------------------------------------------------------------------------------


def test_cancel_7_or_more_days_before_refunds_the_deposit(customer, ana):
    booking = booking_confirm(booking=_create(customer), now=NOW)
    booking, refunded = booking_cancel(booking=booking, now=_hours_before(7 * 24))
    booking.refresh_from_db()
    assert refunded is True
    assert (booking.status, booking.deposit_refunded) == (Booking.Status.CANCELLED, True)
    assert booking.cancelled_at == _hours_before(7 * 24)


def test_cancel_less_than_7_days_before_keeps_the_deposit(customer, ana):
    booking = booking_confirm(booking=_create(customer), now=NOW)
    booking, refunded = booking_cancel(booking=booking, now=_hours_before(7 * 24 - 1))
    booking.refresh_from_db()
    assert refunded is False
    assert (booking.status, booking.deposit_refunded) == (Booking.Status.CANCELLED, False)


def test_cancel_without_a_deposit_refunds_nothing(customer, ana):
    _booking, refunded = booking_cancel(booking=_create(customer), now=NOW)
    assert refunded is False


def test_cancel_twice_is_refused(customer, ana):
    booking, _ = booking_cancel(booking=_create(customer), now=NOW)
    with pytest.raises(ValidationError):
        booking_cancel(booking=booking, now=NOW)


def test_a_cancelled_booking_frees_its_chef(customer, ana):
    booking = _create(customer)
    booking_cancel(booking=booking, now=NOW)
    assert _create(CustomerFactory()).chefs.get() == ana


# --- the catalogue writes keep working ----------------------------------------------------------------------------


def test_set_status_and_catalogue_writes():
    booking = BookingFactory(status=Booking.Status.CONFIRMED)
    assert booking_set_status(booking=booking, status=Booking.Status.COMPLETED).status == "completed"
    with pytest.raises(ValidationError):
        booking_set_status(booking=booking, status="lost")
    row, created = price_item_upsert(code="adult", name="Adult", kind="per_person", unit_price=Decimal("1"),
                                     overwrite=False)
    assert (created, row.unit_price) == (False, Decimal("55"))
    assert chef_get_or_create(name=" Kenji ") == chef_get_or_create(name="Kenji") == Chef.objects.get(name="Kenji")
