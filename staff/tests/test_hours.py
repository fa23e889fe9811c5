"""Business hours and holidays (issue 16, item 7): staff edit them in the admin, and staff availability follows."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from staff.models import BusinessHours, Holiday
from staff.roles import AGENT, MANAGER
from staff.selectors import hours_snapshot, staff_available_at, staff_hours_on, staff_next_opening
from staff.services import business_hours_save, holiday_delete, holiday_save

pytestmark = pytest.mark.django_db(transaction=False)

PACIFIC = ZoneInfo("America/Los_Angeles")
SATURDAY = datetime.date(2026, 11, 7)
SUNDAY = datetime.date(2026, 11, 8)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PACIFIC)


def saturday_closed():
    hours = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SATURDAY)
    hours.closed, hours.opens_at, hours.closes_at = True, None, None
    return hours


def test_the_migration_keeps_todays_hours_every_day():
    rows = list(BusinessHours.objects.values_list("weekday", "closed", "opens_at", "closes_at"))
    assert rows == [(day, False, datetime.time(9), datetime.time(21)) for day in range(7)]
    assert staff_available_at(moment=at(SATURDAY, 9)) and staff_available_at(moment=at(SATURDAY, 20, 59))
    assert not staff_available_at(moment=at(SATURDAY, 8, 59)) and not staff_available_at(moment=at(SATURDAY, 21))


def test_weekday_hours_drive_staff_availability(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        business_hours_save(hours=saturday_closed())
        sunday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SUNDAY)
        sunday.opens_at, sunday.closes_at = datetime.time(11), datetime.time(17)
        business_hours_save(hours=sunday)

    assert not staff_available_at(moment=at(SATURDAY, 12))
    assert staff_next_opening(moment=at(SATURDAY, 12)) == at(SUNDAY, 11)
    assert not staff_available_at(moment=at(SUNDAY, 10)) and staff_available_at(moment=at(SUNDAY, 16, 59))
    assert not staff_available_at(moment=at(SUNDAY, 17))


def test_a_holiday_closes_the_day_or_gives_special_hours(django_capture_on_commit_callbacks):
    christmas_eve, christmas = datetime.date(2026, 12, 24), datetime.date(2026, 12, 25)
    with django_capture_on_commit_callbacks(execute=True):
        holiday_save(holiday=Holiday(date=christmas, name="Christmas Day"))
        holiday_save(holiday=Holiday(date=christmas_eve, name="Christmas Eve", closed=False,
                                     opens_at=datetime.time(9), closes_at=datetime.time(14)))

    assert staff_hours_on(day=christmas).closed and staff_hours_on(day=christmas).holiday == "Christmas Day"
    assert staff_available_at(moment=at(christmas_eve, 13)) and not staff_available_at(moment=at(christmas_eve, 15))
    assert staff_next_opening(moment=at(christmas_eve, 15)) == at(datetime.date(2026, 12, 26), 9)

    with django_capture_on_commit_callbacks(execute=True):
        holiday_delete(holiday=Holiday.objects.get(date=christmas))
    assert staff_available_at(moment=at(christmas, 10))


def test_hours_that_close_before_they_open_are_refused():
    hours = BusinessHours.objects.get(weekday=0)
    hours.opens_at, hours.closes_at = datetime.time(21), datetime.time(9)
    with pytest.raises(ValidationError) as refused:
        business_hours_save(hours=hours)
    assert "closes_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        holiday_save(holiday=Holiday(date=SUNDAY, name="Half day", closed=False, opens_at=datetime.time(9)))
    assert "closes_at" in refused.value.message_dict


def test_availability_costs_no_sql_once_loaded(django_assert_num_queries):
    staff_available_at(moment=at(SATURDAY, 12))
    with django_assert_num_queries(0):
        for hour in range(24):
            staff_available_at(moment=at(SATURDAY, hour))
        staff_next_opening(moment=at(SATURDAY, 22))


def test_a_weekday_without_a_row_reads_as_the_default_hours():
    """A TRUNCATE (transactional tests) leaves no rows: the hours are still today's."""
    BusinessHours.objects.all().delete()
    hours_snapshot.invalidate()
    assert staff_available_at(moment=at(SATURDAY, 10)) and not staff_available_at(moment=at(SATURDAY, 22))


def test_a_manager_edits_the_hours_and_adds_a_holiday_in_the_admin(login, django_capture_on_commit_callbacks):
    client = login(MANAGER)
    saturday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SATURDAY)
    assert not staff_available_at(moment=at(SATURDAY, 22))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:staff_businesshours_change", args=[saturday.pk]),
                               {"closed": "", "opens_at": "10:00", "closes_at": "23:00"})
        assert response.status_code == 302
        response = client.post(reverse("admin:staff_holiday_add"),
                               {"date": "2026-11-08", "name": "Team day", "closed": "on"})
        assert response.status_code == 302

    saturday.refresh_from_db()
    assert saturday.updated_by.username == "manager"
    assert staff_available_at(moment=at(SATURDAY, 22)) and not staff_available_at(moment=at(SATURDAY, 9, 30))
    assert staff_hours_on(day=SUNDAY).holiday == "Team day" and staff_hours_on(day=SUNDAY).closed


def test_the_admin_refuses_hours_that_close_before_they_open(login):
    saturday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SATURDAY)
    response = login(MANAGER).post(reverse("admin:staff_businesshours_change", args=[saturday.pk]),
                                   {"closed": "", "opens_at": "18:00", "closes_at": "10:00"})
    assert response.status_code == 200
    assert "The closing time must be after the opening time (18:00)." in response.content.decode()
    saturday.refresh_from_db()
    assert saturday.opens_at == datetime.time(9)


def test_an_agent_cannot_open_or_change_the_hours(login):
    client = login(AGENT)
    saturday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SATURDAY)
    assert client.get(reverse("admin:staff_businesshours_changelist")).status_code == 403
    assert client.get(reverse("admin:staff_holiday_add")).status_code == 403
    response = client.post(reverse("admin:staff_businesshours_change", args=[saturday.pk]),
                           {"closed": "on", "opens_at": "", "closes_at": ""})
    assert response.status_code == 403
    saturday.refresh_from_db()
    assert not saturday.closed


def test_the_hours_summary_groups_weekdays_with_the_same_hours(django_capture_on_commit_callbacks):
    from staff.selectors import staff_hours_summary

    assert staff_hours_summary() == "9:00-21:00 Pacific, every day"
    with django_capture_on_commit_callbacks(execute=True):
        business_hours_save(hours=saturday_closed())
        sunday = BusinessHours.objects.get(weekday=BusinessHours.Weekday.SUNDAY)
        sunday.opens_at, sunday.closes_at = datetime.time(10, 30), datetime.time(16)
        business_hours_save(hours=sunday)
    assert staff_hours_summary() == "Monday-Friday 9:00-21:00, Saturday closed, Sunday 10:30-16:00, Pacific time"
