"""Settings staff edit: when the team answers customers (business hours per weekday, holidays)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

# Today's hours, every day (handbook: 9:00-21:00 Pacific). The data migration creates the rows with them, and a
# weekday without a row (a test database flushed by TRUNCATE) reads as these.
DEFAULT_OPENS = datetime.time(9, 0)
DEFAULT_CLOSES = datetime.time(21, 0)

_HOURS_VALID = Q(closed=True) | Q(opens_at__isnull=False, closes_at__isnull=False, opens_at__lt=F("closes_at"))


def _hours_clean(obj) -> None:
    """Open: both times, opening before closing (hours past midnight are not supported)."""
    if obj.closed:
        return
    errors = {}
    if obj.opens_at is None:
        errors["opens_at"] = "Give the opening time, or tick closed."
    if obj.closes_at is None:
        errors["closes_at"] = "Give the closing time, or tick closed."
    if not errors and obj.opens_at >= obj.closes_at:
        errors["closes_at"] = f"The closing time must be after the opening time ({obj.opens_at:%H:%M})."
    if errors:
        raise ValidationError(errors)


class BusinessHours(models.Model):
    """When staff answer customers on one weekday (Pacific time): the handoff note and staff availability read it."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    closed = models.BooleanField(default=False, help_text="Nobody answers customers on this weekday.")
    opens_at = models.TimeField(null=True, blank=True, default=DEFAULT_OPENS)
    closes_at = models.TimeField(null=True, blank=True, default=DEFAULT_CLOSES)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["weekday"]
        verbose_name = verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(condition=_HOURS_VALID, name="businesshours_open_before_close"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="businesshours_weekday_0_6"),
        ]

    def __str__(self):
        hours = "closed" if self.closed else f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
        return f"{self.get_weekday_display()}: {hours}"

    def clean(self):
        _hours_clean(self)


class Holiday(models.Model):
    """A date whose hours are not the weekday's: closed all day, or special hours."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)
    closed = models.BooleanField(default=True, help_text="Closed all day; untick and give the special hours instead.")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.CheckConstraint(condition=_HOURS_VALID, name="holiday_open_before_close")]

    def __str__(self):
        hours = "closed" if self.closed else f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
        return f"{self.date:%Y-%m-%d} {self.name} ({hours})"

    def clean(self):
        _hours_clean(self)
