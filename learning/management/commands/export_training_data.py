
from django.core.management.base import BaseCommand

from learning.services.datasets import dataset_export


class Command(BaseCommand):
    help = ("Write de-duplicated, PII-scrubbed chat-format JSONL (train and validation) from approved corrections and "
            "high-reward replies, plus the verified NLU labels, under LEARNING_DATASET_DIR; print the statistics.")

    def add_arguments(self, parser):
        parser.add_argument("--out", help="Directory to write the dataset version into (default LEARNING_DATASET_DIR).")
        parser.add_argument("--validation", type=float, default=0.1, help="Share of examples for validation.")
        parser.add_argument("--min-reward", type=float, default=None, help="Default: LEARNING_HIGH_REWARD.")
        parser.add_argument("--json", action="store_true", help="Print the statistics as JSON.")

    def handle(self, *args, out=None, validation=0.1, min_reward=None, json=False, **options):
        import json as json_module

        stats = dataset_export(out_root=out, validation_fraction=validation, min_reward=min_reward)
        if json:
            self.stdout.write(json_module.dumps(stats, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(f"Dataset written to {stats['path']}"))
        for key, value in stats.items():
            if key != "path":
                self.stdout.write(f"  {key}: {value}")
