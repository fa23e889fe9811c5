"""A fake OpenAI chat-completions API: answers, tool calls, logprobs, usage, and errors as OpenAI sends them."""

import json
import time

from .server import Responder, ScriptedServer


class FakeOpenAI(ScriptedServer):
    """Point the official client at `base_url`; script `answer(...)`, `tool_calls(...)`, `error(...)`."""

    def __init__(self):
        super().__init__(paths={"/v1/chat/completions"}, error=error)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


def answer(
    text: str, *, logprob: float | None = -0.05, prompt_tokens: int = 120, completion_tokens: int | None = None
) -> Responder:
    """A final assistant message. With `logprob`, each word is a token of that log-probability (when asked for)."""
    tokens = text.split(" ")
    token_logprobs = None if logprob is None else [
        {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": []} for token in tokens
    ]
    return _completion(
        {"role": "assistant", "content": text, "refusal": None}, "stop", token_logprobs,
        prompt_tokens, len(tokens) if completion_tokens is None else completion_tokens,
    )


def tool_calls(*calls: tuple[str, str | dict], prompt_tokens: int = 100, completion_tokens: int = 20) -> Responder:
    """An assistant turn asking for tools: (name, arguments) pairs; a str is sent verbatim (e.g. broken JSON)."""
    message = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": [
            {
                "id": f"call_{index}",
                "type": "function",
                "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
            for index, (name, args) in enumerate(calls)
        ],
    }
    return _completion(message, "tool_calls", None, prompt_tokens, completion_tokens)


def error(status: int, message: str = "The server had an error.", *, headers: dict | None = None) -> Responder:
    kind = {429: "rate_limit_exceeded", 401: "invalid_request_error"}.get(status, "server_error")
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return lambda request: (status, headers or {}, body)


def _completion(message, finish_reason, token_logprobs, prompt_tokens, completion_tokens) -> Responder:
    def respond(request: dict):
        logprobs = {"content": token_logprobs, "refusal": None} if request.get("logprobs") and token_logprobs else None
        return 200, {}, {
            "id": f"chatcmpl-fake-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "unknown"),
            "choices": [{"index": 0, "message": message, "logprobs": logprobs, "finish_reason": finish_reason}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    return respond
