import time

import pytest

from agents.providers import get_provider
from agents.providers.breaker import CircuitBreaker
from agents.tests.fakes import openai_api

from .conftest import make_request

pytestmark = pytest.mark.django_db

UNSURE = {"intent_confidence": 0.6}  # the template student asks the teacher every time


def open_the_teachers_circuit(fake_openai):
    fake_openai.fail(500)
    hybrid = get_provider("hybrid")
    for _ in range(3):
        hybrid.generate(make_request(**UNSURE))
    assert fake_openai.hits == 3
    return hybrid


def test_circuit_opens_after_three_failures_and_stops_calling_the_teacher(ai_settings, fake_openai):
    hybrid = open_the_teachers_circuit(fake_openai)

    results = [hybrid.generate(make_request(**UNSURE)) for _ in range(3)]

    assert fake_openai.hits == 3
    assert all(result.route == "student" for result in results)
    assert all((result.attempts[-1]["provider"], result.attempts[-1]["ok"], result.attempts[-1]["error"])
               == ("openai", False, "circuit open") for result in results)


def test_open_circuit_is_shared_through_the_cache_with_other_provider_instances(ai_settings, fake_openai):
    open_the_teachers_circuit(fake_openai)
    ai_settings.AI_PROVIDERS = dict(ai_settings.AI_PROVIDERS)  # rebuilds every provider, as another process would

    get_provider("hybrid").generate(make_request(**UNSURE))

    assert fake_openai.hits == 3


def test_circuit_half_opens_after_the_reset_time_and_a_successful_trial_closes_it(ai_settings, fake_openai):
    hybrid = open_the_teachers_circuit(fake_openai)
    fake_openai.recover()
    fake_openai.script(openai_api.answer("Back online."), openai_api.answer("Still online."))
    time.sleep(1.1)

    trial = hybrid.generate(make_request(**UNSURE))
    after = hybrid.generate(make_request(**UNSURE))

    assert (trial.route, trial.text) == ("teacher", "Back online.")
    assert (after.route, after.text) == ("teacher", "Still online.")
    assert fake_openai.hits == 5


def test_failed_half_open_trial_opens_the_circuit_again(ai_settings, fake_openai):
    hybrid = open_the_teachers_circuit(fake_openai)
    time.sleep(1.1)

    hybrid.generate(make_request(**UNSURE))
    refused = hybrid.generate(make_request(**UNSURE))

    assert fake_openai.hits == 4
    assert refused.attempts[-1]["error"] == "circuit open"


def test_only_one_caller_gets_the_half_open_trial(ai_settings):
    breaker = CircuitBreaker("openai")
    for _ in range(3):
        breaker.record_failure()
    assert breaker.allow() is False
    time.sleep(1.1)

    assert [CircuitBreaker("openai").allow() for _ in range(3)] == [True, False, False]


def test_cache_outage_lets_calls_through(ai_settings, fake_openai, throwaway_redis):
    ai_settings.CACHES = {
        "default": {"BACKEND": "hibachi.cache.ReusedClientRedisCache", "LOCATION": throwaway_redis["url"]}
    }
    throwaway_redis["process"].kill()
    throwaway_redis["process"].wait()
    fake_openai.script(openai_api.answer("Teacher answer."))

    result = get_provider("hybrid").generate(make_request(**UNSURE))

    assert (result.route, result.text) == ("teacher", "Teacher answer.")
