import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Retrain models from the latest export (export_training_data) and promote each only if it beats the "
            "current version on the frozen evaluation set. With no flag: NLU and upsell.")

    def add_arguments(self, parser):
        parser.add_argument("--nlu", action="store_true", help="NLU classifiers from staff labels.")
        parser.add_argument("--minilm", action="store_true", help="MiniLM end to end (only when the readiness check passes).")
        parser.add_argument("--upsell", action="store_true", help="Upsell predictor from booking outcomes.")
        parser.add_argument("--lora", action="store_true", help="Student LoRA adapter (needs LEARNING_LORA_BASE_MODEL).")
        parser.add_argument("--steps", type=int, default=None, help="LoRA/MiniLM optimisation steps.")

    def handle(self, *args, nlu=False, minilm=False, upsell=False, lora=False, steps=None, **options):
        if not any([nlu, minilm, upsell, lora]):
            nlu = upsell = True
        if nlu:
            from learning.services.training import nlu_retrain

            started = time.perf_counter()
            version = nlu_retrain()
            self._report("NLU", version, time.perf_counter() - started)
        if minilm:
            from learning.services.minilm import minilm_finetune, minilm_readiness

            ready = minilm_readiness()
            if not ready["ready"]:
                self.stdout.write(f"MiniLM: not ready ({ready['why']})")
            else:
                started = time.perf_counter()
                self._report("MiniLM", minilm_finetune(**({"steps": steps} if steps else {})),
                             time.perf_counter() - started)
        if upsell:
            from learning.services.upsell import upsell_train

            version = upsell_train()
            if version is None:
                self.stdout.write("Upsell: not enough booking outcomes to train on yet.")
            else:
                self._report("Upsell", version, version.training_seconds or 0)
        if lora:
            from django.conf import settings

            from learning.services.lora import lora_train_and_promote

            if not settings.LEARNING_LORA_BASE_MODEL:
                raise CommandError("Set LEARNING_LORA_BASE_MODEL to the student's local model directory.")
            started = time.perf_counter()
            self._report("LoRA", lora_train_and_promote(base_model=settings.LEARNING_LORA_BASE_MODEL,
                                                        **({"steps": steps} if steps else {})),
                         time.perf_counter() - started)

    def _report(self, name, version, seconds):
        style = self.style.SUCCESS if version.status == "promoted" else self.style.WARNING
        baseline = "-" if version.baseline_score is None else f"{version.baseline_score:.4f}"
        self.stdout.write(style(f"{name}: {version.version} {version.status} (score {version.score:.4f} vs current "
                                f"{baseline}; {seconds:.1f}s) {version.notes}"))
