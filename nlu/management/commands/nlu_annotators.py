"""`manage.py nlu_annotators`: leave one annotator out. For each annotator of the training file (rows with a
"source"), train on everything else and score on that annotator's rows, beside a model trained on the project's own
rows only: whether data from other hands helps on a hand the model has not seen. Scored on training rows, never on a
held-out file. (Session 7 chose with it to keep these annotators' rows; session 8 used the same leave-one-out on the
tone head, which is how the project's tone labels were found to be the odd ones out: README.)"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from nlu.artifacts import _embed
from nlu.dataset import TRAIN_PATH, examples_load
from nlu.evaluation import heads_evaluate


def _scores(metrics: dict) -> dict[str, float]:
    figures = {head: metrics[head]["accuracy"] for head in ("intent", "tone", "sentiment") if head in metrics}
    if "acts" in metrics:
        figures["acts micro-F1"] = metrics["acts"]["micro_f1"]
    return figures


class Command(BaseCommand):
    help = "Leave one annotator out: does training data from other annotators help on an annotator not trained on?"

    def add_arguments(self, parser):
        parser.add_argument("--train", type=Path, default=TRAIN_PATH, help="the training file (default: train.jsonl)")

    def handle(self, *args, train: Path, **options):
        from nlu.model import model_fit  # scikit-learn: only when training

        try:
            examples = examples_load(train)
            rows = [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {train}: {exc}") from exc
        sources = [row.get("source") or "" for row in rows]
        annotators = sorted({source for source in sources if source})
        if len(annotators) < 2:
            raise CommandError(f"{train} has {len(annotators)} annotator source(s); leaving one out needs two or more.")
        vectors = _embed([example.text for example in examples], embedder_alias="default", progress=tqdm,
                         description="embedding")

        def fit(indices):
            return model_fit([examples[i] for i in indices], vectors=vectors[indices])

        project = [i for i, source in enumerate(sources) if not source]
        baseline = fit(project)
        self.stdout.write(f"{'left out':<28} {'rows':>5}  project rows only -> with the other annotators")
        for annotator in tqdm(annotators, desc="leaving one out", unit="annotator"):
            held = [i for i, source in enumerate(sources) if source == annotator]
            held_examples = [examples[i] for i in held]
            model = fit([i for i, source in enumerate(sources) if source != annotator])
            before = _scores(heads_evaluate(baseline, held_examples, vectors=vectors[held]))
            after = _scores(heads_evaluate(model, held_examples, vectors=vectors[held]))
            self.stdout.write(f"{annotator:<28} {len(held):>5}  " + ", ".join(
                f"{name} {before[name]:.3f} -> {after[name]:.3f}" for name in after))
