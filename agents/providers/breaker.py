"""A circuit breaker per provider alias whose state lives in Django's cache (Redis), shared by every process.

Closed: calls go through; each failure bumps a counter, a success clears it. After AI_CIRCUIT_BREAKER["failures"]
consecutive failures the circuit opens: calls are refused at once for "reset_seconds". Then it is half-open: exactly
one caller (across all processes, claimed with an atomic cache `add`) makes a trial call; its success closes the
circuit, its failure opens it for another period. If the cache itself is down the breaker lets calls through.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, alias: str):
        self.alias = alias
        self._failures_key = f"ai-breaker:{alias}:failures"
        self._opened_key = f"ai-breaker:{alias}:opened-at"
        self._trial_key = f"ai-breaker:{alias}:trial"

    @property
    def _config(self) -> tuple[int, float]:
        config = settings.AI_CIRCUIT_BREAKER
        return int(config["failures"]), float(config["reset_seconds"])

    def allow(self) -> bool:
        """Whether a call may go out now (closed, or this caller won the half-open trial)."""
        _, reset_seconds = self._config
        try:
            opened_at = cache.get(self._opened_key)
            if opened_at is None:
                return True
            if time.time() - opened_at < reset_seconds:
                return False
            return cache.add(self._trial_key, 1, timeout=max(1, int(reset_seconds)))
        except Exception:
            logger.exception("Circuit breaker state for %s is unreadable; letting the call through", self.alias)
            return True

    def record_success(self) -> None:
        try:
            cache.delete_many([self._failures_key, self._opened_key, self._trial_key])
        except Exception:
            logger.exception("Could not reset the circuit breaker of %s", self.alias)

    def record_failure(self) -> None:
        threshold, _ = self._config
        try:
            cache.add(self._failures_key, 0, timeout=None)
            failures = cache.incr(self._failures_key)
            if failures >= threshold:
                cache.set(self._opened_key, time.time(), timeout=None)
                cache.delete(self._trial_key)
                logger.warning("Circuit of %s is open after %d consecutive failures", self.alias, failures)
        except Exception:
            logger.exception("Could not count a failure of %s in its circuit breaker", self.alias)

