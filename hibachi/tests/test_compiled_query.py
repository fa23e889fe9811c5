"""hibachi.compiled_query: a queryset compiled once, run with each call's values, gives what the ORM gives."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Conversation, Customer
from conversations.tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def open_conversations(customer_id, channel):
    return Conversation.objects.filter(customer_id=customer_id, channel=channel).exclude(
        status=Conversation.Status.CLOSED).order_by("-last_activity_at")


def test_model_instances_equal_the_orm_s_for_each_call_s_values():
    from hibachi.compiled_query import CompiledQuery

    compiled = CompiledQuery(open_conversations, params={"customer_id": int, "channel": str})
    first, second = CustomerFactory(), CustomerFactory()
    ConversationFactory(customer=first, channel="web", state={"stage": "collecting", "booking": {"adults": 12}})
    ConversationFactory(customer=first, channel="sms")
    ConversationFactory(customer=first, channel="web", status=Conversation.Status.CLOSED)
    ConversationFactory(customer=second, channel="web")
    for customer_id, channel in ((first.pk, "web"), (first.pk, "sms"), (second.pk, "web"), (second.pk, "sms")):
        expected = list(open_conversations(customer_id, channel))
        got = compiled.all(customer_id=customer_id, channel=channel)
        assert [fields(c) for c in got] == [fields(c) for c in expected]
        assert all(c._state.db == "default" and not c._state.adding for c in got)
    web = compiled.first(customer_id=first.pk, channel="web")
    assert web.state == {"stage": "collecting", "booking": {"adults": 12}}   # the JSON field's converter ran
    assert compiled.first(customer_id=second.pk, channel="sms") is None


def test_values_list_rows_are_the_orm_s_tuples_with_converters_applied():
    from hibachi.compiled_query import CompiledQuery

    conversation = ConversationFactory(state={"asked": "slot"})
    compiled = CompiledQuery(lambda since: Conversation.objects.filter(last_activity_at__gte=since)
                             .order_by("pk").values_list("pk", "state", "last_activity_at"),
                             params={"since": datetime.datetime})
    since = timezone.now() - datetime.timedelta(hours=1)
    expected = list(Conversation.objects.filter(last_activity_at__gte=since).order_by("pk")
                    .values_list("pk", "state", "last_activity_at"))
    assert compiled.all(since=since) == expected and expected[-1][:2] == (conversation.pk, {"asked": "slot"})


def test_the_queryset_is_built_and_compiled_once_and_each_call_is_one_statement():
    from hibachi.compiled_query import CompiledQuery

    builds = []

    def build(name):
        builds.append(name)
        return Customer.objects.filter(name=name).order_by("pk")

    compiled = CompiledQuery(build, params={"name": str})
    customers = [CustomerFactory(name=f"Guest {i}") for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        found = [compiled.first(name=c.name) for c in customers]
    assert [c.pk for c in found] == [c.pk for c in customers]
    assert len(builds) == 1 and len(queries.captured_queries) == 3   # counted like any statement


def test_a_value_that_is_not_a_plain_parameter_is_refused_when_compiled():
    """`iexact` turns the value into UPPER(...) / a pattern: running the SQL with another value in its place would be
    wrong, so the query is refused instead of compiled."""
    from hibachi.compiled_query import CompiledQuery

    compiled = CompiledQuery(lambda name: Customer.objects.filter(name__icontains=name), params={"name": str})
    with pytest.raises(ImproperlyConfigured, match=r"\['name'\] did not reach the SQL as plain parameters"):
        compiled.all(name="Lena")


def test_wrong_or_missing_values_are_type_errors():
    from hibachi.compiled_query import CompiledQuery

    compiled = CompiledQuery(open_conversations, params={"customer_id": int, "channel": str})
    with pytest.raises(TypeError, match="takes exactly"):
        compiled.all(customer_id=1)
    with pytest.raises(TypeError, match="'customer_id' must be int, not str"):
        compiled.all(customer_id="1", channel="web")


def test_querysets_it_cannot_run_faithfully_are_refused():
    from hibachi.compiled_query import CompiledQuery

    with pytest.raises(ImproperlyConfigured, match="forward select_related only"):
        CompiledQuery(lambda pk: Conversation.objects.select_related("customer__memory_context").filter(pk=pk),
                      params={"pk": int}).all(pk=1)
    with pytest.raises(ImproperlyConfigured, match="no prefetch or values"):
        CompiledQuery(lambda pk: Conversation.objects.filter(pk=pk).values("pk"), params={"pk": int}).all(pk=1)
    with pytest.raises(ImproperlyConfigured, match="no prefetch or values"):
        CompiledQuery(lambda pk: Conversation.objects.prefetch_related("messages").filter(pk=pk),
                      params={"pk": int}).all(pk=1)
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        CompiledQuery(lambda tags: Conversation.objects.all(), params={"tags": list})


def test_annotations_and_a_select_related_object_are_attached_as_the_orm_does():
    from django.db.models import Count, Subquery

    from conversations.models import Message
    from conversations.tests.factories import MessageFactory
    from hibachi.compiled_query import CompiledQuery

    def build(pk, since):
        return (Conversation.objects.select_related("customer")
                .annotate(messages_since=Count("messages", filter=models_q(since)),
                          first_message=Subquery(Message.objects.filter(conversation_id=pk).order_by("id")
                                                 .values("id")[:1]))
                .filter(pk=pk))

    compiled = CompiledQuery(build, params={"pk": int, "since": datetime.datetime})
    conversation = ConversationFactory(customer=CustomerFactory(name="Lena Park"))
    first = MessageFactory(conversation=conversation)
    MessageFactory(conversation=conversation)
    since = timezone.now() - datetime.timedelta(minutes=5)
    expected = build(conversation.pk, since).get()
    with CaptureQueriesContext(connection) as queries:
        got = compiled.get(pk=conversation.pk, since=since)
        assert got.customer.name == "Lena Park" and got.customer.pk == conversation.customer_id
    assert len(queries.captured_queries) == 1   # the customer came with the conversation
    assert (got.messages_since, got.first_message) == (expected.messages_since, expected.first_message) == (2, first.pk)
    assert fields(got) == fields(expected) and fields(got.customer) == fields(expected.customer)
    with pytest.raises(Conversation.DoesNotExist):
        compiled.get(pk=conversation.pk + 1000, since=since)


def models_q(since):
    from django.db.models import Q

    return Q(messages__sent_at__gte=since)
