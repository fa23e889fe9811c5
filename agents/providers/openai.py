"""OpenAI chat completions through the official client, with the agent's tools exposed as functions.

The client retries connection errors, 408/409/429 and 5xx up to `max_retries` times with exponential backoff
(0.5 s doubling, capped at 8 s, minus up to 25 % random jitter; a Retry-After header up to 2 minutes wins), and
gives each HTTP attempt `timeout` seconds, so a call takes at most about timeout * (max_retries + 1) plus backoff.
"""

import openai
from django.core.exceptions import ImproperlyConfigured

from learning.selectors import openai_finetuned_model_for

from .base import ROUTE_TEACHER, GenerationRequest, GenerationResult, ModelProvider, ProviderError
from .calls import model_call, model_price
from .chat import BoundChat, ChatTurn, ToolCall, tool_loop

MAX_TIMEOUT = 30
MAX_RETRIES = 5


class OpenAIProvider(ModelProvider):
    """Confidence = exp(mean log-probability of the final answer's tokens); without logprobs (not returned, or
    turned off with OPTIONS["logprobs"] = False), `heuristic_confidence`. The tool rounds are `chat.tool_loop`'s."""

    def __init__(
        self, *, alias: str = "openai", model: str = "gpt-4o-mini", api_key: str | None = None,
        base_url: str | None = None, timeout: float = 30, max_retries: int = 2, logprobs: bool = True,
    ):
        if not api_key:
            raise ImproperlyConfigured(
                f"AI_PROVIDERS[{alias!r}] needs OPTIONS['api_key']: set the OPENAI_API_KEY environment variable, "
                "or choose another provider with AI_PROVIDER (e.g. 'templates')."
            )
        if not 0 < float(timeout) <= MAX_TIMEOUT:
            raise ImproperlyConfigured(
                f"AI_PROVIDERS[{alias!r}]['OPTIONS']['timeout'] must be in (0, {MAX_TIMEOUT}] seconds."
            )
        if not 0 <= int(max_retries) <= MAX_RETRIES:
            raise ImproperlyConfigured(f"AI_PROVIDERS[{alias!r}]['OPTIONS']['max_retries'] must be 0..{MAX_RETRIES}.")
        model_price(model)
        self.alias = alias
        self.model = model
        self.timeout = float(timeout)
        self.logprobs = bool(logprobs)  # off for models that refuse logprobs (the o-series reasoning models)
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=self.timeout, max_retries=int(max_retries)
        )

    def serving_model(self, route: str) -> str:
        """The fine-tuned model staff made current for this role (admin: Model versions -> Make current as teacher /
        student), else OPTIONS["model"]. Read on every call, so promotion and rollback take effect at once."""
        return openai_finetuned_model_for(route) or self.model

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        route = route or ROUTE_TEACHER
        model = self.serving_model(route)
        return model_call(alias=self.alias, model=model, route=route,
                          reply=lambda: tool_loop(request, BoundChat(self, model)))

    def send(self, messages: list[dict], *, tools: list[dict], last_round: bool, model: str | None = None) -> ChatTurn:
        """One chat completion (see `chat.ChatAPI`); on the last round the tools are offered with tool_choice "none"."""
        options = {"model": model or self.model, "messages": messages}
        if self.logprobs:
            options["logprobs"] = True
        if tools:
            options["tools"] = tools
            if last_round:
                options["tool_choice"] = "none"
        try:
            completion = self.client.chat.completions.create(**options)
        except openai.APITimeoutError:
            raise ProviderError(f"timed out after {self.timeout:g} s") from None
        except openai.APIStatusError as exc:
            detail = exc.body.get("message") if isinstance(exc.body, dict) else None
            raise ProviderError(f"HTTP {exc.status_code}: {detail or exc.message}") from exc
        except openai.APIError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        usage = completion.usage
        prompt_tokens, completion_tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        if not completion.choices:
            raise ProviderError("the response has no choices", prompt_tokens=prompt_tokens,
                                completion_tokens=completion_tokens)
        choice = completion.choices[0]
        calls = [call for call in choice.message.tool_calls or [] if call.type == "function"]
        return ChatTurn(
            text=choice.message.content or "",
            tool_calls=[ToolCall(name=call.function.name, arguments=call.function.arguments, id=call.id)
                        for call in calls],
            message=_assistant_turn(choice.message.content, calls),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            logprobs=[token.logprob for token in (choice.logprobs.content or [])] if choice.logprobs else [],
            refusal=choice.message.refusal or "",
        )

    def tool_message(self, call: ToolCall, content: str) -> dict:
        return {"role": "tool", "tool_call_id": call.id, "content": content}


def _assistant_turn(content: str | None, calls) -> dict:
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in calls
        ],
    }
