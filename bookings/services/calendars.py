"""Writes of calendar feeds: the secret token of the business's feed and of each chef's."""

from __future__ import annotations

import secrets

from django.utils import timezone

from bookings.models import CalendarFeed, Chef


def calendar_feed_get_or_create(*, chef: Chef | None = None) -> CalendarFeed:
    """The feed of a chef (or of the business when `chef` is None), created with a new secret token if missing."""
    feed, _ = CalendarFeed.objects.get_or_create(chef=chef, defaults={"token": secrets.token_urlsafe(32)})
    return feed


def calendar_feed_rotate(*, feed: CalendarFeed) -> CalendarFeed:
    """A new secret token: the old link stops working at once."""
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
