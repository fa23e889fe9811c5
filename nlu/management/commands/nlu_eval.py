from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nlu.artifacts import NLUModelError, nlu_model_current
from nlu.dataset import HELDOUT_PATH, examples_load
from nlu.evaluation import heads_evaluate, metrics_report


class Command(BaseCommand):
    help = ("Print per-label precision/recall/F1 and confusion matrices of the current NLU model on the held-out "
            "set (trains a model first when none is saved).")

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=HELDOUT_PATH,
                            help="JSONL file of labelled examples (default: nlu/data/heldout.jsonl).")

    def handle(self, *args, data, **options):
        try:
            loaded = nlu_model_current()
        except (NLUModelError, OSError, ValueError) as exc:
            raise CommandError(f"No NLU model could be loaded or trained: {exc}") from exc
        try:
            examples = examples_load(data)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {data}: {exc}") from exc
        if not examples:
            raise CommandError(f"{data} has no examples.")
        metrics = heads_evaluate(loaded.model, examples)
        self.stdout.write(f"NLU model {loaded.version} on {data.name} ({len(examples)} examples)\n")
        self.stdout.write(metrics_report(metrics))
