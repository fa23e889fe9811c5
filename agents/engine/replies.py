"""Rendering of the reply wording: staff's template for (agent, situation, tone) when an active one exists, else
their "default"-tone one, else the code's default text (`agents.engine.wording`).

The templates are read from an in-process snapshot (hibachi.versioned_cache): a reply costs no SQL for them, and a save
in the admin reaches every process at its next reply. A template that cannot render (a placeholder a later release
no longer gives) is logged and the default text is used: a customer never gets an error for a wording.
"""

from __future__ import annotations

import logging

from django.conf import settings

from agents.models import ReplyTemplate
from hibachi.versioned_cache import VersionedCache

from .dialogue import QUESTIONS
from .tone import OPENERS, by_tone
from .wording import SITUATIONS, template_render

logger = logging.getLogger(__name__)


def _load() -> dict[tuple[str, str, str], str]:
    return {(agent, situation, tone): text for agent, situation, tone, text in
            ReplyTemplate.objects.filter(active=True).values_list("agent", "situation", "tone", "text")}


templates_snapshot = VersionedCache("agents:reply-templates", _load,
                                    recheck_seconds=lambda: settings.SETTINGS_SNAPSHOT_RECHECK_SECONDS)


def reply_text(agent: str, situation: str, *, tone: str | None, **values) -> str:
    """The wording of one situation in one tone, its placeholders filled from `values`."""
    declared = SITUATIONS.get((agent, situation))
    if declared is None:
        raise KeyError(f"No reply situation {agent}.{situation} is declared in agents.engine.wording.")
    templates = templates_snapshot.get()
    text = templates.get((agent, situation, tone or "default")) or templates.get((agent, situation, "default"))
    if text is not None:
        try:
            return template_render(text, values)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            logger.error("Reply template %s.%s (%s) does not render (%r); using the default text",
                         agent, situation, tone, exc)
    return template_render(declared.default, values)


def reply_drafts(agent: str, situation: str, *, question: str | dict = "", opener: bool = True,
                 **values) -> dict[str, str]:
    """A whole draft {tone: text} from one situation, each tone in its own template (see `tone.by_tone`). A value
    that is a function of the tone (a sentence that is itself a template) is rendered for each tone."""
    drafts = {}
    for tone in ("default", *OPENERS):
        asked = question.get(tone, question["default"]) if isinstance(question, dict) else question
        toned = {name: value(tone) if callable(value) else value for name, value in values.items()}
        drafts[tone] = by_tone(reply_text(agent, situation, tone=tone, **toned), question=asked,
                               opener=opener)[tone]
    return drafts


def question_text(detail: str, *, tone: str | None) -> str:
    """The question asking for a booking detail (dialogue.QUESTIONS' keys, or "confirmation")."""
    if ("sales", f"ask_{detail}") in SITUATIONS:
        return reply_text("sales", f"ask_{detail}", tone=tone)
    return QUESTIONS[detail]


def question_drafts(detail: str) -> dict[str, str]:
    """The question asking for a booking detail, per tone."""
    return {tone: question_text(detail, tone=tone) for tone in ("default", *OPENERS)}
