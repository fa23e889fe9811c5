"""The customer behind a channel identity: found by index lookups however many customers there are."""

import json

import pytest
from django.db import connection

from conversations.models import ChannelIdentity, Customer
from conversations.services import customer_get_or_create_for_identity
from conversations.services.customers import customer_of_identity
from conversations.tests.factories import ChannelIdentityFactory

pytestmark = pytest.mark.django_db


def _statements_of(call):
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = call()
    return result, statements


@pytest.fixture
def many_customers_few_identities():
    """A handful of chat visitors, then 20,000 customers without a chat identity (a CRM import, the memory
    benchmark's), statistics taken, then a new visitor: the case where the old join, planned from statistics in which
    every identity's customer has a low id, read the customer index from the first id to the newest."""
    for identity in range(5):
        ChannelIdentityFactory(external_id=f"old-visitor-{identity}")
    Customer.objects.bulk_create(Customer(name=f"Imported {n}") for n in range(20_000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE conversations_customer")
        cursor.execute("ANALYZE conversations_channelidentity")
    return ChannelIdentityFactory(external_id="newest-visitor")


def test_the_identity_lookup_reads_a_handful_of_buffers_whatever_the_customers(many_customers_few_identities):
    newest = many_customers_few_identities

    customer, statements = _statements_of(lambda: customer_of_identity(channel="web", external_id="newest-visitor"))

    assert customer == newest.customer
    assert len(statements) == 1
    sql, params = statements[0]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    buffers = plan[0]["Plan"]["Shared Hit Blocks"] + plan[0]["Plan"].get("Shared Read Blocks", 0)
    assert buffers < 30, json.dumps(plan, indent=1)   # the merge join read ~260 of the customer index's blocks


def test_an_unknown_identity_has_no_customer():
    ChannelIdentityFactory(external_id="someone")

    assert customer_of_identity(channel="web", external_id="nobody") is None
    assert customer_of_identity(channel="sms", external_id="someone") is None


def test_a_returning_sender_gets_their_customer_in_one_statement(many_customers_few_identities):
    newest = many_customers_few_identities

    customer, statements = _statements_of(
        lambda: customer_get_or_create_for_identity(channel="web", external_id="newest-visitor"))

    assert customer == newest.customer
    assert len(statements) == 1
    assert ChannelIdentity.objects.filter(external_id="newest-visitor").count() == 1
