from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class AgentContext:
    customer: Any
    conversation: Any
    message: Any            # the inbound conversations.Message
    nlu: dict
    state: dict             # the conversation's dialogue state (mutated in place, saved by the pipeline)
    history: list[dict]
    now: datetime
    changed: list[str] = field(default_factory=list)   # booking slots this message changed
    overrides: dict = field(default_factory=dict)      # engine settings from the customer's A/B variants

    @property
    def tone(self) -> str:
        return self.nlu.get("tone") or "direct"


@dataclass
class AgentOutcome:
    draft: dict
    completeness: float = 1.0
    facts: dict = field(default_factory=dict)
    escalate: tuple[str, str] | None = None     # (reason, priority)
    quote: dict | None = None
    booking: Any = None
    citations: list[dict] = field(default_factory=list)
    # How sure the agent is that it understood the message, when it knows better than the intent classifier: e.g. a
    # reply to the agent's own question that filled the booking slot it asked for. None: use the NLU confidence.
    understanding: float | None = None


class Specialist(ABC):
    name = ""
    instructions = ""
    tool_names: tuple[str, ...] = ()

    @abstractmethod
    def handle(self, ctx: AgentContext) -> AgentOutcome:
        """Decide the answer (a draft per tone, facts from tools) or an escalation."""
