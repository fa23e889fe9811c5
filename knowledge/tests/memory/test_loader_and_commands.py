import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from knowledge.memory import get_memory
from knowledge.memory.dual import DualMemory
from knowledge.memory.postgres import PostgresMemory
from conversations import services as conv


@pytest.fixture
def clear_memory_cache():
    get_memory.cache_clear()
    yield
    get_memory.cache_clear()


def test_default_backend_is_postgres(clear_memory_cache):
    assert isinstance(get_memory(), PostgresMemory)


@pytest.mark.parametrize("backends, alias, message", [
    ({}, "postgres", "No memory backend 'postgres'"),
    ({"x": {"BACKEND": "knowledge.memory.nope.Memory"}}, "x", "must be a dotted path"),
    ({"x": {"BACKEND": "conversations.models.Customer"}}, "x", "is not a Memory subclass"),
    ({"x": {"BACKEND": "knowledge.memory.postgres.PostgresMemory", "OPTIONS": {"bogus": 1}}}, "x", "OPTIONS"),
])
def test_bad_memory_configuration_is_refused_with_a_fix(settings, clear_memory_cache, backends, alias, message):
    settings.MEMORY_BACKENDS = backends
    with pytest.raises(ImproperlyConfigured, match=message):
        get_memory(alias)


def test_dual_must_wrap_two_other_backends(settings, clear_memory_cache):
    settings.MEMORY_BACKENDS = {"dual": {"BACKEND": "knowledge.memory.dual.DualMemory",
                                         "OPTIONS": {"primary": "dual", "secondary": "postgres"}}}
    with pytest.raises(ImproperlyConfigured, match="two other backends"):
        get_memory("dual")


@pytest.mark.django_db
def test_dual_keeps_serving_when_the_graph_is_down_and_reconcile_reports_the_drift(memory_settings, capsys):
    memory_settings.MEMORY_BACKENDS["broken"] = {"BACKEND": "knowledge.memory.neo4j.Neo4jMemory",
                                                 "OPTIONS": {"uri": "bolt://127.0.0.1:1", "connection_timeout": 0.5}}
    memory_settings.MEMORY_BACKENDS["dual"]["OPTIONS"]["secondary"] = "broken"
    dual = get_memory("dual")
    assert isinstance(dual, DualMemory)
    customer = conv.customer_create(name="Cy")
    conversation = conv.conversation_get_or_create_open(customer=customer, channel="web")
    message, _ = conv.message_record_inbound(conversation=conversation, text="Hello")
    dual.append(message)  # the graph write fails, logged; the primary has it
    assert dual.secondary_failures == 1
    assert [m["id"] for m in dual.recent(customer)] == [message.pk]

    call_command("memory_reconcile")
    assert "message-count drift: 1 customer(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="drifted"):
        call_command("memory_reconcile", "--fail")
    call_command("memory_migrate", "--to", "neo4j")
    call_command("memory_reconcile", "--fail")
    assert "message-count drift: 0 customer(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_memory_migrate_resumes_from_its_checkpoint(memory_settings, capsys):
    customer = conv.customer_create(name="Di")
    conversation = conv.conversation_get_or_create_open(customer=customer, channel="sms")
    for text in ["one", "two", "three"]:
        conv.message_record_inbound(conversation=conversation, text=text)
    call_command("memory_migrate", "--to", "neo4j", "--batch", "2")
    conv.message_record_inbound(conversation=conversation, text="four")
    capsys.readouterr()
    call_command("memory_migrate", "--to", "neo4j", "--batch", "2")
    captured = capsys.readouterr()
    assert "messages after #" in captured.err and "1/1" in captured.err  # only the new message was copied
    assert "messages: postgres 4, graph 4 OK" in captured.out
    assert [m["text"] for m in get_memory("neo4j").recent(customer)] == ["one", "two", "three", "four"]


@pytest.mark.django_db
def test_graph_indexes_command_is_safe_to_run_twice(memory_settings, capsys):
    call_command("memory_graph_indexes")
    call_command("memory_graph_indexes")
    assert "none (all existed)" in capsys.readouterr().out
