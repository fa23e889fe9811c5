"""How a hybrid search reaches PostgreSQL: its SET LOCALs and its statement in one round trip, the settings lasting
for that search only."""

import numpy as np
import pytest
from django.db import DataError, connection, transaction

from knowledge.models import KnowledgeChunk, KnowledgeDocument
from knowledge.selectors import (
    KNOWLEDGE_CHUNK_COUNT,
    knowledge_explain,
    knowledge_search_vector,
    knowledge_text_candidates,
    knowledge_vector_candidates,
)


def _chunks():
    rng = np.random.default_rng(3)
    document = KnowledgeDocument.objects.create(title="Deposits", source="test:deposits", body="x")
    vectors = rng.normal(0, 1, (20, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    KnowledgeChunk.objects.bulk_create([
        KnowledgeChunk(document=document, ordinal=i, text=f"The deposit is {i} percent of the total.",
                       embedding=vectors[i], document_version=1)
        for i in range(20)
    ])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE knowledge_knowledgechunk SET search_vector = to_tsvector('english', text)")
    return vectors


def _session_settings() -> tuple[str | None, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('hnsw.ef_search', true), current_setting('synchronize_seqscans')")
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_a_search_sends_its_settings_and_its_statement_as_one_query(django_assert_num_queries):
    vectors = _chunks()   # committed: the chunk count is then cached as in a worker that has searched before
    KNOWLEDGE_CHUNK_COUNT.get()
    with django_assert_num_queries(1):
        hits = knowledge_search_vector(query="deposit 4", vector=vectors[4], k=3)
    assert hits[0].text == "The deposit is 4 percent of the total." and hits[0].text_rank == 1
    with django_assert_num_queries(1):
        assert len(knowledge_vector_candidates(vector=vectors[4], n=5)) == 5
    with django_assert_num_queries(1):
        assert len(knowledge_text_candidates(query="deposit percent", n=5)) == 5


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_search_settings_end_with_the_search(settings):
    settings.KNOWLEDGE_HNSW_EF_SEARCH = 123
    vectors = _chunks()
    assert knowledge_search_vector(query="deposit", vector=vectors[0], k=3)
    assert connection.get_autocommit() and not connection.in_atomic_block
    ef_search, synchronize_seqscans = _session_settings()
    assert ef_search != "123" and synchronize_seqscans == "on"


@pytest.mark.django_db(transaction=True)
def test_a_failed_search_leaves_the_connection_usable_and_its_settings_undone(settings):
    settings.KNOWLEDGE_HNSW_EF_SEARCH = 123
    _chunks()
    with pytest.raises(DataError):  # a vector of the wrong dimension fails inside the statement
        knowledge_search_vector(query="deposit", vector=np.ones(3, dtype=np.float32), k=3)
    assert _session_settings()[1] == "on"
    assert KnowledgeChunk.objects.count() == 20


def test_inside_a_transaction_the_settings_apply_to_the_search(db, settings):
    """Inside the caller's transaction SET LOCAL lasts until that transaction ends (as it always does): the HNSW
    scan gets ef_search = max(setting, candidates) and the full-text tiers a deterministic sequential scan."""
    settings.KNOWLEDGE_HNSW_EF_SEARCH = 123
    vectors = _chunks()
    with transaction.atomic():
        knowledge_search_vector(query="deposit", vector=vectors[0], k=3, candidates=200)
        assert _session_settings() == ("200", "off")


def test_the_vector_half_scans_the_half_precision_index_and_reports_full_precision_similarity(hnsw_graph):
    """The HNSW graph is over halfvec; the similarities (and the KNOWLEDGE_MIN_SIMILARITY floor) are computed from
    the stored float32 vectors, so they equal an exact full-precision scan's for the chunks both return."""
    vectors = _chunks()
    hnsw_graph()
    query = vectors[7] + 0.01 * vectors[3]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_knowledgechunk")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a 20-row table: make the planner take the index
    assert "Index Scan using chunk_embedding_half_hnsw" in knowledge_explain(query="deposit", vector=query, k=3)
    approximate = knowledge_vector_candidates(vector=query, n=5)
    exact = knowledge_vector_candidates(vector=query, n=5, exact=True)  # (its SET LOCAL lasts to the test's end)
    assert approximate[0] == exact[0] and approximate[0][1] > 0.99
    stored = dict(KnowledgeChunk.objects.values_list("id", "embedding"))
    unit = query / np.linalg.norm(query)
    for chunk_id, similarity in approximate:  # float32 cosine, not the half-precision distance the graph ranked by
        assert similarity == pytest.approx(float(np.dot(unit, stored[chunk_id])), abs=1e-6)


def test_the_fused_candidates_are_looked_up_one_by_one_whatever_the_planner_thinks_of_the_table(db):
    """The fused candidates (at most twice `candidates` rows) are each looked up in the chunk table on their own (a
    LATERAL lookup with LIMIT 1, which PostgreSQL cannot turn into a join). Joined plainly, a planner with stale
    statistics (right after a bulk load, before autovacuum's ANALYZE) hashed the whole table instead: 9 ms of an
    11.6 ms statement at 10,000 chunks. Index lookups are made to look dear here, as bad statistics make them look."""
    import re

    vectors = _chunks()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1000")
    plan = knowledge_explain(query="deposit", vector=vectors[2], k=3)
    lookup = (r"->  Limit  \(cost=[^)]*\) \(actual time=[^)]* rows=1\.00 loops=(\d+)\)\n\s*(?:Buffers: .*\n\s*)?"
              r"->  (?:Index|Seq) Scan (?:using \w+ )?on knowledge_knowledgechunk ")
    lookups = re.findall(lookup, plan)
    assert lookups == ["20"]   # all 20 chunks hold "deposit": each fused candidate looked up once
