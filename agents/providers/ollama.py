"""A self-hosted model through Ollama's /api/chat (official client), with the agent's tools. Costs nothing per token.

The Ollama client does not retry: the server is ours and local, so a failure goes straight to the caller (the
hybrid provider then asks the teacher). Each HTTP request gets `timeout` seconds.
"""

import httpx
import ollama
from django.core.exceptions import ImproperlyConfigured

from .base import (
    ROUTE_STUDENT,
    GenerationRequest,
    GenerationResult,
    ModelProvider,
    ProviderError,
    Reply,
    heuristic_confidence,
    logprob_confidence,
)
from .calls import model_call
from .chat import MAX_TOOL_ROUNDS, chat_messages, compact_json, tool_run


class OllamaProvider(ModelProvider):
    """Confidence = exp(mean log-probability of the answer's tokens) when the server returns logprobs (Ollama 0.12+);
    otherwise `heuristic_confidence` (NLU confidence scaled by completeness)."""

    def __init__(
        self, *, alias: str = "ollama", host: str = "http://127.0.0.1:11434", model: str = "llama3:8b",
        timeout: float = 30,
    ):
        if not host or not model:
            raise ImproperlyConfigured(
                f"AI_PROVIDERS[{alias!r}] needs OPTIONS['host'] and OPTIONS['model']: set OLLAMA_HOST and OLLAMA_MODEL."
            )
        if not float(timeout) > 0:
            raise ImproperlyConfigured(f"AI_PROVIDERS[{alias!r}]['OPTIONS']['timeout'] must be a positive number.")
        self.alias = alias
        self.model = model
        self.timeout = float(timeout)
        self.client = ollama.Client(host=host, timeout=self.timeout)

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        return model_call(
            alias=self.alias, model=self.model, request=request, route=route or ROUTE_STUDENT,
            reply=lambda: self.reply(request),
        )

    def reply(self, request: GenerationRequest) -> Reply:
        messages = chat_messages(request)
        functions = [tool.function_spec() for tool in request.tools]
        prompt_tokens = completion_tokens = 0
        for tool_round in range(MAX_TOOL_ROUNDS + 1):
            offer_tools = functions if tool_round < MAX_TOOL_ROUNDS else None
            try:
                response = self.client.chat(model=self.model, messages=messages, tools=offer_tools, logprobs=True)
            except ollama.ResponseError as exc:
                raise ProviderError(
                    f"HTTP {exc.status_code}: {exc.error}", prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                ) from exc
            except httpx.TimeoutException:
                raise ProviderError(
                    f"timed out after {self.timeout:g} s", prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                ) from None
            except (ConnectionError, httpx.HTTPError) as exc:
                raise ProviderError(
                    f"{type(exc).__name__}: {exc}", prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
                ) from exc
            prompt_tokens += response.prompt_eval_count or 0
            completion_tokens += response.eval_count or 0
            calls = list(response.message.tool_calls or [])
            if calls and offer_tools:
                messages.append({
                    "role": "assistant",
                    "content": response.message.content or "",
                    "tool_calls": [
                        {"function": {"name": call.function.name, "arguments": dict(call.function.arguments)}}
                        for call in calls
                    ],
                })
                for call in calls:
                    result = tool_run(request.tools, call.function.name, call.function.arguments)
                    messages.append({"role": "tool", "content": compact_json(result), "tool_name": call.function.name})
                continue
            text = (response.message.content or "").strip()
            if not text:
                reason = f"still calling tools after {MAX_TOOL_ROUNDS} rounds" if calls else "empty answer"
                raise ProviderError(reason, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
            confidence = logprob_confidence([token.logprob for token in response.logprobs or []])
            return Reply(
                text=text,
                confidence=heuristic_confidence(request) if confidence is None else confidence,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                tool_rounds=tool_round,
            )
        raise AssertionError("unreachable: the last round offers no tools")
