from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Move a random sample of staff labels into the frozen evaluation file (LEARNING_FROZEN_EVAL_PATH); "
            "they are never trained on afterwards. Versions scored before and after are not comparable: the next "
            "retrain measures the current version again on the new set.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=50)

    def handle(self, *args, count=50, **options):
        from django.conf import settings

        from learning.services.training import frozen_eval_grow

        added = frozen_eval_grow(count=count)
        self.stdout.write(f"Added {added} examples to {settings.LEARNING_FROZEN_EVAL_PATH}")
