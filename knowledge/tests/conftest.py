import pytest

from knowledge.services import knowledge_seed


@pytest.fixture
def seeded_knowledge(db):
    return knowledge_seed()


@pytest.fixture
def hnsw_graph(db, settings):
    """For a test of the HNSW walk itself: the searches take the graph (not the small-base exact scan), and calling
    the fixture rebuilds the graph from the rows the test inserted. Every earlier test's rolled-back chunks are dead
    entries in it until VACUUM, copies of the same vectors, and enough of them hide live rows from the walk."""
    from django.db import connection

    settings.VECTOR_EXACT_SCAN_BELOW = 0

    def rebuild():
        with connection.cursor() as cursor:
            cursor.execute("REINDEX INDEX chunk_embedding_half_hnsw")   # undone with the test's transaction

    return rebuild
