"""The iCalendar feeds' URL: `/calendar/<token>.ics`. The token is the only credential (like Google Calendar's
"secret address"): an unknown or rotated token is a 404 that says nothing about which feeds exist."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .calendar import calendar_ics
from .models import CalendarFeed


@require_GET
def calendar_feed(request, token: str):
    feed = CalendarFeed.objects.select_related("chef").filter(token=token).first()
    if feed is None or (feed.chef_id and not feed.chef.active):
        raise Http404("No such calendar.")
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    response = HttpResponse(calendar_ics(feed=feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="myhibachi.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
