"""A fake Ollama server: /api/chat answers (with eval counts, optional logprobs), tool calls and errors; blob uploads
and model creation from a base model plus adapters, checked as Ollama checks them."""

import hashlib
import json
from datetime import UTC, datetime

from .server import Responder, ScriptedServer


class FakeOllama(ScriptedServer):
    """Point `ollama.Client(host=...)` at `url`; script `answer(...)`, `tool_calls(...)`, `error(...)`.

    `/api/blobs/sha256:<hex>` stores an upload only when its sha256 is that digest (400 otherwise, as Ollama does);
    `/api/create` refuses (400) a request without `from`, one naming a base model not in `models`, and one whose
    adapter digests were not uploaded; a created model is added to `models` with its request. `/api/chat` answers only
    for a model in `models` (404 "model not found" otherwise), so a provider asking for an unregistered model fails.
    """

    def __init__(self, *, models: tuple[str, ...] = ("llama3:8b",)):
        super().__init__(paths={"/api/chat", "/api/create"}, error=error)
        self.blobs: dict[str, bytes] = {}
        self.models: dict[str, dict] = {name: {} for name in models}

    def respond_raw(self, path: str, raw: bytes):
        if not path.startswith("/api/blobs/"):
            return None
        digest = path.removeprefix("/api/blobs/")
        with self._lock:
            self.requests.append({"path": path, "bytes": len(raw)})
            if digest != f"sha256:{hashlib.sha256(raw).hexdigest()}":
                return 400, {}, {"error": "digest mismatch"}
            self.blobs[digest] = raw
        return 201, {}, {}

    def respond(self, path: str, body: dict):
        if path == "/api/create":
            with self._lock:
                self.requests.append({"path": path, "json": body})
                problem = _create_problem(body, self.blobs, self.models)
                if problem:
                    return 400, {}, {"error": problem}
                self.models[body["model"]] = body
            return 200, {}, {"status": "success"}
        if path == "/api/chat" and body.get("model") not in self.models:
            with self._lock:
                self.requests.append({"path": path, "json": body})
            return 404, {}, {"error": f"model '{body.get('model')}' not found"}
        return super().respond(path, body)


def _create_problem(body: dict, blobs: dict, models: dict) -> str:
    if not body.get("model"):
        return "missing model name"
    if body.get("from") not in models:
        return f"base model {body.get('from')!r} not found"
    adapters = body.get("adapters") or {}
    if not adapters:
        return "no adapters"
    missing = [name for name, digest in adapters.items() if digest not in blobs]
    if missing:
        return f"adapter blobs not uploaded: {', '.join(missing)}"
    if "adapter_config.json" in adapters:
        config = json.loads(blobs[adapters["adapter_config.json"]])
        if config.get("peft_type") != "LORA":
            return "adapter_config.json is not a LoRA adapter"
    if not any(name.endswith((".safetensors", ".gguf")) for name in adapters):
        return "no safetensors or GGUF adapter weights"
    return ""


def answer(
    text: str, *, prompt_eval_count: int = 80, eval_count: int | None = None, logprob: float | None = None
) -> Responder:
    """A final answer; with `logprob`, a `logprobs` list (one entry per word) as Ollama 0.12+ returns when asked."""
    tokens = text.split(" ")
    extra = {}
    if logprob is not None:
        extra["logprobs"] = [{"token": token, "logprob": logprob, "top_logprobs": []} for token in tokens]
    return _chat({"role": "assistant", "content": text}, prompt_eval_count,
                 len(tokens) if eval_count is None else eval_count, extra)


def tool_calls(*calls: tuple[str, dict], prompt_eval_count: int = 60, eval_count: int = 15) -> Responder:
    message = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": name, "arguments": arguments}} for name, arguments in calls],
    }
    return _chat(message, prompt_eval_count, eval_count, {})


def error(status: int, message: str = "model runner has unexpectedly stopped") -> Responder:
    return lambda request: (status, {}, {"error": message})


def _chat(message, prompt_eval_count, eval_count, extra) -> Responder:
    def respond(request: dict):
        wants_logprobs = request.get("logprobs")
        return 200, {}, {
            "model": request.get("model", "unknown"),
            "created_at": datetime.now(UTC).isoformat(),
            "message": message,
            "done": True,
            "done_reason": "stop",
            "total_duration": 1_000_000,
            "prompt_eval_count": prompt_eval_count,
            "eval_count": eval_count,
            **(extra if wants_logprobs else {}),
        }

    return respond
