"""Celery tasks of the learning loop (scheduled in settings.HIBACHI_BEAT_SCHEDULE)."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def refresh_review_queue():
    from .services import review_queue_refresh

    return review_queue_refresh(since=timezone.now() - timezone.timedelta(days=2))


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def record_outcomes():
    from .services.outcomes import outcomes_record
    from .services.rewards import rewards_compute
    from .services.upsell import upsell_outcomes_update

    result = outcomes_record()
    result["upsell_offers_settled"] = upsell_outcomes_update()
    result["rewards_scored"] = rewards_compute()
    return result


@shared_task(time_limit=3600, soft_time_limit=3500)
def nightly_autolabel():
    """Label the last day's unlabeled customer messages with the local classifier."""
    from .services.autolabel import autolabel_local

    return {"labeled": autolabel_local(since=timezone.now() - timezone.timedelta(days=1))}


@shared_task(time_limit=4 * 3600, soft_time_limit=4 * 3600 - 60)
def weekly_learning_loop():
    """dataset -> train -> evaluate -> promote, for every model that has material; returns what happened."""
    from .services.loop import learning_loop_run

    return learning_loop_run()


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def openai_finetune_start(dataset=None, base_model="gpt-4o-mini"):
    """Upload the latest export, create the OpenAI fine-tuning job, and start polling it."""
    from .services.openai_ft import finetune_start

    version = finetune_start(dataset=dataset, base_model=base_model)
    openai_finetune_poll.apply_async((version.pk,), countdown=60)
    return {"version": version.pk, "job": version.version}


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def openai_finetune_poll(version_id, attempt=0):
    """Poll until the job ends (every 5 minutes, for at most 2 days)."""
    from .models import ModelVersion
    from .services.openai_ft import TERMINAL_FAILED, finetune_poll

    version = ModelVersion.objects.get(pk=version_id)
    status = finetune_poll(version=version)
    if status not in TERMINAL_FAILED | {"succeeded"} and attempt < 576:
        openai_finetune_poll.apply_async((version_id, attempt + 1), countdown=300)
    return status


@shared_task(acks_late=True, time_limit=120, soft_time_limit=110, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def exemplar_embed(exemplar_id):
    """Embed a new exemplar's customer message (queued when staff correct, approve or relabel)."""
    from .services.exemplars import exemplar_embed as embed

    return embed(exemplar_id=exemplar_id)


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def exemplars_embed_missing():
    """Embed the exemplars a lost task left without an embedding."""
    from .services.exemplars import exemplars_embed_missing as embed_missing

    return {"embedded": embed_missing()}
