"""API surface of the channels: OpenAPI schema with the webhook payloads, docs page, throttling, size limits."""

import json

import pytest
import yaml

from . import payloads

pytestmark = pytest.mark.django_db


def test_the_schema_documents_every_channel_endpoint_with_its_payload(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in ("/api/v1/channels/ringcentral/sms/", "/api/v1/channels/ringcentral/voice/",
                 "/api/v1/channels/mailgun/inbound/", "/api/v1/channels/meta/", "/api/v1/channels/deliveries/",
                 "/api/v1/channels/deliveries/{id}/retry/"):
        assert path in paths, path
    sms = paths["/api/v1/channels/ringcentral/sms/"]["post"]
    assert sms["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("RingCentralSmsEvent")
    assert {p["name"] for p in sms["parameters"]} == {"Verification-Token", "Validation-Token"}
    assert set(sms["responses"]) == {"200", "400", "401", "403", "405", "406", "413", "415", "429"}
    components = schema["components"]["schemas"]
    assert "from" in components["RingCentralSmsBody"]["properties"]
    assert {"body-plain", "stripped-text", "Message-Id", "signature"} <= set(components["MailgunInbound"]["properties"])
    assert paths["/api/v1/channels/meta/"]["get"]["responses"]["200"]["content"]["text/plain"]
    assert components["MetaWebhook"]["properties"]["object"]


def test_the_docs_page_is_served(client):
    assert client.get("/api/docs/").status_code == 200


def test_webhooks_are_throttled(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "webhooks": "2/min"}}
    from rest_framework.throttling import ScopedRateThrottle

    original = ScopedRateThrottle.THROTTLE_RATES  # bound when DRF was imported
    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        codes = [client.post("/api/v1/channels/meta/", data="{}", content_type="application/json").status_code
                 for _ in range(3)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert codes == [401, 401, 429]


def test_a_body_over_the_limit_is_refused_before_anything_is_read(client, settings):
    settings.MESSAGING_WEBHOOK_MAX_BYTES = {**settings.MESSAGING_WEBHOOK_MAX_BYTES, "meta": 1000}
    raw = json.dumps(payloads.meta_messages("x" * 5000)).encode()

    response = client.post("/api/v1/channels/meta/", data=raw, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=payloads.meta_sign(raw))

    assert response.status_code == 413
    assert response.json() == {"detail": f"The request body is {len(raw)} bytes; this endpoint accepts at most "
                                         "1000 bytes."}
