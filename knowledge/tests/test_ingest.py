import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from knowledge.embedders import get_embedder
from knowledge.embedders.base import Embedder
from knowledge.models import KnowledgeChunk, KnowledgeDocument
from knowledge.services import SEED_DIR, knowledge_ingest


def test_seed_creates_one_document_per_file_with_tags_and_chunks(seeded_knowledge):
    assert seeded_knowledge.created == len(list(SEED_DIR.glob("*.md"))) == 9
    deposit = KnowledgeDocument.objects.get(title="Deposit and payment")
    assert deposit.tags == ["booking", "deposit", "payment"]
    assert deposit.version == deposit.indexed_version == 1
    chunk = deposit.chunks.first()
    assert len(chunk.embedding) == 384 and chunk.document_version == 1 and chunk.search_vector


def test_ingesting_unchanged_files_again_is_a_no_op(seeded_knowledge):
    chunk_ids = set(KnowledgeChunk.objects.values_list("id", flat=True))
    report = knowledge_ingest(paths=[SEED_DIR])
    assert (report.created, report.updated, report.unchanged, report.chunks) == (0, 0, 9, 0)
    assert set(KnowledgeChunk.objects.values_list("id", flat=True)) == chunk_ids


def test_ingesting_a_changed_file_bumps_the_version_and_rebuilds_its_chunks(db, tmp_path, capsys):
    path = tmp_path / "parking.md"
    path.write_text("---\ntitle: Parking\ntags: venue\n---\n# Parking\n\nThe chef needs one parking space.\n")
    call_command("knowledge_ingest", str(tmp_path))
    path.write_text("---\ntitle: Parking\ntags: venue\n---\n# Parking\n\nThe chef needs two parking spaces.\n")
    call_command("knowledge_ingest", str(path))
    document = KnowledgeDocument.objects.get(title="Parking")
    assert document.version == 2 and document.indexed_version == 2
    assert [(c.text, c.document_version) for c in document.chunks.all()] == [("The chef needs two parking spaces.", 2)]
    assert "updated 1" in capsys.readouterr().out


class SixteenDimensionEmbedderDouble(Embedder):
    name = "sixteen-double"
    dimension = 16

    def embed(self, texts):
        raise AssertionError("must not be called when the dimension is wrong")


def test_an_embedder_of_another_dimension_is_refused_with_a_clear_error(db, settings, tmp_path):
    settings.EMBEDDERS = {
        "default": {"BACKEND": "knowledge.tests.test_ingest.SixteenDimensionEmbedderDouble", "OPTIONS": {}}
    }
    get_embedder.cache_clear()
    try:
        (tmp_path / "a.md").write_text("# A\n\ntext\n")
        with pytest.raises(ImproperlyConfigured, match="16-dimension vectors but knowledge chunks store 384"):
            knowledge_ingest(paths=[tmp_path])
        assert not KnowledgeDocument.objects.exists()
    finally:
        get_embedder.cache_clear()
