from functools import partial

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from nlu.artifacts import nlu_model_train


class Command(BaseCommand):
    help = ("Train the NLU classifiers on nlu/data/train.jsonl, measure them on heldout.jsonl and save a new "
            "version under NLU_MODEL_DIR as the current model.")

    def handle(self, *args, verbosity=1, **options):
        progress = partial(tqdm, file=self.stderr, disable=verbosity == 0, leave=verbosity > 1)
        try:
            trained = nlu_model_train(progress=progress)
        except (OSError, ValueError) as exc:
            raise CommandError(f"NLU training failed: {exc}") from exc
        metrics = trained.metadata["heldout_metrics"] or {}
        summary = ", ".join(
            f"{head} micro-F1 {result['micro_f1']:.3f} (every act right {result['accuracy']:.3f})"
            if "micro_f1" in result else f"{head} macro-F1 {result['macro_f1']:.3f} (accuracy {result['accuracy']:.3f})"
            for head, result in metrics.items())
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Saved NLU model {trained.version} in {trained.path}"))
            if summary:
                self.stdout.write(f"Held-out: {summary}")
