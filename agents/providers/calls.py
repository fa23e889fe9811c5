"""One model call end to end: circuit breaker, timing, pricing, and a `GenerationResult` whose attempt describes it
(stored as a `ModelCall` row by the engine's commit step, see `recording.generation_record`)."""

import logging
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import ROUTE_HUMAN, GenerationResult, ProviderError, Reply
from .breaker import CircuitBreaker

logger = logging.getLogger(__name__)

CIRCUIT_OPEN = "circuit open"
_MILLION = Decimal(1_000_000)
_MICRODOLLAR = Decimal("0.000001")


def model_price(model: str) -> dict:
    """{"prompt": Decimal, "completion": Decimal} USD per 1M tokens, or ImproperlyConfigured naming the fix."""
    price = settings.AI_MODEL_PRICES.get(model)
    if price is None:
        raise ImproperlyConfigured(
            f"No price for model {model!r}: add it to settings.AI_MODEL_PRICES as "
            '{"prompt": Decimal(...), "completion": Decimal(...)} (USD per 1M tokens).'
        )
    return price


def model_cost(model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """USD for a call, rounded to the micro-dollar. An OpenAI fine-tune ("ft:...") without a row of its own costs
    AI_FINETUNED_MODEL_PRICE; other models without a price (self-hosted) cost nothing."""
    price = settings.AI_MODEL_PRICES.get(model)
    if price is None and model.startswith("ft:"):
        price = getattr(settings, "AI_FINETUNED_MODEL_PRICE", None)
    if price is None:
        return Decimal("0.000000")
    cost = (Decimal(price["prompt"]) * prompt_tokens + Decimal(price["completion"]) * completion_tokens) / _MILLION
    return cost.quantize(_MICRODOLLAR, rounding=ROUND_HALF_UP)


def model_call(
    *,
    alias: str,
    model: str,
    route: str,
    reply: Callable[[], Reply],
    guarded: bool = True,
) -> GenerationResult:
    """Run `reply()` once and describe it as the result's one attempt. `guarded` puts the call behind the alias's
    circuit breaker (remote models).

    Any exception from `reply()` counts as a failed call (logged with its traceback when it is not a ProviderError):
    the customer's message must never be lost because a model misbehaved.
    """
    breaker = CircuitBreaker(alias) if guarded else None
    answer, error, spent = None, "", (0, 0)
    started = time.perf_counter()
    if breaker is not None and not breaker.allow():
        error = CIRCUIT_OPEN
    else:
        try:
            answer = reply()
        except ProviderError as exc:
            error, spent = str(exc) or type(exc).__name__, (exc.prompt_tokens, exc.completion_tokens)
        except Exception as exc:
            logger.exception("Model call to %s (%s) crashed", alias, model)
            error = f"{type(exc).__name__}: {exc}"
        if breaker is not None and answer is not None:
            breaker.record_success()
        elif breaker is not None:
            breaker.record_failure()
    latency_ms = round((time.perf_counter() - started) * 1000)
    prompt_tokens, completion_tokens = (answer.prompt_tokens, answer.completion_tokens) if answer else spent
    attempt = {
        "provider": alias,
        "model": model,
        "route": route,
        "ok": answer is not None,
        "error": error,
        "confidence": answer.confidence if answer else None,
        "tool_rounds": answer.tool_rounds if answer else 0,
        "latency_ms": latency_ms,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": model_cost(model, prompt_tokens, completion_tokens),
    }
    if error:
        logger.warning("Model call to %s (%s) failed: %s", alias, model, error)
    return GenerationResult(
        text=answer.text if answer else None,
        confidence=answer.confidence if answer else 0.0,
        route=route if answer else ROUTE_HUMAN,
        provider=alias,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=attempt["cost_usd"],
        latency_ms=latency_ms,
        attempts=[attempt],
        escalation_reason="" if answer else f"{alias} failed: {error}",
    )
