"""The OpenAI embedder against a real local HTTP server speaking the embeddings API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from knowledge.embedders import get_embedder
from knowledge.embedders.openai import OpenAIEmbedder

pytestmark = pytest.mark.django_db  # every request is recorded as a paid call (agents.ModelCall)


@pytest.fixture
def embeddings_server():
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            dimensions = body["dimensions"]
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(text))] + [1.0] * (dimensions - 1)}
                for i, text in enumerate(body["input"])
            ]
            payload = json.dumps({
                "object": "list", "data": list(reversed(data)), "model": body["model"],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/v1", "requests": requests}
    server.shutdown()
    server.server_close()


def test_openai_embedder_requests_384_dimensions_and_returns_normalised_rows_in_input_order(embeddings_server):
    embedder = OpenAIEmbedder(api_key="sk-test", base_url=embeddings_server["url"], max_retries=0)
    vectors = embedder.embed(["a", "abcd"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[1][0] > vectors[0][0]  # the second text's row came back first but is placed second
    (request,) = embeddings_server["requests"]
    assert request["path"] == "/v1/embeddings" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "text-embedding-3-small" and request["body"]["dimensions"] == 384


def test_openai_embedder_is_selectable_in_settings(settings, embeddings_server):
    settings.EMBEDDERS = {"default": {
        "BACKEND": "knowledge.embedders.openai.OpenAIEmbedder",
        "OPTIONS": {"api_key": "sk-test", "base_url": embeddings_server["url"], "dimension": 384},
    }}
    get_embedder.cache_clear()
    try:
        embedder = get_embedder()
        assert isinstance(embedder, OpenAIEmbedder) and embedder.dimension == 384
        assert embedder.embed_one("hello").shape == (384,)
    finally:
        get_embedder.cache_clear()


def test_openai_embedder_without_a_key_is_a_configuration_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OPENAI_API_KEY"):
        OpenAIEmbedder()
