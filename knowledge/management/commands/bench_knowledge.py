"""Retrieval latency and HNSW recall on N synthetic chunks (deleted afterwards unless --keep; a kept set of the same
size is reused by the next run, so the 100,000-chunk load and index build happen once).

Vectors are drawn around the embeddings of the seed documents' sentences (clusters with noise), which is closer to
real text than uniform noise; embedding 100,000 real texts on a CPU would take longer than the benchmark itself.
Chunk texts are 40 words drawn from the seed documents' vocabulary, so every query word matches thousands of chunks:
the worst case for the full-text half. Each query is the opening words of the seed sentence its vector is drawn
around, and goes through `knowledge_search_vector`, the code path of `knowledge_search` after the query is embedded
(the embedding's own cost is measured separately: each query text once with the embedder's cache of recent texts
emptied, then again from that cache; --query-embedders also times other encoders and how far exact search with
their query vectors agrees with exact search with the index's encoder's). --json writes the figures."""

import io
import os
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from knowledge.embedders import get_embedder
from knowledge.management.bench import write_bench_json
from knowledge.models import EMBEDDING_DIMENSIONS, KnowledgeChunk, KnowledgeDocument
from knowledge.selectors import (
    knowledge_explain,
    knowledge_search_vector,
    knowledge_text_candidates,
    knowledge_vector_candidates,
    vector_literal,
    vector_scan_is_exact,
)
from knowledge.services import SEED_DIR, knowledge_embedder

SOURCE = "bench:knowledge"
LOADING, LOADED = "synthetic chunks (loading)", "synthetic chunks (loaded)"


class Command(BaseCommand):
    help = "Benchmark hybrid top-5 retrieval (p50/p95) and recall@10 of the HNSW index against exact search."

    def add_arguments(self, parser):
        parser.add_argument("--chunks", type=int, default=10000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--keep", action="store_true", help="Keep the synthetic chunks for the next run.")
        parser.add_argument("--explain", action="store_true", help="Print EXPLAIN (ANALYZE, BUFFERS) of both halves.")
        parser.add_argument("--query-embedders", default="",
                            help="Comma-separated EMBEDDERS aliases to time as query encoders (e.g. onnx-fp32,"
                                 "onnx-int8), each with the agreement of its exact top-10 with the index encoder's.")
        parser.add_argument("--json", dest="json_path", default="",
                            help="Also write the figures (p50/p95 ms, recall, load average) to this file.")

    def handle(self, *args, chunks, queries, keep, explain, query_embedders, json_path, **options):
        if chunks < 10 or queries < 1:
            raise CommandError("--chunks must be at least 10 and --queries at least 1.")
        aliases = [alias.strip() for alias in query_embedders.split(",") if alias.strip()]
        unknown = [alias for alias in aliases if alias not in settings.EMBEDDERS]
        if unknown:
            raise CommandError(f"--query-embedders: {', '.join(unknown)} not in settings.EMBEDDERS "
                               f"(known: {', '.join(settings.EMBEDDERS)}).")
        load_before, started_run = os.getloadavg(), time.perf_counter()
        sentences = [s.strip() for p in sorted(SEED_DIR.glob("*.md")) for s in p.read_text().split(".")
                     if len(s.strip()) > 20]
        embedder = knowledge_embedder()
        centres = embedder.embed(sentences)
        document = KnowledgeDocument.objects.filter(source=SOURCE).first()
        if document is not None and document.body == LOADED and document.chunks.count() == chunks:
            self.stdout.write(f"reusing {chunks} kept synthetic chunks")
        else:
            if document is not None:
                document.delete()
            document = self._load(chunks, centres, sentences, np.random.default_rng(42))

        rng = np.random.default_rng(7)
        picks = rng.integers(0, len(centres), queries)
        query_vectors = self._normalise(centres[picks] + rng.normal(0, 0.025, (queries, centres.shape[1])))
        query_texts = [" ".join(sentences[i].split()[:8]) for i in picks]
        knowledge_search_vector(query=query_texts[0], vector=query_vectors[0], k=5)  # warm-up
        if explain:
            self._explain(query_texts[0], query_vectors[0])
        timings, text_timings, vector_timings = [], [], []
        for text, vector in zip(query_texts, query_vectors, strict=True):
            t = time.perf_counter()
            knowledge_search_vector(query=text, vector=vector, k=5)
            timings.append((time.perf_counter() - t) * 1000)
        for text, vector in zip(query_texts, query_vectors, strict=True):
            t = time.perf_counter()
            knowledge_vector_candidates(vector=vector, n=40)
            vector_timings.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            knowledge_text_candidates(query=text, n=40)
            text_timings.append((time.perf_counter() - t) * 1000)
        hits = 0
        for vector in query_vectors:
            approx = {i for i, _ in knowledge_vector_candidates(vector=vector, n=10, exact=False)}   # the graph
            exact = {i for i, _ in knowledge_vector_candidates(vector=vector, n=10, exact=True)}
            hits += len(approx & exact)
        recall = hits / (10 * queries)
        total = KnowledgeChunk.objects.count()
        if vector_scan_is_exact(rows=total):
            self.stdout.write(f"{total} chunks is below VECTOR_EXACT_SCAN_BELOW ({settings.VECTOR_EXACT_SCAN_BELOW}): "
                              "searches scan every chunk; the recall below is the HNSW graph's, which they skip")
        load_after = os.getloadavg()
        load = ", ".join(f"{x:.1f}" for x in load_after)
        self.stdout.write(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end of the run")
        p50, p95 = np.percentile(timings, [50, 95])
        self.stdout.write(f"chunks {total}: hybrid top-5 p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                          "(query embedding excluded); "
                          f"vector recall@10 {recall:.3f} against exact search")
        for name, values in (("vector half", vector_timings), ("full-text half", text_timings)):
            p50, p95 = np.percentile(values, [50, 95])
            self.stdout.write(f"  {name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        unique_texts = list(dict.fromkeys(query_texts))
        embedding = {embedder.name: self._embedding_timings(embedder, unique_texts)}
        for alias in aliases:
            other = get_embedder(alias)
            embedding[alias] = {**self._embedding_timings(other, unique_texts),
                                "exact_top10_agreement": self._agreement(embedder, other, unique_texts)}
        for name, figures in embedding.items():
            agreement = figures.get("exact_top10_agreement")
            self.stdout.write(
                f"query embedding ({name}): p50 {figures['p50_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms; "
                f"repeated (cache of recent texts) p95 {figures['cached_p95_ms']:.3f} ms"
                + (f"; exact top-10 agreement with {embedder.name} {agreement:.3f}" if agreement is not None else ""))
        if json_path:
            write_bench_json(Path(json_path), {
                "command": "bench_knowledge", "load_average_before": [round(v, 2) for v in load_before],
                "load_average_after": [round(v, 2) for v in load_after],
                "seconds": round(time.perf_counter() - started_run, 1), "chunks": total, "queries": queries,
                "hnsw_ef_search": settings.KNOWLEDGE_HNSW_EF_SEARCH,
                "text_rank_limit": settings.KNOWLEDGE_TEXT_RANK_LIMIT,
                "hybrid": _summary(timings), "vector_half": _summary(vector_timings),
                "text_half": _summary(text_timings), "recall_at_10": round(recall, 4),
                "query_embedding": embedding,
            })
            self.stdout.write(f"Figures written to {json_path}.")
        if not keep:
            document.delete()

    @staticmethod
    def _embedding_timings(embedder, texts) -> dict:
        """Each text embedded once with the cache of recent texts emptied (a new question), then each again (a
        repeated question, answered from that cache)."""
        embedder.embed_one("warm up")
        embedder.forget_recent()
        fresh, cached = [], []
        for timings in (fresh, cached):
            for text in texts:
                started = time.perf_counter()
                embedder.embed_one(text)
                timings.append((time.perf_counter() - started) * 1000)
        embedder.forget_recent()
        return {**_summary(fresh), "cached_p95_ms": round(float(np.percentile(cached, 95)), 4)}

    @staticmethod
    def _agreement(index_embedder, other, texts) -> float:
        """Share of the exact top-10 chunks found with the index encoder's query vector that exact search with
        `other`'s vector of the same text also finds: whether `other` may encode queries for this index."""
        found = 0
        for reference, vector in zip(index_embedder.embed(texts), other.embed(texts), strict=True):
            expected = {i for i, _ in knowledge_vector_candidates(vector=reference, n=10, exact=True)}
            found += len(expected & {i for i, _ in knowledge_vector_candidates(vector=vector, n=10, exact=True)})
        return round(found / (10 * len(texts)), 4)

    def _load(self, chunks, centres, sentences, rng):
        """Bulk load: COPY into a staging table, then insert with the full-text vectors and rebuild the HNSW index
        once (one parallel bulk build instead of 100,000 incremental inserts and an UPDATE that would leave a dead
        copy of every row in the graph). Run it on a database of its own: the table is locked while it loads."""
        started = time.perf_counter()
        document = KnowledgeDocument.objects.create(title="Benchmark", source=SOURCE, body=LOADING, version=1)
        picks = rng.integers(0, len(centres), chunks)
        vectors = self._normalise(centres[picks] + rng.normal(0, 0.025, (chunks, centres.shape[1])))
        words = np.array(" ".join(sentences).split())
        drawn = rng.choice(words, chunks * 40)
        buffer = io.StringIO()
        for i, vector in enumerate(vectors):
            buffer.write(f"{i}\t{' '.join(drawn[i * 40:(i + 1) * 40])}\t{vector_literal(vector)}\n")
        table = KnowledgeChunk._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_chunk (ordinal int, text text, embedding vector(%s)) "
                           "ON COMMIT DROP", [EMBEDDING_DIMENSIONS])
            with cursor.copy("COPY bench_chunk (ordinal, text, embedding) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                           [table, "% USING hnsw %"])
            hnsw = cursor.fetchall()
            for name, _ in hnsw:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending at CREATE INDEX
            cursor.execute(
                f"INSERT INTO {table} (document_id, ordinal, heading, text, tags, embedding, search_vector, "
                "document_version, created_at) SELECT %s, ordinal, '', text, '{bench}', embedding, "
                "to_tsvector('english', text), 1, now() FROM bench_chunk", [document.pk])
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for _, definition in hnsw:
                cursor.execute(definition)
            KnowledgeDocument.objects.filter(pk=document.pk).update(body=LOADED)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(f"loaded {chunks} chunks in {time.perf_counter() - started:.1f} s")
        return document

    def _explain(self, text, vector):
        plan = "\n".join(line for line in knowledge_explain(query=text, vector=vector, k=5).splitlines()
                         if "<=> '[" not in line)  # the 384 numbers of the query vector
        self.stdout.write(f"EXPLAIN (ANALYZE, BUFFERS) of the top-5 search for {text!r}:\n{plan}")

    @staticmethod
    def _normalise(vectors):
        vectors = vectors.astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _summary(values: list[float]) -> dict:
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50_ms": round(float(p50), 3), "p95_ms": round(float(p95), 3), "n": len(values)}
