"""A fake Ollama server: /api/chat answers (with eval counts, optional logprobs), tool calls and errors."""

from datetime import UTC, datetime

from .server import Responder, ScriptedServer


class FakeOllama(ScriptedServer):
    """Point `ollama.Client(host=...)` at `url`; script `answer(...)`, `tool_calls(...)`, `error(...)`."""

    def __init__(self):
        super().__init__(paths={"/api/chat"}, error=error)


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
