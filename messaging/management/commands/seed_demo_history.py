"""`manage.py seed_demo_history --days 90` (also `seed_demo --history 90`): see messaging.demo.history."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from messaging.demo.history import PER_DAY, TEACHER_MODEL, history_play
from messaging.demo.selectors import history_seeded


class Command(BaseCommand):
    help = ("Play DAYS days of synthetic customers through the real pipeline with a fake clock (model calls priced, "
            "staff feedback, corrections, bookings, surveys), so the reports have data. Days already played are "
            "skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="days of history up to today (default 90; 0: none)")
        parser.add_argument("--per-day", type=float, default=PER_DAY,
                            help=f"conversations per day on average, growing over the period (default {PER_DAY})")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (the same seed plays the same days)")
        parser.add_argument("--teacher-model", default=TEACHER_MODEL,
                            help=f"the OpenAI model the teacher's calls are priced as (default {TEACHER_MODEL}; "
                                 "it needs a row in AI_MODEL_PRICES)")
        parser.add_argument("--if-new", action="store_true",
                            help="do nothing when a history was played here before (the launcher's first start)")

    def handle(self, *args, days, per_day, seed, teacher_model, if_new, **options):
        if days < 0 or days > 3660:
            raise CommandError("--days must be between 0 and 3660.")
        if per_day <= 0 or per_day > 50:
            raise CommandError("--per-day must be more than 0 and at most 50.")
        if teacher_model not in settings.AI_MODEL_PRICES:
            raise CommandError(f"No price for {teacher_model!r}: use one of AI_MODEL_PRICES "
                               f"({', '.join(sorted(settings.AI_MODEL_PRICES))}).")
        if days == 0:
            return
        if if_new and history_seeded():
            self.stdout.write("Demo history: already played here; skipped.")
            return
        bar = tqdm(desc="demo history (conversations)", unit="conv", mininterval=2, file=sys.stderr)
        try:
            counts = history_play(days=days, per_day=per_day, seed=seed, teacher_model=teacher_model,
                                  progress=bar.update,
                                  total=lambda n: setattr(bar, "total", n) or bar.refresh())
        finally:
            bar.close()
        figures = ", ".join(f"{name} {value}" for name, value in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo history of {days} days: {figures}"))
