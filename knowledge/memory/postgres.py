"""Memory in PostgreSQL: the Message table (one index scan on msg_customer_recent) plus a JSONB context document per
customer (knowledge.CustomerContext), updated by append(). Other apps' tables are read through the ORM (recent()
runs the ORM's statement compiled once) and the bookings app's selectors; only knowledge's own table is written in
SQL (one atomic JSONB merge)."""

from __future__ import annotations

import json
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from bookings.selectors import booking_as_dict, customer_bookings
from conversations.models import Customer, Message
from hibachi.compiled_query import CompiledQuery

from .base import Memory, dietary_facts, iso, journey_events, message_dict, preferred_channel, split_bookings

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


class PostgresMemory(Memory):
    def append(self, message) -> None:
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
        Runs on every message the assistant answers, so it executes the ORM's statement compiled once (see
        _recent_query) and fetches only the five columns returned."""
        rows = _recent_query(int(limit)).all(customer_id=_pk(customer))
        return [message_dict(id=r[0], channel=r[1], author=r[2], text=r[3], sent_at=r[4]) for r in reversed(rows)]

    def explain_recent(self, customer, limit: int = 20, *, analyze: bool = True) -> str:
        """The plan of recent()'s statement (EXPLAIN ANALYZE, BUFFERS), for the benchmark and the plan test."""
        options = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
        sql, params = _recent_query(int(limit)).statement(customer_id=_pk(customer))
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ({options}) {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def context(self, customer) -> dict:
        """Two statements: the customer's contact with its JSONB context document (a LEFT JOIN through the reverse
        one-to-one), and its bookings in the one booking shape (bookings.selectors.booking_as_dict)."""
        name, email, phone, data = (Customer.objects.values_list("name", "email", "phone", "memory_context__data")
                                    .get(pk=_pk(customer)))
        data = data or {}
        bookings = [booking_as_dict(b) for b in customer_bookings(customer=_pk(customer))]
        past, open_ = split_bookings(bookings, today=timezone.localdate())
        return {
            "name": name, "email": email, "phone": phone, "past_bookings": past, "open_bookings": open_,
            "dietary_notes": data.get("dietary_notes", []), "allergies": data.get("allergies", []),
            "preferred_channel": preferred_channel(data.get("channels", {})),
        }

    def journey(self, customer) -> list[dict]:
        messages = [
            {"id": m["id"], "at": iso(m["sent_at"]), "channel": m["channel"], "intent": m["intent"],
             "route": m["route"], "text": m["text"]}
            for m in Message.objects.filter(customer_id=_pk(customer)).values(
                "id", "sent_at", "channel", "intent", "route", "text"
            )
        ]
        bookings = [{**booking_as_dict(b), "created_at": iso(b.created_at)}
                    for b in customer_bookings(customer=_pk(customer))]
        return journey_events(messages=messages, bookings=bookings)


@lru_cache(maxsize=16)
def _recent_query(limit: int) -> CompiledQuery:
    """recent()'s statement as the ORM writes it from the Message model, compiled once per limit (the limit is part
    of the SQL text): building and compiling the queryset costs several times the query itself (an index scan of
    ~0.03 ms in the server). The customer's id is its one parameter."""
    return CompiledQuery(lambda customer_id: (Message.objects.filter(customer_id=customer_id)
                                              .order_by("-sent_at", "-id")
                                              .values_list("id", "channel", "author", "text", "sent_at")[:limit]),
                         params={"customer_id": int})


def _pk(customer) -> int:
    return getattr(customer, "pk", customer)
