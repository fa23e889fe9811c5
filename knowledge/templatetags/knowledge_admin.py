"""Admin template tags of the knowledge app.

`{% customer_journey customer %}` renders the customer's journey (first contact, channels, quotes, bookings,
complaints, escalations) from the configured memory backend as a timeline. The knowledge app puts it on the
conversations Customer change page by extending that page's template
(knowledge/templates/admin/conversations/customer/change_form.html), so `conversations` needs no import of memory.
"""

from django import template

from knowledge.memory import get_memory

register = template.Library()


@register.inclusion_tag("knowledge/admin/journey_timeline.html")
def customer_journey(customer) -> dict:
    try:
        events, error = get_memory().journey(customer), None
    except Exception as exc:  # a graph backend that is down must not break the customer's page
        events, error = [], f"{type(exc).__name__}: {exc}"
    events = [
        {**e, "when": e["at"][:16].replace("T", " ") + " UTC", "label": e["kind"].replace("_", " ").capitalize()}
        for e in events
    ]
    return {"events": events, "error": error}
