"""Bookings in the admin go through the services (issue 16, item 2): add, confirm, reschedule, change guests
(re-priced, the difference shown first), cancel (refund rule), complete; the change form never saves raw prices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_create, bookings_complete_past
from bookings.tests.factories import BookingFactory, ChefFactory
from conversations.tests.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("prices")

FAR = dt.date.today() + dt.timedelta(days=30)
INLINE = {"deposit_payments-TOTAL_FORMS": "0", "deposit_payments-INITIAL_FORMS": "0"}


@pytest.fixture
def chefs(db):
    return [ChefFactory(name="Ana"), ChefFactory(name="Ben")]


@pytest.fixture
def booking(chefs):
    return booking_create(customer=CustomerFactory(), event_date=FAR, slot="18:00", adults=12, zip_code="95113")


def _op(name, booking):
    return reverse("admin:bookings_booking_operation", args=[booking.pk, name])


def test_the_add_form_makes_a_priced_staffed_booking(admin_client, chefs):
    customer = CustomerFactory()
    response = admin_client.post(reverse("admin:bookings_booking_add"), {
        "customer": customer.pk, "event_date": FAR.isoformat(), "slot": "18:00", "adults": 12, "children": 2,
        "children_under_6": 0, "address": "1 Main St", "city": "", "zip_code": "95113", "proteins": "[]",
        "upgrades": "{}", "addons": "{}", **INLINE,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    booking = Booking.objects.get(customer=customer)
    assert booking.total == Decimal("720.00")  # 12 x $55 + 2 x $30
    assert booking.chefs.count() == 1 and booking.status == "quoted"


def test_the_add_form_shows_the_services_refusal_and_makes_nothing(admin_client, chefs):
    customer = CustomerFactory()
    response = admin_client.post(reverse("admin:bookings_booking_add"), {
        "customer": customer.pk, "event_date": dt.date.today().isoformat(), "slot": "18:00", "adults": 12,
        "children": 0, "children_under_6": 0, "zip_code": "95113", "proteins": "[]", "upgrades": "{}", "addons": "{}",
        **INLINE,
    })
    assert response.status_code == 200
    assert "cannot be booked" in str(response.context["adminform"].form.errors)
    assert not Booking.objects.filter(customer=customer).exists()


def test_the_change_form_saves_the_address_and_ignores_prices_typed_in(admin_client, booking):
    admin_client.post(reverse("admin:bookings_booking_change", args=[booking.pk]),
                      {"address": "55 Mission Blvd", "total": "1.00", "adults": "1", "status": "confirmed",
                       "deposit_payments-TOTAL_FORMS": "0", "deposit_payments-INITIAL_FORMS": "0"})
    booking.refresh_from_db()
    assert booking.address == "55 Mission Blvd"
    assert (booking.total, booking.adults, booking.status) == (Decimal("660.00"), 12, "quoted")


def test_changing_guests_shows_the_new_price_first_then_applies_it(admin_client, booking):
    form = {"adults": 20, "children": 0, "children_under_6": 0}
    preview = admin_client.post(_op("guests", booking), form)
    assert preview.context["preview"] == {"old": Decimal("660.00"), "new": Decimal("1100.00"),
                                          "difference": Decimal("440.00")}
    booking.refresh_from_db()
    assert booking.adults == 12

    applied = admin_client.post(_op("guests", booking), {**form, "apply": "1"})
    assert applied.status_code == 302
    booking.refresh_from_db()
    assert (booking.adults, booking.total) == (20, Decimal("1100.00"))


def test_rescheduling_goes_through_the_policy(admin_client, booking):
    new_day = FAR + dt.timedelta(days=7)
    assert admin_client.post(_op("reschedule", booking), {"event_date": new_day, "slot": "12:00"}).status_code == 302
    booking.refresh_from_db()
    assert (booking.event_date, booking.slot, booking.rescheduled_count) == (new_day, "12:00", 1)
    again = admin_client.post(_op("reschedule", booking), {"event_date": FAR, "slot": "12:00"})
    assert again.status_code == 200 and "once" in str(again.context["form"].errors).lower()


def test_confirming_needs_the_deposit(admin_client, booking):
    low = admin_client.post(_op("confirm", booking), {"deposit_paid": "20"})
    assert low.status_code == 200 and "deposit" in str(low.context["form"].errors)
    assert admin_client.post(_op("confirm", booking), {"deposit_paid": "100"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.deposit_paid == Decimal("100.00")


def test_cancelling_applies_the_refund_rule(admin_client, booking):
    Booking.objects.filter(pk=booking.pk).update(status="confirmed", deposit_paid=Decimal("100"))
    response = admin_client.post(_op("cancel", booking), {"sure": "on"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.deposit_refunded
    assert "to refund" in response.content.decode()


def test_a_future_event_cannot_be_completed(admin_client, booking):
    Booking.objects.filter(pk=booking.pk).update(status="confirmed")
    response = admin_client.post(_op("complete", booking), {"sure": "on"})
    assert response.status_code == 200 and "not over" in str(response.context["form"].errors)


def test_beat_marks_past_confirmed_events_completed(db):
    past = BookingFactory(event_date=dt.date.today() - dt.timedelta(days=1), status="confirmed")
    future = BookingFactory(event_date=FAR, status="confirmed")
    quoted = BookingFactory(event_date=dt.date.today() - dt.timedelta(days=2), status="quoted")
    assert bookings_complete_past() == 1
    assert [Booking.objects.get(pk=b.pk).status for b in (past, future, quoted)] == ["completed", "confirmed",
                                                                                      "quoted"]


def test_operations_need_the_change_permission(client, django_user_model, booking):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(user)
    assert client.post(_op("cancel", booking), {"sure": "on"}).status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == "quoted"


def test_an_unknown_operation_is_a_404(admin_client, booking):
    assert admin_client.get(_op("teleport", booking)).status_code == 404
