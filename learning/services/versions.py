"""ModelVersion bookkeeping: register, promote only when better, activate, roll back (one click in the admin).

Each kind has an activation hook that points the running system at the version's artifacts, and what serves reads
them on every use, in every process (web and workers):
- NLU: the `current` pointer file under NLU_MODEL_DIR, read on each parse (`nlu.artifacts.nlu_model_current`);
- MiniLM: `<LEARNING_MODEL_DIR>/minilm/current`, read on each parse (`nlu.finetuned`), whose classifier then gives
  the intent;
- LoRA: the adapter is registered in Ollama as base + ADAPTER (`lora.lora_ollama_register`); the Ollama provider
  asks for that model (`learning.selectors.lora_ollama_model`, one indexed query per call);
- OpenAI fine-tune: the row itself (with the role it serves in, teacher or student) is what the OpenAI provider reads
  (`learning.selectors.openai_finetuned_model_for`).
Making a version current from the admin scores it first on the frozen evaluation set against the version in use
(`scoring.version_score`) and refuses it when it scores lower, unless staff force it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nlu.retrain import nlu_set_current

from ..models import ModelVersion
from ..selectors import model_version_current

logger = logging.getLogger(__name__)


# Kinds that can be rolled back to "none" (what served before any version: the base model, the linear intent head).
BASE_FALLBACK = {ModelVersion.Kind.MINILM, ModelVersion.Kind.LORA, ModelVersion.Kind.OPENAI}


def _pointer_remove(kind: str) -> None:
    root = Path(settings.LEARNING_MODEL_DIR) / kind
    (root / "current").unlink(missing_ok=True)


def _activate_artifacts(version: ModelVersion) -> None:
    if version.kind == ModelVersion.Kind.OPENAI:
        return  # nothing on disk: the provider reads learning.selectors.openai_finetuned_model_for(role)
    if version.kind == ModelVersion.Kind.LORA:
        import httpx
        import ollama

        from .lora import lora_ollama_register

        try:
            lora_ollama_register(version=version)
        except (ollama.ResponseError, httpx.HTTPError, OSError, ValueError) as exc:  # refused, unreachable, bad files
            raise ValidationError(f"Could not register {version} in Ollama: {type(exc).__name__}: {exc}") from exc
    if version.kind == ModelVersion.Kind.NLU:
        nlu_set_current(root=Path(version.path).parent, version=version.version)
    elif version.kind in (ModelVersion.Kind.MINILM, ModelVersion.Kind.LORA, ModelVersion.Kind.UPSELL):
        root = Path(version.path).parent
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / ".current.tmp"
        tmp.write_text(version.version + "\n", encoding="utf-8")
        tmp.replace(root / "current")


def current_version(kind: str) -> ModelVersion | None:
    """The current version of `kind` (the per-process cache of learning.selectors: read on every reply)."""
    return model_version_current(kind)


def version_score_check(*, version: ModelVersion, force: bool = False) -> tuple[float, float | None] | None:
    """Score `version` and the current one on the frozen set (recorded on the row); ValidationError when it scores
    lower, unless `force` (staff who know better). None for a kind without a scorer."""
    from .scoring import version_score

    current = current_version(version.kind)
    if current is not None and current.pk == version.pk:
        return None
    scored = version_score(version, current=current)
    if scored is None:
        return None
    score, baseline = scored
    version.score, version.baseline_score = score, baseline
    version.metrics = {**(version.metrics or {}), "activation_check": {
        "score": score, "baseline": baseline, "against": current.version if current else "",
        "at": timezone.now().isoformat(timespec="seconds"), "forced": bool(force)}}
    version.save(update_fields=["score", "baseline_score", "metrics"])
    if baseline is not None and score < baseline and not force:
        raise ValidationError(
            f"Not made current: {version.kind} {version.version} scores {score:.4f} on the frozen evaluation set, "
            f"below the {baseline:.4f} of the version in use ({current.version if current else 'the base model'}). "
            "A staff member can force it.")
    return score, baseline


def version_make_current(*, version: ModelVersion, force: bool = False, role: str = "", reason: str = "") -> ModelVersion:
    """What staff's "Make current" does: score on the frozen set first (refused when worse unless forced), then
    activate. For an OpenAI fine-tune, `role` ("teacher" or "student") is the cascade role it will serve in."""
    if version.kind == ModelVersion.Kind.OPENAI and role:
        from .openai_ft import ROLES

        if role not in ROLES:
            raise ValidationError(f"An OpenAI fine-tune serves as {' or '.join(ROLES)}, not {role!r}.")
        version.metrics = {**(version.metrics or {}), "serves_as": role}
        version.save(update_fields=["metrics"])
    _check_artifacts(version)
    checked = version_score_check(version=version, force=force)
    if checked is not None and not reason:
        score, baseline = checked
        reason = (f"made current by staff{' (forced)' if force else ''}: {score:.4f} on the frozen set"
                  + (f" vs {baseline:.4f} in use" if baseline is not None else ""))
    return version_activate(version=version, reason=reason or "made current by staff")


def _check_artifacts(version: ModelVersion) -> None:
    if version.kind == ModelVersion.Kind.OPENAI:
        if not (version.metrics or {}).get("fine_tuned_model"):
            raise ValidationError(f"The fine-tuning job {version.version} has not produced a model yet.")
    elif not version.path or not Path(version.path).exists():
        raise ValidationError(f"The artifacts of {version} are gone ({version.path}).")


@transaction.atomic
def version_activate(*, version: ModelVersion, reason: str = "") -> ModelVersion:
    """Make `version` the current one of its kind (its artifacts first, then the rows). Callers that have not just
    compared it on the frozen set go through `version_make_current`."""
    _check_artifacts(version)
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
def version_rollback(*, kind: str) -> ModelVersion | None:
    """Back to the version that was current before the current one. For the fine-tuned encoder, the LoRA adapter and
    an OpenAI fine-tune with no earlier version, back to the base (returns None): the linear intent head, the bare
    Ollama base model, the provider's own OpenAI model."""
    current = ModelVersion.objects.select_for_update().filter(kind=kind, is_current=True).first()
    if current is None or (current.previous is None and kind not in BASE_FALLBACK):
        raise ValidationError(f"There is no earlier {kind} version to roll back to.")
    previous = current.previous
    if previous is not None:
        _activate_artifacts(previous)
    elif kind in (ModelVersion.Kind.MINILM, ModelVersion.Kind.LORA):
        _pointer_remove(kind)
    current.is_current, current.status = False, ModelVersion.Status.RETIRED
    current.notes = (current.notes + "\n" if current.notes else "") + f"rolled back at {timezone.now():%Y-%m-%d %H:%M}"
    current.save(update_fields=["is_current", "status", "notes"])
    if previous is None:
        logger.info("%s %s rolled back to the base model", kind, current.version)
        return None
    previous.is_current, previous.status, previous.promoted_at = True, ModelVersion.Status.PROMOTED, timezone.now()
    previous.save(update_fields=["is_current", "status", "promoted_at"])
    return previous
