"""The OpenAI fine-tuning job lifecycle against a local HTTP server speaking that API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from learning.models import ModelVersion
from learning.selectors import openai_finetuned_model
from learning.tasks import openai_finetune_poll, openai_finetune_start


class FakeOpenAI(BaseHTTPRequestHandler):
    state = {}

    def log_message(self, *args):
        pass

    def _json(self, payload, status=200):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        assert self.headers["Authorization"] == "Bearer test-key"
        if self.path == "/v1/files":
            assert b'name="purpose"' in body and b"fine-tune" in body
            files = self.state.setdefault("files", [])
            files.append(body)
            self._json({"id": f"file-{len(files)}", "object": "file", "bytes": len(body), "created_at": 1,
                        "filename": "data.jsonl", "purpose": "fine-tune", "status": "processed"})
        elif self.path == "/v1/fine_tuning/jobs":
            request = json.loads(body)
            self.state["job_request"] = request
            self._json(self._job("validating_files"))
        elif self.path == "/v1/chat/completions":  # scoring before "Make current": the fine-tune answers as trained
            request = json.loads(body)
            self.state.setdefault("scored", []).append(request["model"])
            text = "hello" if request["model"].startswith("ft:") else "good day to you"
            self._json({"id": "c", "object": "chat.completion", "created": 1, "model": request["model"],
                        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                     "message": {"role": "assistant", "content": text, "refusal": None}}],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})
        else:
            self._json({"error": {"message": "not found"}}, 404)

    def do_GET(self):
        if self.path == "/v1/fine_tuning/jobs/ftjob-1":
            polls = self.state["polls"] = self.state.get("polls", 0) + 1
            self._json(self._job("running" if polls == 1 else "succeeded",
                                 None if polls == 1 else "ft:gpt-4o-mini:org:myhibachi:abc123"))
        else:
            self._json({"error": {"message": "not found"}}, 404)

    def _job(self, status, model=None):
        request = self.state.get("job_request", {})
        return {"id": "ftjob-1", "object": "fine_tuning.job", "model": request.get("model", "gpt-4o-mini"),
                "created_at": 1, "status": status, "fine_tuned_model": model,
                "training_file": request.get("training_file"), "validation_file": request.get("validation_file"),
                "hyperparameters": {"n_epochs": "auto"}, "organization_id": "org", "result_files": [], "seed": 1,
                "finished_at": None, "error": None, "trained_tokens": None}


@pytest.fixture
def fake_openai(settings):
    FakeOpenAI.state = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.AI_PROVIDERS = {**settings.AI_PROVIDERS, "openai": {**settings.AI_PROVIDERS["openai"], "OPTIONS": {
        **settings.AI_PROVIDERS["openai"]["OPTIONS"], "api_key": "test-key", "max_retries": 0,
        "base_url": f"http://127.0.0.1:{server.server_address[1]}/v1"}}}
    yield FakeOpenAI.state
    server.shutdown()


@pytest.mark.django_db
def test_upload_create_poll_record_and_select(fake_openai, tmp_path, monkeypatch, staff_client):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    row = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                        {"role": "assistant", "content": "hello"}]}
    (dataset / "train.jsonl").write_text(json.dumps(row) + "\n")
    (dataset / "validation.jsonl").write_text(json.dumps(row) + "\n")
    scheduled = []
    monkeypatch.setattr(openai_finetune_poll, "apply_async", lambda args, countdown: scheduled.append((args, countdown)))

    result = openai_finetune_start.apply(kwargs={"dataset": str(dataset)}).get()
    assert result["job"] == "ftjob-1" and len(fake_openai["files"]) == 2
    assert fake_openai["job_request"] == {"model": "gpt-4o-mini", "training_file": "file-1",
                                          "validation_file": "file-2", "suffix": "myhibachi"}
    version = ModelVersion.objects.get(kind="openai")
    assert scheduled == [((version.pk,), 60)]

    assert openai_finetune_poll.apply(args=(version.pk,)).get() == "running"
    assert scheduled[-1] == ((version.pk, 1), 300)  # polled again later
    assert openai_finetune_poll.apply(args=(version.pk, 1)).get() == "succeeded"
    assert len(scheduled) == 2  # done: no more polling
    version.refresh_from_db()
    assert version.metrics["fine_tuned_model"] == "ft:gpt-4o-mini:org:myhibachi:abc123"
    assert openai_finetuned_model() is None  # not selectable until staff make it current

    staff_client.post(reverse("admin:learning_modelversion_activate", args=[version.pk]))
    assert openai_finetuned_model() == "ft:gpt-4o-mini:org:myhibachi:abc123"
    # scored first on the export's validation file, against the model in use (gpt-4o-mini)
    assert fake_openai["scored"] == ["ft:gpt-4o-mini:org:myhibachi:abc123", "gpt-4o-mini"]


def test_the_finetuned_model_is_a_selectable_provider_alias():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "OPENAI_FINETUNED_MODEL": "ft:gpt-4o-mini:org:myhibachi:abc123", "OPENAI_API_KEY": "k",
           "DJANGO_SETTINGS_MODULE": "hibachi.settings.base"}
    code = ("import django; from django.conf import settings; "
            "from agents.providers import get_provider; django.setup(); p = get_provider('openai-finetuned'); "
            "print(p.model, settings.AI_MODEL_PRICES[p.model]['prompt'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ft:gpt-4o-mini:org:myhibachi:abc123", "0.30"]
