"""Every OpenAI embeddings request is a paid call: recorded as an agents.ModelCall (route "embedding") with its cost,
so the cost monitor and its $500 trigger see it. Driven by the official client against a local fake server."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.models import ModelCall
from knowledge.embedders.openai import OpenAIEmbedder

pytestmark = pytest.mark.django_db

TOKENS_PER_TEXT = 25_000


@pytest.fixture
def paid_embeddings_server():
    """Answers like the embeddings API, billing TOKENS_PER_TEXT prompt tokens per input; `fail` makes it answer 400."""
    state = {"fail": False}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state["fail"]:
                status, payload = 400, {"error": {"message": "bad input", "type": "invalid_request_error"}}
            else:
                tokens = TOKENS_PER_TEXT * len(body["input"])
                status, payload = 200, {
                    "object": "list", "model": body["model"], "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                    "data": [{"object": "embedding", "index": i, "embedding": [1.0] * body["dimensions"]}
                             for i, _ in enumerate(body["input"])],
                }
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/v1", "state": state}
    server.shutdown()
    server.server_close()


def test_each_embeddings_request_is_recorded_with_its_cost(paid_embeddings_server):
    """Two requests (batch size 2, three texts): 50,000 + 25,000 tokens at $0.02 per 1M = $0.001 + $0.0005."""
    embedder = OpenAIEmbedder(api_key="sk-test", base_url=paid_embeddings_server["url"], max_retries=0, batch_size=2)
    embedder.embed(["a", "b", "c"])

    calls = list(ModelCall.objects.order_by("id"))
    assert [(c.provider, c.model, c.route, c.prompt_tokens, c.cost_usd, c.ok) for c in calls] == [
        ("openai-embeddings:default", "text-embedding-3-small", "embedding", 50_000, Decimal("0.001000"), True),
        ("openai-embeddings:default", "text-embedding-3-small", "embedding", 25_000, Decimal("0.000500"), True),
    ]


def test_a_failed_embeddings_request_is_recorded_as_a_failed_call(paid_embeddings_server):
    paid_embeddings_server["state"]["fail"] = True
    embedder = OpenAIEmbedder(api_key="sk-test", base_url=paid_embeddings_server["url"], max_retries=0)
    with pytest.raises(Exception, match="bad input"):
        embedder.embed(["a"])
    call = ModelCall.objects.get()
    assert (call.ok, call.cost_usd, call.route) == (False, Decimal("0"), "embedding")
    assert "bad input" in call.error
