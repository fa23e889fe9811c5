"""The full-text half of retrieval: chunks holding every word first, then any word, each tier bounded."""

import numpy as np
import pytest
from django.contrib.postgres.search import SearchVector

from knowledge.models import KnowledgeChunk, KnowledgeDocument
from knowledge.selectors import knowledge_text_candidates

pytestmark = pytest.mark.django_db


def _chunks(*texts):
    document = KnowledgeDocument.objects.create(title="Synthetic", source="test:text", body="x")
    vector = np.zeros(384, dtype=np.float32)
    vector[0] = 1
    chunks = KnowledgeChunk.objects.bulk_create(
        [KnowledgeChunk(document=document, ordinal=i, text=text, embedding=vector, document_version=1)
         for i, text in enumerate(texts)]
    )
    KnowledgeChunk.objects.update(search_vector=SearchVector("text", config="english"))
    return [chunk.pk for chunk in chunks]


def test_chunks_with_every_word_rank_before_chunks_with_some():
    ids = _chunks("Refunds of the deposit come back within a week.", "The deposit is $100.",
                  "We refund nothing else.", "Chefs bring their own knives.")
    found = knowledge_text_candidates(query="deposit refund", n=10)
    assert found[0] == ids[0] and set(found[1:]) == {ids[1], ids[2]}


def test_each_tier_ranks_a_bounded_number_of_matches(settings):
    settings.KNOWLEDGE_TEXT_RANK_LIMIT = 2
    _chunks(*[f"deposit refund case {i}" for i in range(5)], "deposit only")
    assert len(knowledge_text_candidates(query="deposit refund", n=10)) == 2 + 2  # two per tier


def test_the_any_word_tier_is_skipped_when_every_word_fills_the_candidates():
    ids = _chunks("deposit refund one", "deposit refund two", "deposit alone")
    assert set(knowledge_text_candidates(query="deposit refund", n=2)) == {ids[0], ids[1]}
    assert knowledge_text_candidates(query="deposit refund", n=3)[-1] == ids[2]
