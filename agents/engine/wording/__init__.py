"""The assistant's reply wording that staff may edit (admin: Reply templates): every situation, its default text
(today's wording) and its placeholders, some of them required. The situations are declared per agent in this
package's modules (`sales`; `care`: care and the identity codes; `service`: knowledge, operations, the satisfaction
survey, the consent keywords' confirmations and the handoff notes). Every sentence the assistant says to a customer is
one of them, except the tone openers and closers (`agents.engine.tone`).

A template is plain text with `{placeholder}`s (`{{` and `}}` for literal braces). It is checked on save
(`template_errors`): a placeholder the situation does not declare, a required one left out (a quote without
`{total}`), a format spec or attribute (`{total:>9}`, `{total.real}`) or a stray brace is refused with a message
that names it; so is one that drops a word carriers require ("STOP", "START" in the consent confirmations).
Rendering is `agents.engine.replies`.
"""

from __future__ import annotations

import string

from ..dialogue import QUESTIONS
from .base import Situation
from .care import CARE_SITUATIONS
from .sales import SALES_SITUATIONS
from .service import SERVICE_SITUATIONS

AGENTS = (("sales", "Sales"), ("care", "Customer care"), ("knowledge", "Knowledge"), ("operations", "Operations"),
          ("verification", "Identity codes (any agent)"), ("surveys", "Satisfaction survey"),
          ("consent", "Consent keywords (STOP, START, HELP)"),
          ("handoff", "Handoff to staff (any agent)"))
# "default" is used for every tone that has no template of its own; the others are the NLU's tones (tone.OPENERS).
TONES = (("default", "Default (any tone)"), ("formal", "Formal"), ("casual", "Casual"), ("anxious", "Anxious"),
         ("warm", "Warm"), ("direct", "Direct"))

SITUATIONS_LIST: list[Situation] = [*SALES_SITUATIONS, *CARE_SITUATIONS, *SERVICE_SITUATIONS]
SITUATIONS = {(s.agent, s.key): s for s in SITUATIONS_LIST}
SITUATION_CHOICES = [(s.key, f"{s.agent}: {s.label}") for s in SITUATIONS_LIST]
# Bookings details whose question is a template (ask_<detail>), besides the confirmation.
ASKED_DETAILS = tuple(QUESTIONS)

_FORMATTER = string.Formatter()


def situation_get(*, agent: str, key: str) -> Situation | None:
    return SITUATIONS.get((agent, key))


def template_errors(*, situation: Situation, text: str) -> list[str]:
    """What is wrong with a template for this situation, each message naming the placeholder; [] when it is fine."""
    allowed = ", ".join(f"{{{name}}}" for name in situation.placeholders) or "none"
    if not text.strip():
        return ["The text is empty."]
    try:
        fields = list(_FORMATTER.parse(text))
    except ValueError as exc:   # "Single '}' encountered in format string", "unmatched '{' in format spec"...
        return [f"Malformed braces: {exc}. Write {{{{ and }}}} for a literal brace."]
    errors, used = [], set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if not name.isidentifier():
            errors.append(f"{shown} is not a placeholder: write a name between braces (allowed: {allowed}).")
        elif name not in situation.placeholders:
            errors.append(f"Unknown placeholder {{{name}}}: this situation knows {allowed}.")
        elif spec or conversion:
            errors.append(f"{shown}: write the placeholder alone, as {{{name}}}, without a format or conversion.")
        used.add(name)
    for name in sorted(situation.required - used):
        errors.append(f"The placeholder {{{name}}} is required here ({situation.placeholders[name]}) and was "
                      f"left out.")
    for word in situation.required_words:
        if word not in text:
            errors.append(f"The text must keep the word {word} (phone carriers require the instruction).")
    return errors


def template_render(text: str, values: dict) -> str:
    """A checked template with its values ({{ and }} become braces)."""
    return text.format_map(values)
