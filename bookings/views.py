"""Plain Django views of the bookings app.

- `/calendar/<token>.ics`: the iCalendar feeds. The token is the only credential (like Google Calendar's "secret
  address"): an unknown or rotated token is a 404 that says nothing about which feeds exist.
- `/payments/<provider>/webhook/`: the payment provider's webhook (Stripe's `checkout.session.*` events), verified by
  its signature before anything is read; the raw body is what the signature covers, so this is not a DRF view.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .calendar import calendar_ics
from .models import CalendarFeed
from .payments import WebhookRefused, get_payment_provider
from .services import deposit_event_record

logger = logging.getLogger(__name__)


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


@csrf_exempt
@require_POST
def payment_webhook(request, provider: str):
    if provider not in (getattr(settings, "PAYMENT_PROVIDERS", None) or {}):
        raise Http404("No such payment provider.")
    if len(request.body) > settings.PAYMENT_WEBHOOK_MAX_BYTES:
        return JsonResponse({"detail": f"The body is over {settings.PAYMENT_WEBHOOK_MAX_BYTES} bytes."}, status=413)
    try:
        event = get_payment_provider(provider).webhook_event(payload=request.body, headers=request.headers)
    except ImproperlyConfigured as exc:
        logger.error("Payment webhook for %s refused: the provider is not configured: %s", provider, exc)
        return JsonResponse({"detail": "This payment provider is not configured."}, status=503)
    except WebhookRefused as exc:
        logger.warning("Payment webhook for %s refused: %s", provider, exc)
        return JsonResponse({"detail": str(exc)}, status=400)
    if event is None:
        return JsonResponse({"received": True, "handled": False})
    payment = deposit_event_record(event=event)
    return JsonResponse({"received": True, "handled": payment is not None,
                         "status": payment.status if payment else None})
