"""Memory in a Neo4j graph (official driver, Bolt):

(Customer)-[:USED]->(Channel), (Customer)-[:HAD]->(Conversation)-[:CONTAINS]->(Message), (Customer)-[:BOOKED]->(Booking)

Times are stored as epoch microseconds (`*_us`, for ordering) and UTC ISO strings (`*_iso`), never as temporal
values, so that the same queries run on Neo4j and on FalkorDB's Bolt endpoint. Writes are MERGEs: idempotent."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from bookings.selectors import booking_as_dict, customer_bookings
from conversations.models import Message

from .base import Memory, dietary_facts, iso, journey_events, preferred_channel, split_bookings

logger = logging.getLogger(__name__)

INDEXES = [
    ("Customer", "id"), ("Channel", "name"), ("Conversation", "id"), ("Message", "id"), ("Message", "customer_id"),
    ("Booking", "id"), ("MigrationCheckpoint", "name"),
]

MERGE_CUSTOMERS = """
UNWIND $rows AS row
MERGE (c:Customer {id: row.id})
SET c.name = row.name, c.email = row.email, c.phone = row.phone
"""

MERGE_MESSAGES = """
UNWIND $rows AS row
MERGE (c:Customer {id: row.customer_id})
MERGE (ch:Channel {name: row.channel})
MERGE (c)-[:USED]->(ch)
MERGE (conv:Conversation {id: row.conversation_id})
ON CREATE SET conv.channel = row.channel
MERGE (c)-[:HAD]->(conv)
MERGE (m:Message {id: row.id})
SET m.customer_id = row.customer_id, m.channel = row.channel, m.author = row.author, m.direction = row.direction,
    m.text = row.text, m.sent_at_us = row.sent_at_us, m.sent_at_iso = row.sent_at_iso, m.intent = row.intent,
    m.route = row.route
MERGE (conv)-[:CONTAINS]->(m)
"""

MERGE_DIETARY = """
MATCH (c:Customer {id: $customer_id})
SET c.dietary_notes = [x IN coalesce(c.dietary_notes, []) WHERE NOT x IN $diets] + $diets,
    c.allergies = [x IN coalesce(c.allergies, []) WHERE NOT x IN $allergies] + $allergies
"""

MERGE_BOOKINGS = """
UNWIND $rows AS row
MERGE (c:Customer {id: row.customer_id})
MERGE (b:Booking {id: row.id})
SET b.status = row.status, b.event_date = row.event_date, b.slot = row.slot, b.adults = row.adults,
    b.children = row.children, b.children_under_6 = row.children_under_6, b.guests = row.guests,
    b.food_total = row.food_total, b.travel_fee = row.travel_fee, b.total = row.total, b.created_at_iso = row.created_at
MERGE (c)-[:BOOKED]->(b)
"""


def epoch_us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def message_row(message, *, customer_id: int | None = None) -> dict:
    return {
        "id": message.pk, "customer_id": customer_id or message.customer_id, "conversation_id": message.conversation_id,
        "channel": message.channel, "author": message.author, "direction": message.direction, "text": message.text,
        "sent_at_us": epoch_us(message.sent_at), "sent_at_iso": iso(message.sent_at), "intent": message.intent or "",
        "route": message.route or "",
    }


def booking_row(booking) -> dict:
    """A Booking node's properties: the one booking shape (bookings.selectors.booking_as_dict), owner and creation."""
    return {**booking_as_dict(booking), "customer_id": booking.customer_id, "created_at": iso(booking.created_at)}


def customer_row(customer) -> dict:
    return {"id": customer.pk, "name": customer.name, "email": customer.email or "", "phone": customer.phone or ""}


class Neo4jMemory(Memory):
    def __init__(self, *, alias: str, uri: str, user: str = "neo4j", password: str = "", database: str | None = None,
                 connection_timeout: float = 5.0):
        import neo4j

        super().__init__(alias=alias)
        self.uri = uri
        self.database = database or None
        auth = (user, password) if password else None
        self.driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=connection_timeout)

    # --- plumbing ---------------------------------------------------------------------------------------------------

    def session(self):
        return self.driver.session(database=self.database) if self.database else self.driver.session()

    def run(self, query: str, **params) -> list[dict]:
        """One auto-commit query in a short session (sessions cost ~0.5 ms; execute_query is much slower on some
        servers)."""
        with self.session() as session:
            return [record.data() for record in session.run(query, params)]

    def close(self) -> None:
        self.driver.close()

    def existing_indexes(self) -> set[tuple[str, str]]:
        """(label, property) of the single-property node indexes: SHOW INDEXES on Neo4j 5, db.indexes() on
        FalkorDB (which has no SHOW)."""
        import neo4j

        try:
            rows = self.run("SHOW INDEXES YIELD labelsOrTypes, properties RETURN labelsOrTypes AS labels, properties")
            return {(row["labels"][0], row["properties"][0]) for row in rows if row["labels"] and row["properties"]}
        except neo4j.exceptions.Neo4jError:
            rows = self.run("CALL db.indexes()")
            return {(row["label"], prop) for row in rows for prop in row.get("properties") or []}

    def ensure_indexes(self) -> list[str]:
        """Create the missing lookup indexes with the syntax both Neo4j 5 and FalkorDB accept (no IF NOT EXISTS,
        no constraints); returns those created."""
        existing = self.existing_indexes()
        created = []
        for label, prop in INDEXES:
            if (label, prop) not in existing:
                self.run(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
                created.append(f"{label}.{prop}")
        return created

    # --- writes -----------------------------------------------------------------------------------------------------

    def write_customers(self, customers) -> None:
        self.run(MERGE_CUSTOMERS, rows=[customer_row(c) for c in customers])

    def write_messages(self, rows: list[dict]) -> None:
        self.run(MERGE_MESSAGES, rows=rows)

    def write_bookings(self, rows: list[dict]) -> None:
        if rows:
            self.run(MERGE_BOOKINGS, rows=rows)

    def write_dietary(self, customer_id: int, diets: list[str], allergies: list[str]) -> None:
        if diets or allergies:
            self.run(MERGE_DIETARY, customer_id=customer_id, diets=diets, allergies=allergies)

    def append(self, message) -> None:
        customer = message.conversation.customer
        self.write_customers([customer])
        self.write_messages([message_row(message, customer_id=customer.pk)])
        if message.direction == Message.Direction.INBOUND:
            self.write_dietary(customer.pk, *dietary_facts(message.text))
        self.write_bookings([booking_row(b) for b in customer_bookings(customer=customer)])

    # --- reads ------------------------------------------------------------------------------------------------------

    def recent(self, customer, limit: int = 20) -> list[dict]:
        rows = self.run(
            "MATCH (m:Message {customer_id: $customer_id}) "
            "RETURN m.id AS id, m.channel AS channel, m.author AS author, m.text AS text, m.sent_at_iso AS sent_at "
            "ORDER BY m.sent_at_us DESC, m.id DESC LIMIT $limit",
            customer_id=_pk(customer), limit=int(limit),
        )
        return list(reversed(rows))

    def context(self, customer) -> dict:
        customer_id = _pk(customer)
        found = self.run(
            "MATCH (c:Customer {id: $customer_id}) RETURN c.name AS name, c.email AS email, c.phone AS phone, "
            "c.dietary_notes AS dietary_notes, c.allergies AS allergies",
            customer_id=customer_id,
        )
        person = found[0] if found else {}
        channels = self.run(
            "MATCH (m:Message {customer_id: $customer_id}) WHERE m.direction = 'inbound' "
            "RETURN m.channel AS channel, count(m) AS n",
            customer_id=customer_id,
        )
        bookings = self._bookings(customer_id)
        past, open_ = split_bookings([{k: v for k, v in b.items() if k != "created_at"} for b in bookings],
                                     today=timezone.localdate())
        return {
            "name": person.get("name") or "", "email": person.get("email") or None,
            "phone": person.get("phone") or None, "past_bookings": past, "open_bookings": open_,
            "dietary_notes": sorted(person.get("dietary_notes") or []),
            "allergies": sorted(person.get("allergies") or []),
            "preferred_channel": preferred_channel({row["channel"]: row["n"] for row in channels}),
        }

    def _bookings(self, customer_id: int) -> list[dict]:
        return self.run(
            "MATCH (:Customer {id: $customer_id})-[:BOOKED]->(b:Booking) RETURN b.id AS id, "
            "b.event_date AS event_date, b.slot AS slot, b.adults AS adults, b.children AS children, "
            "b.children_under_6 AS children_under_6, b.guests AS guests, b.food_total AS food_total, "
            "b.travel_fee AS travel_fee, b.total AS total, b.status AS status, b.created_at_iso AS created_at",
            customer_id=customer_id,
        )

    def journey(self, customer) -> list[dict]:
        customer_id = _pk(customer)
        messages = self.run(
            "MATCH (m:Message {customer_id: $customer_id}) RETURN m.id AS id, m.sent_at_iso AS at, "
            "m.channel AS channel, m.intent AS intent, m.route AS route, m.text AS text",
            customer_id=customer_id,
        )
        return journey_events(messages=messages, bookings=self._bookings(customer_id))

    # --- counts (reconcile, migrate) -----------------------------------------------------------------------------

    def message_counts(self) -> dict[int, int]:
        rows = self.run("MATCH (m:Message) RETURN m.customer_id AS customer_id, count(m) AS n")
        return {row["customer_id"]: row["n"] for row in rows}

    def count(self, label: str) -> int:
        return self.run(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]


def _pk(customer) -> int:
    return getattr(customer, "pk", customer)
