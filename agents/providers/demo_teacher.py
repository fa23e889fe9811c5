"""The demo's stand-in for the OpenAI teacher: `seed_demo --history` plays months of customers through the real
pipeline, and the reports must show what the paid teacher would have cost, without a network call or an API key.

It answers with the agent's own draft (as the template provider does) and describes the call as the configured OpenAI
model's: the prompt tokens are those of the chat an OpenAI provider would send for this request (`chat.chat_messages`,
system prompt with the facts, staff examples, history and message; about four characters a token, OpenAI's rule of
thumb), the completion tokens those of the answer. `calls.model_call` prices them from AI_MODEL_PRICES and the engine
records the call like any other (`ModelCall`, tutor pair). Its rows name this alias as the provider, so a demo's spend
is never mistaken for a real OpenAI bill. Only `messaging.demo` installs it (in the settings of its own run); it is
not in AI_PROVIDERS.
"""

from __future__ import annotations

from .base import ROUTE_TEACHER, GenerationRequest, GenerationResult, ModelProvider, Reply
from .calls import model_call, model_price
from .chat import chat_messages
from .templates import draft_text

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4   # the chat format's own overhead per message
TEACHER_CONFIDENCE = 0.9  # what the teacher's log-probabilities typically give a templated answer


def estimated_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


class DemoTeacherProvider(ModelProvider):
    reads_facts = True     # the prompt it prices carries the facts, as an LLM's would
    renders_drafts = True  # its text is the agent's draft: the pipeline treats it as a rendered draft

    def __init__(self, *, alias: str = "demo-teacher", model: str = "gpt-4o-mini"):
        model_price(model)   # ImproperlyConfigured when the model has no price: the demo's spend would be $0
        self.alias, self.model = alias, model

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        return model_call(alias=self.alias, model=self.model, route=route or ROUTE_TEACHER,
                          reply=lambda: self.reply(request), guarded=False)

    def reply(self, request: GenerationRequest) -> Reply:
        text = draft_text(request)
        messages = chat_messages(request)
        prompt = sum(estimated_tokens(str(m.get("content") or "")) + TOKENS_PER_MESSAGE for m in messages)
        prompt += sum(estimated_tokens(str(tool.function_spec())) for tool in request.tools)
        return Reply(text=text, confidence=TEACHER_CONFIDENCE, prompt_tokens=prompt,
                     completion_tokens=estimated_tokens(text))
