"""The template provider: renders the agent's own draft. No network, no cost; the default and the usual student.

(Called "local" until this release; `agents.providers.local` and the alias "local" still work, with a warning.)
"""

from .base import (
    ROUTE_STUDENT,
    GenerationRequest,
    GenerationResult,
    ModelProvider,
    ProviderError,
    Reply,
    heuristic_confidence,
)
from .calls import model_call


class TemplateProvider(ModelProvider):
    """text = draft[tone] or draft["default"]; confidence = intent_confidence * (0.5 + 0.5 * completeness)."""

    model = "templates-v1"
    reads_facts = False
    renders_drafts = True

    def __init__(self, *, alias: str = "templates"):
        self.alias = alias

    def generate(self, request: GenerationRequest, *, route: str | None = None) -> GenerationResult:
        return model_call(alias=self.alias, model=self.model, route=route or ROUTE_STUDENT,
                          reply=lambda: self.reply(request), guarded=False)

    def reply(self, request: GenerationRequest) -> Reply:
        return Reply(text=draft_text(request), confidence=heuristic_confidence(request))


def draft_text(request: GenerationRequest) -> str:
    """The agent's draft in the message's tone, else its "default" text (ProviderError when it has neither)."""
    tone = request.nlu.get("tone") or ""
    text = (request.draft.get(tone) or request.draft.get("default") or "").strip()
    if not text:
        raise ProviderError(f"The {request.agent} agent's draft has no {tone!r} or 'default' text.")
    return text
