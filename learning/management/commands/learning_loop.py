import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the weekly loop now: outcomes and rewards -> export -> retrain -> evaluate -> promote if better."

    def add_arguments(self, parser):
        parser.add_argument("--lora-steps", type=int, default=60)
        parser.add_argument("--minilm-steps", type=int, default=300)

    def handle(self, *args, lora_steps=60, minilm_steps=300, **options):
        from learning.services.loop import learning_loop_run

        report = learning_loop_run(lora_steps=lora_steps, minilm_steps=minilm_steps)
        self.stdout.write(json.dumps(report, indent=2, default=str))
