"""When staff answer customers: the weekday's hours unless the date is a holiday. Read from an in-process snapshot
(hibachi.versioned_cache): no SQL per reply; a save in the admin reaches every process at its next read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from hibachi.versioned_cache import VersionedCache

from .models import DEFAULT_CLOSES, DEFAULT_OPENS, BusinessHours, Holiday

# How far ahead staff_next_opening looks (a closed year is "no opening known").
LOOKAHEAD_DAYS = 370


@dataclass(frozen=True)
class DayHours:
    opens: datetime.time | None     # None: closed all day
    closes: datetime.time | None
    holiday: str = ""               # the holiday's name when the date is one

    @property
    def closed(self) -> bool:
        return self.opens is None


@dataclass(frozen=True)
class _Hours:
    weekly: dict[int, DayHours]
    holidays: dict[datetime.date, DayHours]


def _load() -> _Hours:
    weekly = {day: DayHours(DEFAULT_OPENS, DEFAULT_CLOSES) for day in range(7)}
    for row in BusinessHours.objects.all():
        weekly[row.weekday] = DayHours(None, None) if row.closed else DayHours(row.opens_at, row.closes_at)
    holidays = {row.date: DayHours(None, None, row.name) if row.closed else DayHours(row.opens_at, row.closes_at,
                                                                                     row.name)
                for row in Holiday.objects.all()}
    return _Hours(weekly=weekly, holidays=holidays)


hours_snapshot = VersionedCache("staff:hours", _load,
                                recheck_seconds=lambda: settings.SETTINGS_SNAPSHOT_RECHECK_SECONDS)


def staff_hours_on(*, day: datetime.date) -> DayHours:
    hours = hours_snapshot.get()
    return hours.holidays.get(day) or hours.weekly[day.weekday()]


def staff_available_at(*, moment: datetime.datetime) -> bool:
    """Whether staff answer customers at this moment (Pacific hours; closing time excluded)."""
    local = timezone.localtime(moment)
    hours = staff_hours_on(day=local.date())
    return not hours.closed and hours.opens <= local.time() < hours.closes


def staff_next_opening(*, moment: datetime.datetime) -> datetime.datetime | None:
    """The next time staff start answering after `moment` (aware, local time), or None when no day of the next
    LOOKAHEAD_DAYS is open. During hours it is the next day's opening, not now."""
    local = timezone.localtime(moment)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + datetime.timedelta(days=offset)
        hours = staff_hours_on(day=day)
        if hours.closed:
            continue
        opening = timezone.make_aware(datetime.datetime.combine(day, hours.opens))
        if opening > local:
            return opening
    return None


def staff_hours_summary() -> str:
    """The weekly hours in one line, for customers: "9:00-21:00 Pacific, every day", or by runs of weekdays with the
    same hours ("Monday-Friday 9:00-21:00, Saturday 10:00-16:00, Sunday closed, Pacific time"). Holidays are not
    listed."""
    weekly = hours_snapshot.get().weekly

    def hours_text(hours: DayHours) -> str:
        return "closed" if hours.closed else f"{_clock(hours.opens)}-{_clock(hours.closes)}"

    if len({weekly[day] for day in range(7)}) == 1:
        return f"{hours_text(weekly[0])} Pacific, every day"
    names = [label for _, label in BusinessHours.Weekday.choices]
    runs: list[list[int]] = []
    for day in range(7):
        if runs and weekly[runs[-1][-1]] == weekly[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [f"{names[run[0]]}{'-' + names[run[-1]] if len(run) > 1 else ''} {hours_text(weekly[run[0]])}"
             for run in runs]
    return f"{', '.join(parts)}, Pacific time"


def _clock(value: datetime.time) -> str:
    return f"{value.hour}:{value.minute:02d}"
