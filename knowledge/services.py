"""Writes of the knowledge base: saving documents, (re)indexing their chunks, ingesting Markdown files."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone

from knowledge.embedders import get_embedder

from .chunking import chunk_markdown
from .hygiene import document_findings
from .models import KnowledgeChunk, KnowledgeDocument

logger = logging.getLogger(__name__)

SEED_DIR = Path(__file__).resolve().parent / "seed"


def knowledge_embedder():
    """The default embedder, refusing one whose dimension differs from the stored vectors'."""
    embedder = get_embedder()
    stored = KnowledgeChunk._meta.get_field("embedding").dimensions
    if embedder.dimension != stored:
        raise ImproperlyConfigured(
            f"The embedder {embedder.name!r} makes {embedder.dimension}-dimension vectors but knowledge chunks store "
            f"{stored}. Configure EMBEDDERS['default'] to produce {stored} dimensions (OpenAI: dimensions={stored}), "
            "or migrate KnowledgeChunk.embedding to the new dimension and re-run knowledge_ingest."
        )
    return embedder


def _content_hash(*, title: str, body: str, tags: list[str]) -> str:
    return hashlib.sha256("\x1f".join([title, body, ",".join(tags)]).encode()).hexdigest()


def _clean_tags(tags: Iterable[str] | None) -> list[str]:
    return sorted({tag.strip().lower() for tag in tags or [] if tag and tag.strip()})


def document_save(
    *, document: KnowledgeDocument | None = None, title: str, body: str, source: str = "",
    tags: Iterable[str] | None = None, active: bool = True, queue_reindex: bool = True, approved_by=None,
) -> tuple[KnowledgeDocument, bool]:
    """Create or update a document. A change of title, body or tags bumps the version and, once the transaction
    commits, queues `knowledge.tasks.document_reindex` (unless `queue_reindex=False`: the caller reindexes);
    (de)activation takes effect on retrieval at once.

    Every save is checked by `knowledge.hygiene`: a document with instruction-like or hidden text is held for review
    (its chunks are removed, retrieval never sees it) unless `approved_by` (a staff user) approves this exact content;
    an approval lasts until the content changes again.

    Returns (document, changed)."""
    title, body, tags = (title or "").strip(), (body or "").strip(), _clean_tags(tags)
    if not title:
        raise ValidationError({"title": "A knowledge document needs a title."})
    if not body:
        raise ValidationError({"body": "A knowledge document needs a body."})
    content_hash = _content_hash(title=title, body=body, tags=tags)
    with transaction.atomic():
        if document is None:
            source = (source or "").strip() or f"admin:{timezone.now():%Y%m%d%H%M%S%f}"
            document = KnowledgeDocument(source=source, version=0)
        else:
            document = KnowledgeDocument.objects.select_for_update().get(pk=document.pk)
        content_changed = document.content_hash != content_hash
        active_changed = document.pk is not None and document.active != active
        was_held = document.pk is not None and document.review_status == KnowledgeDocument.ReviewStatus.HELD
        findings = [finding.as_dict() for finding in document_findings(body, title=title)]
        if approved_by is not None and findings:
            document.reviewed_hash, document.reviewed_by = content_hash, approved_by
        if not findings:
            status = KnowledgeDocument.ReviewStatus.CLEAR
        elif document.reviewed_hash == content_hash:
            status = KnowledgeDocument.ReviewStatus.APPROVED
        else:
            status = KnowledgeDocument.ReviewStatus.HELD
        status_changed = document.pk is not None and document.review_status != status
        if not content_changed and not active_changed and not status_changed and document.pk is not None:
            return document, False
        if content_changed:
            document.version += 1
        document.title, document.body, document.tags, document.content_hash = title, body, tags, content_hash
        document.active, document.review_status, document.hygiene_findings = active, status, findings
        document.save()
        if status == KnowledgeDocument.ReviewStatus.HELD:
            logger.warning("Knowledge document %s (%s) held for review: %s", document.pk, document.title,
                           "; ".join(f"line {f['line']}: {f['kind']}" for f in findings))
        if not document.retrievable:
            document.chunks.all().delete()  # retrieval only ever sees active documents that are not held
            KnowledgeDocument.objects.filter(pk=document.pk).update(indexed_version=0)
        document_id = document.pk
        released = was_held and document.retrievable
        if queue_reindex and document.retrievable and (content_changed or active_changed or released):
            transaction.on_commit(lambda: _enqueue_reindex(document_id))
    return document, True


def _enqueue_reindex(document_id: int) -> None:
    from .tasks import document_reindex

    document_reindex.delay(document_id)


def document_reindex(*, document_id: int, force: bool = False) -> int | None:
    """Re-chunk and re-embed one document. Idempotent: a document already indexed at its version is left alone.

    Returns the number of chunks written, or None when there was nothing to do."""
    document = KnowledgeDocument.objects.filter(pk=document_id).first()
    if document is None:
        return None
    if not document.retrievable:
        KnowledgeChunk.objects.filter(document=document).delete()
        return None
    if document.indexed_version == document.version and not force:
        return None
    embedder = knowledge_embedder()
    pieces = chunk_markdown(
        document.body, max_chars=settings.KNOWLEDGE_CHUNK_CHARS, overlap=settings.KNOWLEDGE_CHUNK_OVERLAP
    )
    # The title and heading are embedded with the text so that "deposit" finds the Deposit section's chunks.
    vectors = embedder.embed([f"{document.title}. {p.heading}\n{p.text}" for p in pieces]) if pieces else []
    with transaction.atomic():
        locked = KnowledgeDocument.objects.select_for_update().get(pk=document_id)
        if locked.version != document.version or not locked.retrievable:
            return None  # edited again meanwhile: the task queued by that edit indexes the newer version
        KnowledgeChunk.objects.filter(document=locked).delete()
        KnowledgeChunk.objects.bulk_create(
            KnowledgeChunk(
                document=locked, ordinal=i, heading=piece.heading[:300], text=piece.text, tags=locked.tags,
                embedding=vector, document_version=locked.version,
            )
            for i, (piece, vector) in enumerate(zip(pieces, vectors, strict=True))
        )
        KnowledgeChunk.objects.filter(document=locked).update(
            search_vector=SearchVector(Value(locked.title), weight="A", config="english")
            + SearchVector("heading", weight="A", config="english")
            + SearchVector("text", weight="B", config="english")
        )
        KnowledgeDocument.objects.filter(pk=locked.pk).update(indexed_version=F("version"), indexed_at=timezone.now())
    return len(pieces)


# --- Markdown files -----------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    body: str
    tags: list[str]


def parse_markdown_file(text: str, *, fallback_title: str) -> ParsedDocument:
    """Front matter (`title:` and `tags: a, b` or `tags: [a, b]`) is optional; the first `# heading` is the title
    otherwise."""
    meta = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip().lower()] = value.strip()
        text = text[match.end():]
    title = meta.get("title", "").strip("\"'")
    if not title:
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        title = heading.group(1).strip() if heading else fallback_title
    tags = [t.strip().strip("\"'") for t in meta.get("tags", "").strip("[]").split(",")]
    return ParsedDocument(title=title, body=text.strip(), tags=_clean_tags(tags))


def _markdown_files(paths: Iterable[str | Path]) -> list[Path]:
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        elif path.is_file() and path.suffix.lower() in {".md", ".markdown"}:
            files.append(path)
        else:
            raise ValidationError(f"{raw} is neither a Markdown file nor a folder.")
    return files


def _source_for(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(resolved)


@dataclass
class IngestReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    held: list[str] = field(default_factory=list)  # sources of documents held for review


def knowledge_ingest(
    *, paths: Iterable[str | Path], progress: Callable[[Iterable], Iterable] | None = None
) -> IngestReport:
    """Upsert one document per Markdown file, keyed by its path; unchanged files are skipped, changed files get a
    new version. Chunks are built here, synchronously, so a command or seed leaves a searchable knowledge base.
    Files with instruction-like or hidden text are stored but held for staff review (`report.held`)."""
    report = IngestReport()
    files = _markdown_files(paths)
    knowledge_embedder()  # fail before writing anything when the embedder cannot fill the vector column
    for path in progress(files) if progress else files:
        parsed = parse_markdown_file(path.read_text(encoding="utf-8"), fallback_title=path.stem.replace("-", " "))
        source = _source_for(path)
        existing = KnowledgeDocument.objects.filter(source=source).first()
        document, changed = document_save(
            document=existing, source=source, title=parsed.title, body=parsed.body, tags=parsed.tags,
            active=existing.active if existing else True, queue_reindex=False,
        )
        if existing is None:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if document.review_status == KnowledgeDocument.ReviewStatus.HELD:
            report.held.append(source)
        written = document_reindex(document_id=document.pk)
        report.chunks += written or 0
    return report


def knowledge_seed() -> IngestReport:
    """Ingest the documents shipped in knowledge/seed/ (idempotent; for seed_demo)."""
    return knowledge_ingest(paths=[SEED_DIR])
