"""The model-provider contract: what an agent asks for (`GenerationRequest`) and what it gets back (`GenerationResult`).

Providers are chosen by alias in `settings.AI_PROVIDERS` (see `agents.providers.get_provider`). A single-model provider
(templates, openai, ollama) turns a request into a `Reply` or raises `ProviderError`;
`agents.providers.calls.model_call` wraps that in the circuit breaker, timing and pricing, and describes the call as an
attempt. The hybrid provider is
composed of two other aliases and decides which answer is sent.

Providers write nothing: the `GenerationResult` carries every attempt (and the student/teacher pair of a cascade), and
the engine's commit step stores them (`agents.providers.recording.generation_record`) in the reply's transaction.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

ROUTE_STUDENT = "student"
ROUTE_TEACHER = "teacher"
ROUTE_HUMAN = "human"


@dataclass
class Tool:
    """A function the LLM may call: `func(**arguments)` with the arguments parsed from the model's JSON."""

    name: str
    description: str
    parameters: dict  # JSON schema of the keyword arguments
    func: Callable[..., dict]  # returns a JSON-able dict

    def function_spec(self) -> dict:
        """The tool as a chat-completions function (the shape both OpenAI and Ollama accept)."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass
class GenerationRequest:
    agent: str  # "sales" | "care" | "operations" | "knowledge"
    instructions: str  # the agent's system prompt
    history: list[dict]  # [{"role": "user"|"assistant", "content": str}], oldest first, without `message`
    message: str  # the customer's latest message
    nlu: dict  # {"intent", "intent_confidence", "tone", "sentiment", "entities"}
    facts: dict  # tool results the agent already computed (quote, availability, booking, knowledge snippets...)
    draft: dict  # the agent's templated answer: {"default": str, "<tone>": str, ...}
    completeness: float  # 0..1, how complete the information needed for this answer is
    tools: list[Tool] = field(default_factory=list)
    customer_id: int | None = None
    conversation_id: int | None = None
    inbound_message_id: int | None = None
    # (LOW, HIGH) for this request when an A/B experiment sets them; None: settings.CONFIDENCE_THRESHOLD_*
    thresholds: tuple[float, float] | None = None
    # Staff-approved answers to similar questions (agents.engine.exemplars), nearest first, their figures re-filled
    # with today's facts or masked: [{"exemplar", "similarity", "customer", "reply"}]. LLM providers show them as
    # example exchanges; the template provider's draft already is the nearest one when it matched.
    exemplars: list[dict] = field(default_factory=list)


@dataclass
class GenerationResult:
    text: str | None  # None only when route == "human"
    confidence: float  # 0..1
    route: str  # "student" | "teacher" | "human"
    provider: str  # alias of the provider whose answer is used
    model: str
    prompt_tokens: int  # this and the next three are summed over attempts
    completion_tokens: int
    cost_usd: Decimal
    latency_ms: int
    attempts: list[dict]  # one per model call, see `calls.model_call`; stored as `ModelCall` rows with the reply
    escalation_reason: str = ""  # why route == "human"
    # When both models of a cascade answered: {"student": GenerationResult, "teacher": GenerationResult, "sent": route},
    # stored with the reply as a learning.TutorPair (`recording.generation_record`).
    tutor_pair: dict | None = None


@dataclass
class Reply:
    """One model's answer, before any routing decision."""

    text: str
    confidence: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_rounds: int = 0


class ProviderError(Exception):
    """A model call that gave no answer (HTTP error, timeout, empty reply); carries the tokens already spent."""

    def __init__(self, message: str, *, prompt_tokens: int = 0, completion_tokens: int = 0):
        super().__init__(message)
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class ModelProvider(ABC):
    """Answers a customer message for an agent. Never raises for a model failure: that becomes route "human"."""

    alias: str = ""
    # Whether the model reads `request.facts` (an LLM does; the template provider only renders the agent's draft), so
    # the pipeline skips gathering facts nobody reads.
    reads_facts: bool = True
    # Whether its answer is the agent's own draft rendered for the customer's tone (the template provider): such a
    # reply's model version names the NLU version the draft rests on.
    renders_drafts: bool = False

    @abstractmethod
    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        """Answer `request`; every model call is an attempt on the result, for the caller to record (a provider writes
        nothing). `route` names the role played when composed (hybrid)."""


def heuristic_confidence(request: GenerationRequest) -> float:
    """intent_confidence * (0.5 + 0.5 * completeness), clamped to 0..1.

    ``intent_confidence`` is the larger of the classifier's confidence and the agent's own ``understanding`` (set when
    the message answered the agent's question, e.g. it filled the booking slot the assistant asked for).

    Used by the template provider, and by LLM providers when the response carries no token log-probabilities:
    an answer is as trustworthy as our reading of the question, halved when none of the needed facts are known.
    """
    intent_confidence = max(_unit(request.nlu.get("intent_confidence")), _unit(request.nlu.get("understanding")))
    completeness = _unit(request.completeness)
    return intent_confidence * (0.5 + 0.5 * completeness)


def logprob_confidence(logprobs: list[float]) -> float | None:
    """exp(mean token log-probability) of an answer: the geometric-mean token probability; None without tokens."""
    values = [value for value in logprobs if value is not None and math.isfinite(value)]
    if not values:
        return None
    return _unit(math.exp(sum(values) / len(values)))


def _unit(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(number):
        return 0.0
    return min(1.0, max(0.0, number))
