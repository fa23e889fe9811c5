"""One backoff for every retry in the project (channel deliveries, webhook processing, alert deliveries).

Foundation: imports no app and reads no setting; each caller passes its own base and ceiling.
"""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float, maximum: float, retry_after: float | None = None,
                    jitter: bool = True) -> float:
    """The pause before the next try after the `attempt`-th failure: base x 2^(attempt-1), at most `maximum`, then
    +-20 % of jitter (so workers that failed together do not retry together), and never less than a provider's
    Retry-After."""
    delay = min(base * (2 ** max(attempt - 1, 0)), maximum)
    if jitter:
        delay *= 0.8 + 0.4 * random.random()
    return max(delay, retry_after or 0)
