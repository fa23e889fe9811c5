"""A self-hosted model through Ollama's /api/chat (official client), with the agent's tools. Costs nothing per token.

The Ollama client does not retry: the server is ours and local, so a failure goes straight to the caller (the
hybrid provider then asks the teacher). Each HTTP request gets `timeout` seconds.
"""

import httpx
import ollama
from django.core.exceptions import ImproperlyConfigured

from learning.selectors import lora_ollama_model

from .base import ROUTE_STUDENT, GenerationRequest, GenerationResult, ModelProvider, ProviderError
from .calls import model_call
from .chat import BoundChat, ChatTurn, ToolCall, tool_loop


class OllamaProvider(ModelProvider):
    """Confidence = exp(mean log-probability of the answer's tokens) when the server returns logprobs (Ollama 0.12+);
    otherwise `heuristic_confidence` (NLU confidence scaled by completeness). The tool rounds are `chat.tool_loop`'s."""

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

    def serving_model(self) -> str:
        """The Ollama model registered from the promoted LoRA adapter (base + ADAPTER), else OPTIONS["model"]. Read
        on every call, so promotion and rollback take effect at once in every process."""
        return lora_ollama_model() or self.model

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        model = self.serving_model()
        return model_call(alias=self.alias, model=model, route=route or ROUTE_STUDENT,
                          reply=lambda: tool_loop(request, BoundChat(self, model)))

    def send(self, messages: list[dict], *, tools: list[dict], last_round: bool, model: str | None = None) -> ChatTurn:
        """One /api/chat request (see `chat.ChatAPI`); the last round offers no tools."""
        try:
            response = self.client.chat(model=model or self.model, messages=messages,
                                        tools=None if last_round else tools, logprobs=True)
        except ollama.ResponseError as exc:
            raise ProviderError(f"HTTP {exc.status_code}: {exc.error}") from exc
        except httpx.TimeoutException:
            raise ProviderError(f"timed out after {self.timeout:g} s") from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        calls = list(response.message.tool_calls or [])
        return ChatTurn(
            text=response.message.content or "",
            tool_calls=[ToolCall(name=call.function.name, arguments=call.function.arguments) for call in calls],
            message={
                "role": "assistant",
                "content": response.message.content or "",
                "tool_calls": [
                    {"function": {"name": call.function.name, "arguments": dict(call.function.arguments)}}
                    for call in calls
                ],
            },
            prompt_tokens=response.prompt_eval_count or 0,
            completion_tokens=response.eval_count or 0,
            logprobs=[token.logprob for token in response.logprobs or []],
        )

    def tool_message(self, call: ToolCall, content: str) -> dict:
        return {"role": "tool", "content": content, "tool_name": call.name}
