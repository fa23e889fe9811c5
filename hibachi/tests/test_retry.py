"""hibachi.retry.backoff_seconds: the one backoff of deliveries, webhook events and alert deliveries."""

import pytest

from hibachi.retry import backoff_seconds


def test_without_jitter_it_doubles_from_the_base_up_to_the_ceiling():
    delays = [backoff_seconds(n, base=5, maximum=30, jitter=False) for n in (0, 1, 2, 3, 4, 5)]

    assert delays == [5, 5, 10, 20, 30, 30]


def test_jitter_stays_within_twenty_percent_of_the_delay():
    delays = [backoff_seconds(3, base=5, maximum=300) for _ in range(200)]

    assert all(16 <= d <= 24 for d in delays)
    assert len(set(delays)) > 1  # workers that failed together do not retry together


@pytest.mark.parametrize("jitter", [True, False])
def test_a_providers_retry_after_is_a_floor(jitter):
    assert backoff_seconds(1, base=5, maximum=300, retry_after=90, jitter=jitter) == 90
    assert backoff_seconds(1, base=5, maximum=300, retry_after=0, jitter=False) == 5
