"""What the fault-injection run checks, read from the database: every customer message accepted since the run began
ends answered or escalated, no message is answered twice, no booking is made twice, no webhook event is left
unprocessed; and the figures it prints (messages, replies, escalations, events, deliveries)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from bookings.models import Booking
from conversations.models import Conversation, Escalation, Message
from messaging.models import OutboundDelivery, WebhookEvent

HUMAN = [Conversation.Status.WAITING_FOR_HUMAN, Conversation.Status.HUMAN_ACTIVE]


def high_water_marks() -> dict[str, int]:
    """The last ids before the run: what the run adds is above them (the demo seed's history is not counted)."""
    def last(model):
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return {"message": last(Message), "event": last(WebhookEvent), "booking": last(Booking),
            "escalation": last(Escalation)}


def ledger(marks: dict[str, int]) -> dict:
    inbound = Message.objects.filter(pk__gt=marks["message"], direction=Message.Direction.INBOUND,
                                     author=Message.Author.CUSTOMER, history=False)
    escalated = Exists(Escalation.objects.filter(message=OuterRef("pk")))
    later_reply = Exists(Message.objects.filter(conversation=OuterRef("conversation"),
                                                direction=Message.Direction.OUTBOUND, sent_at__gte=OuterRef("sent_at")))
    annotated = inbound.annotate(ai_replies=Count("replies", filter=Q(replies__author=Message.Author.AI)),
                                 any_replies=Count("replies"), escalated=escalated, later_reply=later_reply)
    rows = list(annotated.values("pk", "ai_replies", "any_replies", "escalated", "later_reply",
                                 "conversation__status"))
    replied = [r for r in rows if r["any_replies"] or r["later_reply"]]   # an escalation's acknowledgement counts
    by_staff = [r for r in rows if r["escalated"] or r["conversation__status"] in HUMAN]
    left = [r["pk"] for r in rows if r not in replied and r not in by_staff]
    events = WebhookEvent.objects.filter(pk__gt=marks["event"])
    deliveries = OutboundDelivery.objects.filter(message__pk__gt=marks["message"])
    bookings = (Booking.objects.filter(pk__gt=marks["booking"])
                .exclude(status__in=[Booking.Status.CANCELLED, Booking.Status.EXPIRED])
                .values("customer", "event_date", "slot").annotate(n=Count("pk")).filter(n__gt=1))
    return {
        "messages": len(rows),
        "replied": len(replied),
        "escalated": len(by_staff),   # with or without a reply (staff were told)
        "unanswered": len(left),
        "unanswered_ids": left[:20],
        "answered_twice": sum(1 for r in rows if r["ai_replies"] > 1),
        "escalations": Escalation.objects.filter(pk__gt=marks["escalation"]).count(),
        "events": dict(events.values_list("status").annotate(n=Count("pk")).order_by()),
        "events_left": events.filter(status=WebhookEvent.Status.RECEIVED).count(),
        "deliveries": dict(deliveries.values_list("status").annotate(n=Count("pk")).order_by()),
        "duplicate_bookings": bookings.count(),
    }


def failures(figures: dict) -> list[str]:
    """Why the run fails, in words; [] when it passes."""
    found = []
    if figures["unanswered"]:
        found.append(f"{figures['unanswered']} accepted message(s) ended without a reply or an escalation "
                     f"(ids {figures['unanswered_ids']})")
    if figures["events_left"]:
        found.append(f"{figures['events_left']} webhook event(s) never processed")
    if figures["answered_twice"]:
        found.append(f"{figures['answered_twice']} message(s) answered twice by the assistant")
    if figures["duplicate_bookings"]:
        found.append(f"{figures['duplicate_bookings']} duplicate booking(s)")
    return found


def settled(figures: dict) -> bool:
    return not figures["unanswered"] and not figures["events_left"]
