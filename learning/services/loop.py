"""The weekly loop: score rewards, export the dataset, retrain, evaluate on the frozen set, promote only if better."""

from __future__ import annotations

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)


def learning_loop_run(*, lora_steps: int = 60, minilm_steps: int = 300) -> dict:
    from .datasets import dataset_export
    from .outcomes import outcomes_record
    from .rewards import rewards_compute
    from .training import nlu_retrain
    from .upsell import upsell_outcomes_update, upsell_train

    report, started = {}, time.perf_counter()
    report["outcomes"] = outcomes_record()
    upsell_outcomes_update()
    report["rewards_scored"] = rewards_compute()
    report["dataset"] = dataset_export()

    def summary(version):
        return None if version is None else {"version": version.version, "status": version.status,
                                             "score": version.score, "baseline": version.baseline_score,
                                             "seconds": version.training_seconds, "notes": version.notes}

    report["nlu"] = summary(nlu_retrain())
    from .minilm import minilm_finetune, minilm_readiness

    readiness = minilm_readiness()
    report["minilm"] = summary(minilm_finetune(steps=minilm_steps)) if readiness["ready"] else readiness["why"]
    report["upsell"] = summary(upsell_train())
    if settings.LEARNING_LORA_BASE_MODEL and report["dataset"]["train"] and report["dataset"]["validation"]:
        from .lora import lora_train_and_promote

        report["lora"] = summary(lora_train_and_promote(base_model=settings.LEARNING_LORA_BASE_MODEL,
                                                        steps=lora_steps))
    else:
        report["lora"] = "skipped (no LEARNING_LORA_BASE_MODEL or no chat examples yet)"
    report["seconds"] = round(time.perf_counter() - started, 1)
    logger.info("weekly learning loop: %s", report)
    return report
