"""Memory in PostgreSQL: the Message table (one index scan on msg_customer_recent) plus a JSONB context document per
customer (knowledge.CustomerContext), updated by append()."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from .base import Memory, booking_dict, dietary_facts, iso, journey_events, message_dict, preferred_channel, split_bookings

_UPSERT_CONTEXT = """
INSERT INTO knowledge_customercontext (customer_id, data, updated_at)
VALUES (%(customer)s, jsonb_build_object(
    'last_message_id', %(message)s::bigint,
    'channels', CASE WHEN %(inbound)s THEN jsonb_build_object(%(channel)s::text, 1) ELSE '{}'::jsonb END,
    'dietary_notes', %(diets)s::jsonb, 'allergies', %(allergies)s::jsonb), now())
ON CONFLICT (customer_id) DO UPDATE SET
    data = knowledge_customercontext.data || jsonb_build_object(
        'last_message_id', %(message)s::bigint,
        'channels', coalesce(knowledge_customercontext.data->'channels', '{}'::jsonb) || CASE WHEN %(inbound)s
            THEN jsonb_build_object(%(channel)s::text,
                 coalesce((knowledge_customercontext.data->'channels'->>%(channel)s::text)::int, 0) + 1)
            ELSE '{}'::jsonb END,
        'dietary_notes', (SELECT coalesce(jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM jsonb_array_elements_text(
            coalesce(knowledge_customercontext.data->'dietary_notes', '[]'::jsonb) || %(diets)s::jsonb) x),
        'allergies', (SELECT coalesce(jsonb_agg(DISTINCT x ORDER BY x), '[]'::jsonb) FROM jsonb_array_elements_text(
            coalesce(knowledge_customercontext.data->'allergies', '[]'::jsonb) || %(allergies)s::jsonb) x)),
    updated_at = now()
WHERE coalesce((knowledge_customercontext.data->>'last_message_id')::bigint, 0) < %(message)s::bigint
"""


RECENT_SQL = (
    "SELECT id, channel, author, text, sent_at FROM conversations_message WHERE customer_id = %s "
    "ORDER BY sent_at DESC, id DESC LIMIT %s"
)

# bookings as booking_dict() shapes them: ISO date, guests = adults + children + children under 6, total as text
CONTEXT_SQL = """
SELECT c.name, c.email, c.phone, cc.data::text, (
    SELECT coalesce(json_agg(json_build_array(b.id, b.event_date, b.slot, b.adults + b.children + b.children_under_6,
                                              b.status, b.total::text) ORDER BY b.event_date, b.id), '[]'::json)
    FROM bookings_booking b WHERE b.customer_id = c.id)::text
FROM conversations_customer c LEFT JOIN knowledge_customercontext cc ON cc.customer_id = c.id
WHERE c.id = %s
"""


class PostgresMemory(Memory):
    def append(self, message) -> None:
        from conversations.models import Message

        customer_id = message.customer_id or message.conversation.customer_id
        if message.customer_id is None:  # rows written before the customer column existed, or by other code
            Message.objects.filter(pk=message.pk, customer_id__isnull=True).update(customer_id=customer_id)
            message.customer_id = customer_id
        inbound = message.direction == Message.Direction.INBOUND
        diets, allergies = dietary_facts(message.text) if inbound else ([], [])
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT_CONTEXT, {
                "customer": customer_id, "message": message.pk, "inbound": inbound, "channel": message.channel,
                "diets": json.dumps(diets), "allergies": json.dumps(allergies),
            })

    def recent(self, customer, limit: int = 20) -> list[dict]:
        """One index scan of msg_customer_recent (customer_id, sent_at DESC, id DESC), read backwards from the
        customer's newest message and stopped after `limit` rows: no sort, whatever the customer's history length.
        Plain SQL with only the five columns returned, since this runs on every message the assistant answers."""
        with connection.cursor() as cursor:
            cursor.execute(RECENT_SQL, [_pk(customer), int(limit)])
            rows = cursor.fetchall()
        return [message_dict(id=r[0], channel=r[1], author=r[2], text=r[3], sent_at=r[4]) for r in reversed(rows)]

    def explain_recent(self, customer, limit: int = 20, *, analyze: bool = True) -> str:
        """The plan of recent()'s query (EXPLAIN ANALYZE, BUFFERS), for the benchmark and the plan test."""
        options = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ({options}) {RECENT_SQL}", [_pk(customer), int(limit)])
            return "\n".join(row[0] for row in cursor.fetchall())

    def context(self, customer) -> dict:
        """One statement: the customer's row, its JSONB context document and its bookings (as JSON)."""
        from conversations.models import Customer

        with connection.cursor() as cursor:
            cursor.execute(CONTEXT_SQL, [_pk(customer)])
            row = cursor.fetchone()
        if row is None:
            raise Customer.DoesNotExist(f"No customer {_pk(customer)}")
        name, email, phone, data, bookings = row
        data = json.loads(data) if data else {}
        bookings = [dict(zip(("id", "event_date", "slot", "guests", "status", "total"), b, strict=True))
                    for b in json.loads(bookings)]
        past, open_ = split_bookings(bookings, today=timezone.localdate())
        return {
            "name": name, "email": email, "phone": phone, "past_bookings": past, "open_bookings": open_,
            "dietary_notes": data.get("dietary_notes", []), "allergies": data.get("allergies", []),
            "preferred_channel": preferred_channel(data.get("channels", {})),
        }

    def journey(self, customer) -> list[dict]:
        from bookings.models import Booking
        from conversations.models import Message

        messages = [
            {"id": m["id"], "at": iso(m["sent_at"]), "channel": m["channel"], "intent": m["intent"],
             "route": m["route"], "text": m["text"]}
            for m in Message.objects.filter(customer_id=_pk(customer)).values(
                "id", "sent_at", "channel", "intent", "route", "text"
            )
        ]
        bookings = [
            {**booking_dict(b), "created_at": iso(b.created_at)} for b in Booking.objects.filter(customer_id=_pk(customer))
        ]
        return journey_events(messages=messages, bookings=bookings)


def _pk(customer) -> int:
    return getattr(customer, "pk", customer)
