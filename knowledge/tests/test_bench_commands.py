"""The knowledge app's benchmarks at a tiny size: they run, write their figures as JSON and clean up after
themselves (`make bench` reads the JSON)."""

import json

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Conversation, Customer, Message
from knowledge.memory import get_memory
from knowledge.models import KnowledgeDocument


@pytest.mark.django_db(transaction=True)  # the loader rebuilds the HNSW index and runs VACUUM ANALYZE
def test_bench_knowledge_writes_its_figures_as_json_and_removes_its_chunks(tmp_path, capsys):
    path = tmp_path / "knowledge.json"
    call_command("bench_knowledge", chunks=300, queries=5, json_path=str(path))
    record = json.loads(path.read_text())
    assert record["command"] == "bench_knowledge" and record["chunks"] == 300 and record["queries"] == 5
    assert len(record["load_average_after"]) == 3 and record["cores"] >= 1
    for part in ("hybrid", "vector_half", "text_half"):
        assert record[part]["n"] == 5 and 0 < record[part]["p50_ms"] <= record[part]["p95_ms"]
    assert 0.9 <= record["recall_at_10"] <= 1  # 300 chunks: the HNSW scan at ef_search 100 is all but exact
    (encoder, embedding), = record["query_embedding"].items()
    assert encoder == "all-MiniLM-L6-v2 (onnx fp32 v3)" and embedding["p95_ms"] > embedding["cached_p95_ms"]
    assert not KnowledgeDocument.objects.filter(source="bench:knowledge").exists()


def test_bench_knowledge_refuses_an_unknown_query_embedder(db):
    with pytest.raises(CommandError, match="nope not in settings.EMBEDDERS"):
        call_command("bench_knowledge", chunks=300, query_embedders="nope")


def test_bench_memory_generates_customers_like_the_orm_and_removes_them(db, tmp_path, capsys):
    path = tmp_path / "memory.json"
    call_command("bench_memory", customers="30", samples=10, keep=True, explain=False, json_path=str(path))
    customers = Customer.objects.filter(email__endswith="@bench.invalid")
    assert customers.count() == 30
    customer = customers.order_by("pk").last()
    assert customer.name == "Bench 29" and customer.email == "bench29@bench.invalid" and customer.notes == ""
    assert sorted(customer.conversations.values_list("channel", flat=True)) == ["sms", "web"]
    assert set(customer.conversations.values_list("status", flat=True)) == {Conversation.Status.CLOSED}
    messages = list(Message.objects.filter(customer=customer).order_by("sent_at"))
    assert len(messages) == 20 and messages[0].conversation.channel == messages[0].channel == "sms"
    assert [m.direction for m in messages[:2]] == [Message.Direction.INBOUND, Message.Direction.OUTBOUND]
    assert messages[1].channel == "web" and messages[0].entities == {} and messages[0].metadata == {}
    recent = get_memory("postgres").recent(customer.pk, limit=5)
    assert [m["id"] for m in recent] == [m.pk for m in messages[-5:]]
    record = json.loads(path.read_text())
    assert record["command"] == "bench_memory" and record["loads"][0]["to"] == 30
    assert {(f["method"], f["customers"]) for f in record["figures"]} == {("recent", 30), ("context", 30)}
    call_command("bench_memory", customers="30", samples=10, explain=False)  # reuses the 30, then deletes them
    assert not Customer.objects.filter(email__endswith="@bench.invalid").exists()
    assert not Message.objects.filter(text__endswith="about 20 adults.").exists()


def test_bench_memory_refuses_a_scale_that_is_not_a_number(db):
    with pytest.raises(CommandError, match="comma-separated whole numbers"):
        call_command("bench_memory", customers="1k")
