import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_200_when_database_pgvector_redis_and_a_worker_answer(staff_client, celery_worker_thread):
    response = staff_client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["failing"] == []
    assert body["checks"]["pgvector"]["version"].startswith("0.8")
    assert body["checks"]["celery"]["workers"]


def test_healthz_names_celery_when_no_worker_answers(staff_client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.3
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["celery"]


def test_healthz_reports_a_stopped_redis_as_503(staff_client, settings, throwaway_redis):
    settings.REDIS_URL = throwaway_redis["url"]
    throwaway_redis["process"].kill()
    throwaway_redis["process"].wait()

    response = staff_client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["failing"]
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
