"""OpenAI chat completions through the official client, with the agent's tools exposed as functions.

The client retries connection errors, 408/409/429 and 5xx up to `max_retries` times with exponential backoff
(0.5 s doubling, capped at 8 s, minus up to 25 % random jitter; a Retry-After header up to 2 minutes wins), and
gives each HTTP attempt `timeout` seconds, so a call takes at most about timeout * (max_retries + 1) plus backoff.
"""

import openai
from django.core.exceptions import ImproperlyConfigured

from .base import (
    ROUTE_TEACHER,
    GenerationRequest,
    GenerationResult,
    ModelProvider,
    ProviderError,
    Reply,
    heuristic_confidence,
    logprob_confidence,
)
from .calls import model_call, model_price
from .chat import MAX_TOOL_ROUNDS, chat_messages, compact_json, tool_run

MAX_TIMEOUT = 30
MAX_RETRIES = 5


class OpenAIProvider(ModelProvider):
    """Confidence = exp(mean log-probability of the final answer's tokens); without logprobs (not returned, or
    turned off with OPTIONS["logprobs"] = False), `heuristic_confidence`."""

    def __init__(
        self, *, alias: str = "openai", model: str = "gpt-4o-mini", api_key: str | None = None,
        base_url: str | None = None, timeout: float = 30, max_retries: int = 2, logprobs: bool = True,
    ):
        if not api_key:
            raise ImproperlyConfigured(
                f"AI_PROVIDERS[{alias!r}] needs OPTIONS['api_key']: set the OPENAI_API_KEY environment variable, "
                "or choose another provider with AI_PROVIDER (e.g. 'local')."
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

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        return model_call(
            alias=self.alias, model=self.model, request=request, route=route or ROUTE_TEACHER,
            reply=lambda: self.reply(request),
        )

    def reply(self, request: GenerationRequest) -> Reply:
        messages = chat_messages(request)
        functions = [tool.function_spec() for tool in request.tools]
        prompt_tokens = completion_tokens = 0
        for tool_round in range(MAX_TOOL_ROUNDS + 1):
            options = {"model": self.model, "messages": messages}
            if self.logprobs:
                options["logprobs"] = True
            if functions:
                options["tools"] = functions
                if tool_round == MAX_TOOL_ROUNDS:
                    options["tool_choice"] = "none"
            try:
                completion = self.client.chat.completions.create(**options)
            except openai.APITimeoutError:
                raise ProviderError(
                    f"timed out after {self.timeout:g} s", prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                ) from None
            except openai.APIStatusError as exc:
                detail = exc.body.get("message") if isinstance(exc.body, dict) else None
                raise ProviderError(
                    f"HTTP {exc.status_code}: {detail or exc.message}", prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                ) from exc
            except openai.APIError as exc:
                raise ProviderError(
                    f"{type(exc).__name__}: {exc}", prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
                ) from exc
            if completion.usage is not None:
                prompt_tokens += completion.usage.prompt_tokens
                completion_tokens += completion.usage.completion_tokens
            if not completion.choices:
                raise ProviderError("the response has no choices", prompt_tokens=prompt_tokens,
                                    completion_tokens=completion_tokens)
            choice = completion.choices[0]
            calls = [call for call in choice.message.tool_calls or [] if call.type == "function"]
            if calls and tool_round < MAX_TOOL_ROUNDS:
                messages.append(_assistant_turn(choice.message.content, calls))
                for call in calls:
                    result = tool_run(request.tools, call.function.name, call.function.arguments)
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": compact_json(result)})
                continue
            text = (choice.message.content or "").strip()
            if not text:
                reason = (
                    f"still calling tools after {MAX_TOOL_ROUNDS} rounds" if calls
                    else f"refused: {choice.message.refusal}" if choice.message.refusal
                    else "empty answer"
                )
                raise ProviderError(reason, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
            logprobs = [token.logprob for token in (choice.logprobs.content or [])] if choice.logprobs else []
            confidence = logprob_confidence(logprobs)
            return Reply(
                text=text,
                confidence=heuristic_confidence(request) if confidence is None else confidence,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                tool_rounds=tool_round,
            )
        raise AssertionError("unreachable: the last round forbids tool calls")


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
