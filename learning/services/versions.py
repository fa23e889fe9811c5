"""ModelVersion bookkeeping: register, promote only when better, activate, roll back (one click in the admin).

Each kind has an activation hook that points the running system at the version's artifacts (for the NLU: the
`current` pointer file under NLU_MODEL_DIR, which every process reloads on its next parse).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nlu.retrain import nlu_set_current

from ..models import ModelVersion

logger = logging.getLogger(__name__)


def _activate_artifacts(version: ModelVersion) -> None:
    if version.kind == ModelVersion.Kind.OPENAI:
        return  # nothing on disk: the provider reads learning.selectors.openai_finetuned_model()
    if version.kind == ModelVersion.Kind.NLU:
        nlu_set_current(root=Path(version.path).parent, version=version.version)
    elif version.kind in (ModelVersion.Kind.MINILM, ModelVersion.Kind.LORA, ModelVersion.Kind.UPSELL):
        root = Path(version.path).parent
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / ".current.tmp"
        tmp.write_text(version.version + "\n", encoding="utf-8")
        tmp.replace(root / "current")


def current_version(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, is_current=True).first()


@transaction.atomic
def version_activate(*, version: ModelVersion, reason: str = "") -> ModelVersion:
    """Make `version` the current one of its kind (its artifacts first, then the rows)."""
    if version.kind == ModelVersion.Kind.OPENAI:
        if not (version.metrics or {}).get("fine_tuned_model"):
            raise ValidationError(f"The fine-tuning job {version.version} has not produced a model yet.")
    elif not version.path or not Path(version.path).exists():
        raise ValidationError(f"The artifacts of {version} are gone ({version.path}).")
    previous = ModelVersion.objects.select_for_update().filter(kind=version.kind, is_current=True).first()
    if previous and previous.pk == version.pk:
        return version
    _activate_artifacts(version)
    if previous:
        previous.is_current = False
        previous.status = ModelVersion.Status.RETIRED
        previous.save(update_fields=["is_current", "status"])
        version.previous = previous
    version.is_current, version.status, version.promoted_at = True, ModelVersion.Status.PROMOTED, timezone.now()
    if reason:
        version.notes = (version.notes + "\n" if version.notes else "") + reason
    version.save(update_fields=["is_current", "status", "promoted_at", "previous", "notes"])
    logger.info("%s is now the current %s model (%s)", version.version, version.kind, reason)
    return version


def version_promote_if_better(*, version: ModelVersion, min_delta: float = 0.0) -> bool:
    """Promote when the candidate's score on the frozen set beats the current version's score on the same set by
    more than `min_delta` (ties are not promoted). Records the decision on the row; returns whether it was promoted."""
    current = current_version(version.kind)
    if current is not None and version.baseline_score is None:
        raise ValidationError("baseline_score (the current version measured on the same frozen set) is required.")
    better = current is None or version.score > version.baseline_score + min_delta
    if better:
        version_activate(version=version, reason=(
            f"promoted: {version.score:.4f} > {version.baseline_score:.4f} on the frozen set"
            if current else "promoted: first version"))
    else:
        version.status = ModelVersion.Status.REJECTED
        version.notes = (f"rejected: {version.score:.4f} does not beat the current "
                         f"{version.baseline_score:.4f} on the frozen set")
        version.save(update_fields=["status", "notes"])
    return better


@transaction.atomic
def version_rollback(*, kind: str) -> ModelVersion:
    """Back to the version that was current before the current one."""
    current = ModelVersion.objects.select_for_update().filter(kind=kind, is_current=True).first()
    if current is None or current.previous is None:
        raise ValidationError(f"There is no earlier {kind} version to roll back to.")
    previous = current.previous
    _activate_artifacts(previous)
    current.is_current, current.status = False, ModelVersion.Status.RETIRED
    current.notes = (current.notes + "\n" if current.notes else "") + f"rolled back at {timezone.now():%Y-%m-%d %H:%M}"
    current.save(update_fields=["is_current", "status", "notes"])
    previous.is_current, previous.status, previous.promoted_at = True, ModelVersion.Status.PROMOTED, timezone.now()
    previous.save(update_fields=["is_current", "status", "promoted_at"])
    return previous
