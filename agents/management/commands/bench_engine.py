"""p50/p95 of the NLU alone and of the whole pipeline (one reply end to end, in process, template provider), single
and with concurrent conversations. Targets on the 2-core reference machine: NLU p95 <= 15 ms, pipeline p95 <= 60 ms.

Delivery to the channel is switched off while it runs (the web chat's delivery is measured by `bench_ws`), so the
figures are the engine's own. The concurrent run is measured twice: paced (each conversation's customer waits
--think-ms between messages, as people do) and saturated (no pause: 10 threads compete for the 2 cores, so the
figure is mostly queueing).

`--embedders local,onnx-fp32,onnx-int8` runs everything once per encoder (aliases of settings.EMBEDDERS), in the
same run so that the figures compare: each in turn becomes EMBEDDERS["default"], with an NLU model trained on its own
embeddings (under <NLU_MODEL_DIR>-bench/<alias>/, trained on the first run and reused), and a last table puts them
side by side. Without it, the configured default encoder and NLU model are measured.

The benchmark's customers are real rows (ChannelIdentity external ids starting with "bench-engine-") and are deleted
afterwards, with their messages and model calls, unless --keep.

`--exemplars N` first seeds N correction-memory exemplars (random unit vectors in the HNSW index, so none matches a
benchmark message and the replies stay the same), then times the memory's lookup alone (after the NLU has embedded
the message, as in the pipeline) and the pipeline one at a time with the memory switched off and on: the lookup
should add <= 3 ms p95. The seeded exemplars are deleted afterwards, unless --keep.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.test.utils import override_settings
from tqdm import tqdm

import nlu
from agents.engine import exemplars as correction_memory
from agents.engine.pipeline import conversation_answer
from agents.models import ModelCall
from conversations.models import ChannelIdentity, Customer
from conversations.services import message_receive
from conversations.signals import outbound_message_ready
from hibachi.bench_record import cpu_model
from knowledge.embedders import get_embedder
from learning.models import Exemplar
from nlu.artifacts import NLUModelError, nlu_model_cache_clear, nlu_model_load, nlu_model_train
from nlu.dataset import TRAIN_PATH

PREFIX = "bench-engine-"
NLU_TEXTS = [
    "How much would it be for 20 adults and 5 kids aged 8?",
    "hey need hibachi 4 15 ppl sat dec 19 6pm 94587",
    "Do you have anything open on December 12th in the evening?",
    "What is your cancellation policy? We may need to move our party.",
    "The chef was late last Saturday and the food was cold.",
    "uh yeah hi so we were thinking um thirty adults on the uh december twentieth at three pm",
    "Can I talk to a real person please?",
    "is there a vegan option? my sister doesn't eat meat",
    "actually make it 25 adults",
    "Hello,\n\nWe are planning a company dinner in Sacramento for 40 guests and would like a quote.\n\nBest, Dana",
]
# One customer's conversation: a quote, details, a correction, a schedule question (no booking is created, so runs
# can be repeated without filling the calendar).
TURNS = [
    "Hi! How much would it be for 20 adults and 5 kids aged 8?",
    "Saturday December 12th at 6pm, zip 94538",
    "actually make it 25 adults",
    "and if we add 2 orders of gyoza?",
    "I'm Maria Lopez, maria@example.com",
    "what time does the chef arrive?",
]


def percentiles(values: list[float]) -> str:
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (n={len(values)})"


class Command(BaseCommand):
    help = "Benchmark the NLU and the whole pipeline on the template provider (single and concurrent conversations)."

    def add_arguments(self, parser):
        parser.add_argument("--nlu-samples", type=int, default=500)
        parser.add_argument("--conversations", type=int, default=20,
                            help="Conversations for the single-stream run (each has %d turns)." % len(TURNS))
        parser.add_argument("--concurrency", type=int, default=10)
        parser.add_argument("--think-ms", type=int, default=1000,
                            help="Pause between a customer's messages in the paced concurrent run (default 1000).")
        parser.add_argument("--exemplars", type=int, default=0,
                            help="Seed this many correction-memory exemplars and measure what their lookup adds.")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark's customers and messages.")
        parser.add_argument("--embedders", default="",
                            help="Comma-separated EMBEDDERS aliases to compare in one run (e.g. local,onnx-fp32,"
                                 "onnx-int8); each gets an NLU model trained on its own embeddings.")
        parser.add_argument("--json", dest="json_path", default="",
                            help="Also write the figures (p50/p95 ms per run, replies/s, load average) to this file.")

    def handle(self, *args, embedders, json_path, **options):
        aliases = [alias.strip() for alias in embedders.split(",") if alias.strip()]
        unknown = [alias for alias in aliases if alias not in settings.EMBEDDERS]
        if unknown:
            raise CommandError(f"--embedders: {', '.join(unknown)} not in settings.EMBEDDERS "
                               f"(known: {', '.join(settings.EMBEDDERS)}).")
        load_before = os.getloadavg()
        results = {}
        encoders_alone = self._bench_encoders(aliases, options["nlu_samples"]) if len(aliases) > 1 else {}
        if not aliases:
            results[get_embedder().name] = self._bench(**options)
        for alias in aliases:
            self.stdout.write(self.style.MIGRATE_HEADING(f"\n== Encoder {alias!r} =="))
            with self._encoder(alias):
                results[alias] = self._bench(**options)
        load_after = os.getloadavg()
        self.stdout.write(f"\nLoad average (1, 5, 15 min) on {os.cpu_count()} cores: before "
                          f"{', '.join(f'{v:.2f}' for v in load_before)}; after "
                          f"{', '.join(f'{v:.2f}' for v in load_after)}.")
        if json_path:
            self._write_json(Path(json_path), results, encoders_alone, load_before, load_after)
        if not aliases:
            return
        self.stdout.write(self.style.SUCCESS("\nEncoders compared in this run (p50 / p95 ms):"))
        self.stdout.write(f"{'encoder':<12} {'NLU alone':>16} {'pipeline single':>18} {'saturated':>16} {'replies/s':>10}")
        for alias, result in results.items():
            self.stdout.write(f"{alias:<12} {self._pair(result['nlu']):>16} {self._pair(result['single']):>18} "
                              f"{self._pair(result['saturated']):>16} {result['throughput']:>10.1f}")
        self.stdout.write("One message's embedding alone, the encoders taking turns (p50 / p95 ms): " + "; ".join(
            f"{alias} {self._pair(timings)}" for alias, timings in encoders_alone.items()))

    def _bench_encoders(self, aliases: list[str], samples: int) -> dict[str, list[float]]:
        """One message's embedding, the encoders taking turns message by message: on a shared machine the load
        changes during a run, and taking turns puts the same load on each (the per-encoder runs come one after the
        other)."""
        embedders = {alias: get_embedder(alias) for alias in aliases}
        for embedder in embedders.values():
            embedder.embed(["warm up"])   # loads the model, builds the ONNX files on a first run
        timings = {alias: [] for alias in aliases}
        for index, text in enumerate(tqdm(list(itertools.islice(itertools.cycle(NLU_TEXTS + TURNS), samples)),
                                          desc="encoders taking turns", unit="msg")):
            for alias in aliases[index % len(aliases):] + aliases[:index % len(aliases)]:
                started = time.perf_counter()
                embedders[alias].embed([text])
                timings[alias].append((time.perf_counter() - started) * 1000)
        for alias, values in timings.items():
            self.stdout.write(f"Embedding alone, {alias:<10} {percentiles(values)}")
        return timings

    def _write_json(self, path: Path, results: dict, encoders_alone: dict, load_before, load_after) -> None:
        def summary(values: list[float]) -> dict:
            p50, p95 = np.percentile(values, [50, 95])
            return {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2), "n": len(values)}

        record = {
            "command": "bench_engine",
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cores": os.cpu_count(),
            "cpu_model": cpu_model(),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in load_after],
            "encoders": {
                encoder: {**{run: summary(result[run]) for run in ("nlu", "single", "paced", "saturated")},
                          "saturated_replies_per_s": round(result["throughput"], 2)}
                for encoder, result in results.items()
            },
            "embedding_alone_taking_turns": {alias: summary(values) for alias, values in encoders_alone.items()},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Figures written to {path}.")

    @staticmethod
    def _pair(values: list[float]) -> str:
        p50, p95 = np.percentile(values, [50, 95])
        return f"{p50:.1f} / {p95:.1f}"

    def _encoder(self, alias: str):
        """Settings under which `alias` is the default encoder and the NLU model is one trained on it."""
        root = Path(f"{settings.NLU_MODEL_DIR}-bench") / alias
        overrides = override_settings(EMBEDDERS={**settings.EMBEDDERS, "default": settings.EMBEDDERS[alias]},
                                      NLU_MODEL_DIR=root)
        with overrides:
            nlu_model_cache_clear()
            try:
                nlu_model_load(root=root)
            except NLUModelError:   # none yet, or one trained on an older export of this encoder
                self.stdout.write(f"Training an NLU model on {alias}'s embeddings into {root} (once)...")
                nlu_model_train(root=root, progress=tqdm)
        return overrides

    def _bench(self, *, nlu_samples, conversations, concurrency, think_ms, keep, exemplars, **options) -> dict:
        if nlu_samples < 1 or conversations < 1 or concurrency < 1 or exemplars < 0:
            raise CommandError("--nlu-samples, --conversations and --concurrency must be at least 1, --exemplars 0+.")
        self.stdout.write(f"Warming up (loads {get_embedder().name} and the NLU classifiers)...")
        nlu.parse("warm up", reference_date=None)
        self._cleanup()   # leftovers of an interrupted run would continue old conversations
        if exemplars:
            self._bench_exemplars(exemplars, conversations, itertools.count(10**6), keep)
        counter = itertools.count()
        receivers = outbound_message_ready.receivers
        outbound_message_ready.receivers = []   # no channel delivery: the engine's own figures
        outbound_message_ready.sender_receivers_cache.clear()
        try:
            with override_settings(AI_PROVIDER="templates"):
                nlu_timings = self._bench_nlu(nlu_samples)
                self._run_conversation(next(counter))      # warm the pipeline's code paths
                single = self._single(conversations, counter)
                paced = self._concurrent(concurrency, counter, think_ms / 1000, "paced")
                saturated, throughput = self._concurrent(concurrency, counter, 0, "saturated", with_throughput=True)
        finally:
            outbound_message_ready.receivers = receivers
            outbound_message_ready.sender_receivers_cache.clear()
            if not keep:
                self._cleanup()
        self.stdout.write(self.style.SUCCESS("\nTargets: NLU p95 <= 15 ms; full pipeline p95 <= 60 ms."))
        for label, values in (("pipeline, single", single),
                              (f"pipeline, {concurrency} concurrent (paced)", paced),
                              (f"pipeline, {concurrency} concurrent (saturated)", saturated)):
            verdict = "meets" if np.percentile(values, 95) <= 60 else "MISSES"
            self.stdout.write(f"{label}: {verdict} the 60 ms p95 target")
        return {"nlu": nlu_timings, "single": single, "paced": paced, "saturated": saturated,
                "throughput": throughput}

    def _bench_nlu(self, samples: int) -> list[float]:
        timings = []
        embedder = get_embedder()
        for text in tqdm(list(itertools.islice(itertools.cycle(NLU_TEXTS), samples)), desc="NLU", unit="msg"):
            embedder.forget_recent()   # the texts repeat: time the embedding, not the embedder's memory of it
            started = time.perf_counter()
            nlu.parse(text)
            timings.append((time.perf_counter() - started) * 1000)
        verdict = "meets" if np.percentile(timings, 95) <= 15 else "MISSES"
        self.stdout.write(f"NLU alone:                 {percentiles(timings)}   {verdict} the 15 ms p95 target")
        return timings

    def _run_conversation(self, number: int, timings: list[float] | None = None, lock=None, think: float = 0) -> None:
        sender = {"external_id": f"{PREFIX}{number}"}
        for index, text in enumerate(TURNS):
            if think:   # before every message, the first too: customers do not arrive or type in lockstep
                time.sleep(think * (0.5 + random.random()))
            # The turns repeat in every conversation: the embedder must not answer from its memory of the last one
            # (within a reply, the correction memory's lookup still reuses the vector the NLU has just computed).
            get_embedder().forget_recent()
            started = time.perf_counter()
            message, _ = message_receive(channel="web", sender=sender, text=text)
            result = conversation_answer(message=message)
            elapsed = (time.perf_counter() - started) * 1000
            if result.reply is None or result.escalated:
                escalation = result.conversation.escalations.order_by("-id").first()
                raise CommandError(f"Benchmark conversation {number} was handed to a human at {text!r}: "
                                   f"{escalation.reason if escalation else 'no reply'}.")
            if timings is not None:
                if lock:
                    with lock:
                        timings.append(elapsed)
                else:
                    timings.append(elapsed)

    def _single(self, conversations: int, counter) -> list[float]:
        timings: list[float] = []
        for _ in tqdm(range(conversations), desc="pipeline (single)", unit="conv"):
            self._run_conversation(next(counter), timings)
        self.stdout.write(f"Pipeline, one at a time:   {percentiles(timings)}")
        return timings

    def _concurrent(self, concurrency: int, counter, think: float, label: str, with_throughput: bool = False):
        timings: list[float] = []
        lock, errors = threading.Lock(), []
        numbers = [next(counter) for _ in range(concurrency)]

        def worker(number):
            try:
                for _ in range(3):
                    self._run_conversation(number * 1000 + _, timings, lock, think)
            except Exception as exc:  # reported below; a benchmark must not hide failures
                errors.append(exc)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in numbers]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        if errors:
            raise CommandError(f"{len(errors)} concurrent conversation(s) failed: {errors[0]!r}")
        self.stdout.write(f"Pipeline, {concurrency} concurrent, {label}:   {percentiles(timings)}   "
                          f"throughput {len(timings) / wall:.1f} replies/s")
        return (timings, len(timings) / wall) if with_throughput else timings

    def _bench_exemplars(self, count: int, conversations: int, counter, keep: bool) -> None:
        """Seed `count` exemplars, time the lookup alone and the pipeline without and with the memory."""
        self._exemplars_cleanup()
        rng = np.random.default_rng(13)
        agents = ["sales", "care", "operations", "knowledge"]
        # Customer questions are not random points: each seeded vector is a shipped NLU training message's embedding
        # plus 1.2 times as much noise (cosine ~0.64 to it), so the index has the clusters real exemplars form, and
        # no seeded exemplar is near enough to a benchmark message to answer it (LEARNING_EXEMPLAR_THRESHOLD, 0.708).
        examples = [json.loads(line)["text"] for line in TRAIN_PATH.read_text().splitlines() if line.strip()]
        bases = get_embedder().embed(examples)
        for start in tqdm(range(0, count, 1000), desc="seeding exemplars", unit="k"):
            size = min(1000, count - start)
            noise = rng.standard_normal((size, bases.shape[1])).astype(np.float32)
            noise /= np.linalg.norm(noise, axis=1, keepdims=True)
            vectors = bases[rng.integers(0, len(bases), size)] + 1.2 * noise
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            Exemplar.objects.bulk_create([
                Exemplar(kind=Exemplar.Kind.CORRECTION, customer_text=f"{PREFIX}exemplar {start + i}",
                         reply_text="A staff answer.", template="A staff answer.", agent=agents[(start + i) % 4],
                         embedding=vector.tolist(), embedder="bench")
                for i, vector in enumerate(vectors)])
        total = Exemplar.objects.filter(enabled=True, embedding__isnull=False).count()
        self.stdout.write(f"{total} exemplars in the index.")
        texts = list(itertools.islice(itertools.cycle(NLU_TEXTS + TURNS), 500))
        lookups, embedder = [], get_embedder()
        for text in texts:
            embedder.forget_recent()
            nlu.parse(text)   # the pipeline's understand step embeds the message first; the lookup reuses it
            started = time.perf_counter()
            correction_memory.recall(text)
            lookups.append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"Exemplar lookup alone:     {percentiles(lookups)}   "
                          f"{'meets' if np.percentile(lookups, 95) <= 3 else 'MISSES'} the 3 ms p95 target")
        receivers = outbound_message_ready.receivers
        outbound_message_ready.receivers = []
        outbound_message_ready.sender_receivers_cache.clear()
        try:
            with override_settings(AI_PROVIDER="templates"):
                runs = {}
                for label, enabled in (("off", False), ("on", True), ("off", False), ("on", True)):
                    with override_settings(LEARNING_EXEMPLARS_ENABLED=enabled):
                        timings = runs.setdefault(label, [])
                        for _ in range(max(1, conversations // 2)):
                            self._run_conversation(next(counter), timings)
        finally:
            outbound_message_ready.receivers = receivers
            outbound_message_ready.sender_receivers_cache.clear()
        off, on = runs["off"], runs["on"]
        self.stdout.write(f"Pipeline, memory off:      {percentiles(off)}")
        self.stdout.write(f"Pipeline, memory on:       {percentiles(on)}")
        self.stdout.write(f"The memory adds {np.percentile(on, 50) - np.percentile(off, 50):+.1f} ms at p50 and "
                          f"{np.percentile(on, 95) - np.percentile(off, 95):+.1f} ms at p95 to a reply "
                          f"(the two runs alternate, so load on the machine falls on both).")
        if not keep:
            self._exemplars_cleanup()

    def _exemplars_cleanup(self) -> None:
        deleted = Exemplar.objects.filter(customer_text__startswith=f"{PREFIX}exemplar ").delete()[0]
        if deleted:
            self.stdout.write(f"Removed the benchmark's {deleted} exemplars.")

    def _cleanup(self) -> None:
        ids = list(ChannelIdentity.objects.filter(external_id__startswith=PREFIX).values_list("customer_id", flat=True))
        with transaction.atomic():
            ModelCall.objects.filter(customer_id__in=ids).delete()
            deleted = Customer.objects.filter(pk__in=ids).delete()[0]
        self.stdout.write(f"Removed the benchmark's {len(ids)} customers ({deleted} rows).")
