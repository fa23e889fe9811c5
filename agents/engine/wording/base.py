"""One situation of the assistant's replies whose wording staff may edit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Situation:
    agent: str
    key: str
    label: str
    default: str
    placeholders: dict[str, str] = field(default_factory=dict)   # name -> what it holds
    required: frozenset[str] = frozenset()
    # Words the text itself must keep (the carriers' opt-out instructions: "STOP", "START").
    required_words: tuple[str, ...] = ()

    @property
    def choice(self) -> str:
        return f"{self.agent}.{self.key}"
