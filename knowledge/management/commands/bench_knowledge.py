"""Retrieval latency and HNSW recall on N synthetic chunks (deleted afterwards unless --keep).

Vectors are drawn around the embeddings of the seed documents' sentences (clusters with noise), which is closer to
real text than uniform noise; embedding 100,000 real texts on a CPU would take longer than the benchmark itself."""

import io
import time

import numpy as np
from django.core.management.base import BaseCommand
from django.db import connection

from knowledge.models import KnowledgeChunk, KnowledgeDocument
from knowledge.selectors import knowledge_search_vector, knowledge_vector_candidates, vector_literal
from knowledge.services import SEED_DIR, knowledge_embedder

SOURCE = "bench:knowledge"


class Command(BaseCommand):
    help = "Benchmark hybrid top-5 retrieval (p50/p95) and recall@10 of the HNSW index against exact search."

    def add_arguments(self, parser):
        parser.add_argument("--chunks", type=int, default=10000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args, chunks, queries, keep, **options):
        rng = np.random.default_rng(42)
        sentences = [s.strip() for p in SEED_DIR.glob("*.md") for s in p.read_text().split(".") if len(s.strip()) > 20]
        centres = knowledge_embedder().embed(sentences)
        words = " ".join(sentences).split()
        KnowledgeDocument.objects.filter(source=SOURCE).delete()
        document = KnowledgeDocument.objects.create(title="Benchmark", source=SOURCE, body="synthetic", version=1)

        started = time.perf_counter()
        vectors = self._around(centres, chunks, rng, noise=0.025)
        buffer = io.StringIO()
        for i, vector in enumerate(vectors):
            text = " ".join(rng.choice(words, 40))
            buffer.write(f"{document.pk}\t{i}\t\t{text}\t{{bench}}\t{vector_literal(vector)}\t1\t2000-01-01\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {KnowledgeChunk._meta.db_table} (document_id, ordinal, heading, text, tags, "
                             "embedding, document_version, created_at) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            cursor.execute(f"UPDATE {KnowledgeChunk._meta.db_table} SET search_vector = to_tsvector('english', text) "
                           "WHERE document_id = %s", [document.pk])
            cursor.execute(f"ANALYZE {KnowledgeChunk._meta.db_table}")
        self.stdout.write(f"loaded {chunks} chunks in {time.perf_counter() - started:.1f} s")

        query_vectors = self._around(centres, queries, rng, noise=0.025)
        query_texts = [" ".join(rng.choice(words, 6)) for _ in range(queries)]
        knowledge_search_vector(query=query_texts[0], vector=query_vectors[0], k=5)  # warm-up
        timings, hits = [], 0
        for text, vector in zip(query_texts, query_vectors, strict=True):
            t = time.perf_counter()
            knowledge_search_vector(query=text, vector=vector, k=5)
            timings.append((time.perf_counter() - t) * 1000)
        for vector in query_vectors:
            approx = {i for i, _ in knowledge_vector_candidates(vector=vector, n=10)}
            exact = {i for i, _ in knowledge_vector_candidates(vector=vector, n=10, exact=True)}
            hits += len(approx & exact)
        p50, p95 = np.percentile(timings, [50, 95])
        total = KnowledgeChunk.objects.count()
        self.stdout.write(f"chunks {total}: hybrid top-5 p50 {p50:.2f} ms, p95 {p95:.2f} ms (query embedding excluded); "
                          f"vector recall@10 {hits / (10 * queries):.3f}")
        t = time.perf_counter()
        embedder = knowledge_embedder()
        for text in query_texts[:20]:
            embedder.embed_one(text)
        self.stdout.write(f"query embedding ({embedder.name}): {(time.perf_counter() - t) * 50:.1f} ms per query")
        if not keep:
            document.delete()

    @staticmethod
    def _around(centres, n, rng, *, noise):
        picks = centres[rng.integers(0, len(centres), n)]
        vectors = picks + rng.normal(0, noise, picks.shape).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
