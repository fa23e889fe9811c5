"""The OpenAI fine-tuning job lifecycle: upload the exported files, create the job, poll it, record the fine-tuned
model's name on a ModelVersion (kind "openai") that staff make current in the admin after checking it; the current one
is what `learning.selectors.openai_finetuned_model()` returns for the openai provider.

OpenAI has announced it is winding down its fine-tuning platform for new users, so the local NLU and LoRA retraining
are the main path; this stays for accounts that still have access. Uses the connection of AI_PROVIDERS["openai"].
"""

from __future__ import annotations

from pathlib import Path

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import ModelVersion

TERMINAL_FAILED = {"failed", "cancelled"}


def client() -> openai.OpenAI:
    options = settings.AI_PROVIDERS.get("openai", {}).get("OPTIONS", {})
    if not options.get("api_key"):
        raise ImproperlyConfigured("Set OPENAI_API_KEY (AI_PROVIDERS['openai']) to use OpenAI fine-tuning.")
    return openai.OpenAI(api_key=options["api_key"], base_url=options.get("base_url"),
                         timeout=options.get("timeout", 30), max_retries=options.get("max_retries", 2))


def finetune_start(*, dataset: Path | None = None, base_model: str = "gpt-4o-mini",
                   suffix: str = "myhibachi") -> ModelVersion:
    from .datasets import latest_dataset

    dataset = Path(dataset or latest_dataset() or "")
    if not (dataset / "train.jsonl").exists():
        raise FileNotFoundError("No exported dataset: run `manage.py export_training_data` first.")
    api = client()
    with open(dataset / "train.jsonl", "rb") as handle:
        training = api.files.create(file=handle, purpose="fine-tune")
    validation = None
    if (dataset / "validation.jsonl").exists() and (dataset / "validation.jsonl").stat().st_size:
        with open(dataset / "validation.jsonl", "rb") as handle:
            validation = api.files.create(file=handle, purpose="fine-tune")
    job = api.fine_tuning.jobs.create(model=base_model, training_file=training.id, suffix=suffix,
                                      **({"validation_file": validation.id} if validation else {}))
    return ModelVersion.objects.create(
        kind=ModelVersion.Kind.OPENAI, version=job.id,
        metrics={"job_id": job.id, "job_status": job.status, "base_model": base_model,
                 "training_file": training.id, "validation_file": validation.id if validation else None},
        training_set={"dataset": str(dataset)}, notes=f"fine-tuning job {job.id} created",
    )


def finetune_poll(*, version: ModelVersion) -> str:
    """Refresh the job's state on the row; returns the job status."""
    job = client().fine_tuning.jobs.retrieve(version.metrics["job_id"])
    version.metrics = {**version.metrics, "job_status": job.status}
    if job.status == "succeeded":
        version.metrics["fine_tuned_model"] = job.fine_tuned_model
        version.notes = (f"fine-tuned model {job.fine_tuned_model} ready: check it, add its price to "
                         "AI_MODEL_PRICES, then 'Make current'")
    elif job.status in TERMINAL_FAILED:
        version.status = ModelVersion.Status.REJECTED
        error = getattr(job, "error", None)
        version.notes = f"job {job.status}: {getattr(error, 'message', '') or ''}".strip()
    version.save(update_fields=["metrics", "status", "notes"])
    return job.status


ROLES = ("teacher", "student")


def serving_role(version: ModelVersion) -> str:
    """The cascade role a fine-tune serves in when current: "teacher" (the default) or "student"."""
    return (version.metrics or {}).get("serves_as") or "teacher"


def finetuned_model_current() -> str | None:
    current = ModelVersion.objects.filter(kind=ModelVersion.Kind.OPENAI, is_current=True).first()
    return (current.metrics or {}).get("fine_tuned_model") if current else None


def finetuned_model_for(role: str) -> str | None:
    """The fine-tuned model the OpenAI provider uses for `role` ("teacher" or "student"), or None: its own model."""
    current = ModelVersion.objects.filter(kind=ModelVersion.Kind.OPENAI, is_current=True).only("metrics").first()
    if current is None or serving_role(current) != role:
        return None
    return (current.metrics or {}).get("fine_tuned_model") or None
