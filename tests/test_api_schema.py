"""schemathesis against the API's own OpenAPI schema (issue 14): for every operation, generated requests (bounded
examples, valid and invalid) never get a 5xx, and every response's status, content type and body match the schema.

Requests go in-process through Django's WSGI application with a staff token, on the test database. Webhooks are
called without their provider's signature, so they answer their documented 401/403/400: that is the point (nothing
undocumented, nothing 500)."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 12


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def _operations():
    schema = schemathesis.openapi.from_dict(_schema())
    return [result.ok() for result in schema.get_all_operations()]


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, keeping the test's database connection open across requests (as Django's test
    client does: a real request's end closes old connections)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(db, django_user_model):
    from agents.tests.engine.conftest import seed_prices_and_chefs

    seed_prices_and_chefs()
    from conversations.models import Channel
    from messaging.models import ApiTokenScope

    user = django_user_model.objects.create_superuser(username="schemathesis", password="pw", email="s@example.com")
    token = Token.objects.create(user=user)
    ApiTokenScope.objects.create(token=token, channels=list(Channel.values), staff=True)  # every operation reachable
    return token.key


def test_the_schema_documents_the_common_errors_of_every_operation():
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), f"{method.upper()} {path}"
            if "{" in path:
                assert "404" in operation["responses"], f"{method.upper()} {path}"


@pytest.mark.parametrize("operation", _operations(), ids=_label)
def test_generated_requests_never_get_a_5xx_and_responses_match_the_schema(operation, staff_token, wsgi_app):
    app = wsgi_app
    headers = {"Authorization": f"Token {staff_token}"}

    # /healthz answers a documented 503 when a dependency is down (no Celery worker runs in this test): every other
    # check still applies to it.
    checks = [c for c in CHECKS if c is not not_a_server_error] if operation.path == "/healthz" else CHECKS

    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(app=app, headers=headers, checks=checks)

    check()


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Not found")


def test_an_unknown_site_path_keeps_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_an_invalid_delivery_status_filter_is_a_400_naming_the_field(staff_token, client):
    response = client.get("/api/v1/channels/deliveries/?status=exploded", HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert response.status_code == 400
    assert "status" in response.json() and "exploded" in response.json()["status"][0]


def test_invalid_data_is_rejected_for_the_message_api(staff_token, wsgi_app):
    """Negative examples (wrong types, missing fields) of POST /api/v1/messages/ are refused with a 4xx."""
    operation = next(op for op in _operations() if _label(op) == "POST /api/v1/messages/")
    app = wsgi_app
    headers = {"Authorization": f"Token {staff_token}"}
    from schemathesis import GenerationMode

    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case):
        case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error, negative_data_rejection])

    check()
