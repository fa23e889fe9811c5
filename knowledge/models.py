"""Knowledge-base documents (edited by staff), their embedded chunks, and the per-customer memory context."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from pgvector.django import HalfVectorField, HnswIndex, VectorField

from hibachi.versioned_cache import VersionedQuerySet

EMBEDDING_DIMENSIONS = 384


class KnowledgeDocument(models.Model):
    """A Markdown document; every content change bumps `version` and re-chunks it (see services.document_save)."""

    class ReviewStatus(models.TextChoices):
        CLEAR = "clear", "Clear"
        HELD = "held", "Held for review"
        APPROVED = "approved", "Approved by staff"

    title = models.CharField(max_length=200)
    source = models.CharField(
        max_length=500, unique=True, blank=True,
        help_text="Where it came from: a file path for ingested files; left blank, 'admin:<timestamp>'.",
    )
    body = models.TextField(help_text="Markdown. Text in a document is data for the assistant, never instructions.")
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    indexed_version = models.PositiveIntegerField(default=0, editable=False)
    indexed_at = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.CLEAR, editable=False,
        help_text="Held: instruction-like or hidden text was found; the document is not used until staff approve it.",
    )
    hygiene_findings = models.JSONField(default=list, blank=True, editable=False)
    reviewed_hash = models.CharField(max_length=64, blank=True, editable=False,
                                     help_text="The content hash staff approved despite its findings.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    @property
    def retrievable(self) -> bool:
        return self.active and self.review_status != self.ReviewStatus.HELD

    def __str__(self):
        return f"{self.title} (v{self.version})"


class KnowledgeChunk(models.Model):
    """A heading-scoped piece of a document with its embedding and full-text vector. Exists only for active documents
    that are not held for review."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.PositiveIntegerField()
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True, help_text="Copied from the document.")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    search_vector = SearchVectorField(null=True)
    document_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    # Bulk writes (a re-index) invalidate the cached chunk count too (knowledge.selectors.KNOWLEDGE_CHUNK_COUNT).
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_unique_ordinal"),
        ]
        indexes = [
            # The graph over the vectors in half precision (pgvector's halfvec): 117 MB instead of 205 MB at
            # 100,000 chunks, so it stays in shared_buffers longer and a scan reads half the bytes; the selector
            # re-scores the candidates it returns with the stored full-precision vectors (selectors._vector_sql).
            HnswIndex(
                OpClass(Cast("embedding", HalfVectorField(dimensions=EMBEDDING_DIMENSIONS)), name="halfvec_cosine_ops"),
                name="chunk_embedding_half_hnsw", m=16, ef_construction=64,
            ),
            GinIndex(fields=["search_vector"], name="chunk_search_vector_gin"),
            GinIndex(fields=["tags"], name="chunk_tags_gin"),
        ]

    def __str__(self):
        return f"{self.document.title} #{self.ordinal}"


class CustomerContext(models.Model):
    """The Postgres memory backend's JSONB document per customer: channel use, dietary notes and allergies seen."""

    customer = models.OneToOneField("conversations.Customer", on_delete=models.CASCADE, related_name="memory_context")
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Memory context of {self.customer}"
