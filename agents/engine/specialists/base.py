"""What a specialist is given (`AgentContext`) and what it gives back (`AgentOutcome`). Specialists only read: the
changes they decide on are `decisions` that the pipeline's commit step carries out (see `agents.engine.decisions`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..decisions import Decision


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
    # The sender is proven (SMS/voice, an email whose SPF/DKIM verdict passed, or a code typed back in this
    # conversation): only then may a booking be shown, changed or cancelled.
    sender_verified: bool = False
    verification: Any = None                           # conversations.services.CodeCheck of a code typed this turn

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
    # Changes to make (book, cancel, record the upsell offered...), carried out with the reply by the commit step; a
    # decision whose reply needs its result (a booking number) replaces the answer with that reply.
    decisions: list[Decision] = field(default_factory=list)
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
        """Decide the answer (a draft per tone, facts from tools, the changes to make) or an escalation. Reads only:
        the dialogue state (`ctx.state`) is updated in memory and saved by the pipeline with the reply."""
