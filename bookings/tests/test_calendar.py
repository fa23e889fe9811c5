"""Calendar feeds (issue 16, item 6): the business's and each chef's confirmed events as iCalendar behind a secret
URL token, and the admin's week view per chef."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Booking, CalendarFeed
from bookings.services import calendar_feed_get_or_create, calendar_feed_rotate
from bookings.tests.factories import BookingFactory, ChefFactory

pytestmark = pytest.mark.django_db


def _events(response):
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _feed_url(feed):
    return reverse("calendar-feed", args=[feed.token])


def test_the_business_feed_lists_confirmed_events_with_pacific_times_and_stable_uids(client):
    chef = ChefFactory(name="Kenji")
    day = dt.date.today() + dt.timedelta(days=10)
    booking = BookingFactory(event_date=day, slot="18:00", adults=12, children=2, city="Fremont",
                             address="1234 Oak St", zip_code="94538", chefs=[chef])
    BookingFactory(event_date=day, status=Booking.Status.CANCELLED)
    BookingFactory(event_date=day, status=Booking.Status.INQUIRY)

    events = _events(client.get(_feed_url(calendar_feed_get_or_create())))

    assert list(events) == [f"booking-{booking.pk}@myhibachi.invalid"]
    event = events[f"booking-{booking.pk}@myhibachi.invalid"]
    start = event.decoded("dtstart")
    assert (start.date(), start.hour, start.minute, str(start.tzinfo)) == (day, 18, 0, "America/Los_Angeles")
    assert event.decoded("dtend") - start == dt.timedelta(minutes=90)
    assert str(event["summary"]) == "Hibachi for 14 - Fremont"
    assert str(event["location"]) == "1234 Oak St, Fremont, 94538"
    assert "Party: 12 adults, 2 children 6-12" in str(event["description"])
    assert "Chef: Kenji" in str(event["description"])


def test_a_chefs_feed_holds_only_their_events_starting_at_arrival_time(client):
    kenji, mai = ChefFactory(name="Kenji"), ChefFactory(name="Mai")
    day = dt.date.today() + dt.timedelta(days=3)
    theirs = BookingFactory(event_date=day, slot="12:00", chefs=[kenji])
    BookingFactory(event_date=day, slot="18:00", chefs=[mai])
    BookingFactory(event_date=day, slot="15:00")  # not assigned yet

    events = _events(client.get(_feed_url(calendar_feed_get_or_create(chef=kenji))))

    assert list(events) == [f"booking-{theirs.pk}@myhibachi.invalid"]
    start = events[f"booking-{theirs.pk}@myhibachi.invalid"].decoded("dtstart")
    assert (start.hour, start.minute) == (11, 30)
    assert "arrive 30 min early" in str(events[f"booking-{theirs.pk}@myhibachi.invalid"]["description"])


def test_a_rescheduled_booking_keeps_its_uid_and_moves(client):
    booking = BookingFactory(event_date=dt.date.today() + dt.timedelta(days=5))
    feed = calendar_feed_get_or_create()
    uid = f"booking-{booking.pk}@myhibachi.invalid"
    booking.event_date += dt.timedelta(days=7)
    booking.save()
    assert _events(client.get(_feed_url(feed)))[uid].decoded("dtstart").date() == booking.event_date


def test_an_unknown_token_is_a_404(client):
    calendar_feed_get_or_create()
    assert client.get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404


def test_a_rotated_token_stops_working_and_the_new_one_works(client):
    feed = calendar_feed_get_or_create()
    old = _feed_url(feed)
    calendar_feed_rotate(feed=feed)
    assert client.get(old).status_code == 404
    assert client.get(_feed_url(feed)).status_code == 200


def test_an_inactive_chefs_feed_is_a_404(client):
    chef = ChefFactory(active=False)
    assert client.get(_feed_url(calendar_feed_get_or_create(chef=chef))).status_code == 404


def test_the_feed_accepts_only_get(client):
    assert client.post(_feed_url(calendar_feed_get_or_create())).status_code == 405


def test_there_is_one_business_feed_and_one_per_chef():
    chef = ChefFactory()
    assert calendar_feed_get_or_create() == calendar_feed_get_or_create()
    assert calendar_feed_get_or_create(chef=chef) == calendar_feed_get_or_create(chef=chef)
    assert CalendarFeed.objects.count() == 2
    assert len(calendar_feed_get_or_create().token) >= 40


def test_the_feed_records_when_it_was_last_fetched(client):
    feed = calendar_feed_get_or_create()
    client.get(_feed_url(feed))
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None


def test_the_week_view_shows_each_chefs_events_on_their_day(staff_client):
    kenji = ChefFactory(name="Kenji")
    monday = dt.date(2027, 3, 1)
    BookingFactory(event_date=monday + dt.timedelta(days=5), slot="18:00", adults=30, children=0, chefs=[kenji],
                   city="Oakland")
    BookingFactory(event_date=monday + dt.timedelta(days=2), slot="12:00", status=Booking.Status.QUOTED,
                   city="Fremont")
    BookingFactory(event_date=monday + dt.timedelta(days=9), city="Elsewhere")  # next week

    response = staff_client.get(reverse("admin:bookings_booking_week") + "?start=2027-03-03")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [d.isoformat() for d in response.context["days"]][0] == "2027-03-01"
    kenji_row = next(row for row in rows if row["chef"] == kenji)
    assert [len(cell) for cell in kenji_row["cells"]] == [0, 0, 0, 0, 0, 1, 0]
    assert [len(cell) for cell in rows[-1]["cells"]] == [0, 0, 1, 0, 0, 0, 0]
    assert "Elsewhere" not in response.content.decode()


def test_the_week_view_needs_the_view_booking_permission(client, django_user_model):
    user = django_user_model.objects.create_user(username="clerk", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:bookings_booking_week")).status_code == 403


def test_staff_see_and_rotate_the_secret_address_in_the_admin(staff_client):
    feed = calendar_feed_get_or_create()
    old_token = feed.token
    page = staff_client.get(reverse("admin:bookings_calendarfeed_changelist")).content.decode()
    assert f"/calendar/{old_token}.ics" in page
    staff_client.post(reverse("admin:bookings_calendarfeed_changelist"),
                      {"action": "rotate", "_selected_action": [feed.pk]})
    feed.refresh_from_db()
    assert feed.token != old_token
