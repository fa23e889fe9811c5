"""Writes of the staff-editable hours. Every change reaches the reply path's snapshot once it commits."""

from __future__ import annotations

from .models import BusinessHours, Holiday
from .selectors import hours_snapshot


def _saved(obj, *, user):
    obj.updated_by = user if getattr(user, "pk", None) else None
    obj.full_clean()
    obj.save()
    hours_snapshot.invalidate()   # now for this thread, again at commit for every process
    return obj


def business_hours_save(*, hours: BusinessHours, user=None) -> BusinessHours:
    """Save one weekday's hours (validated: open before close, or closed)."""
    return _saved(hours, user=user)


def holiday_save(*, holiday: Holiday, user=None) -> Holiday:
    """Create or change a holiday (closed all day, or special hours)."""
    return _saved(holiday, user=user)


def holiday_delete(*, holiday: Holiday) -> None:
    holiday.delete()
    hours_snapshot.invalidate()   # now for this thread, again at commit for every process
