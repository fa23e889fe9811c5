"""Labelled examples (JSON lines: text, intent, tone, sentiment) shipped with the code in nlu/data/."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .labels import LABELS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "train.jsonl"
HELDOUT_PATH = DATA_DIR / "heldout.jsonl"  # evaluation only: training never reads it


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    tone: str
    sentiment: str

    def label(self, head: str) -> str:
        return getattr(self, head)


def examples_load(path: Path) -> list[Example]:
    """Every example in a JSONL file; a line with a missing field or an unknown label is an error naming the line."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                example = Example(text=row["text"].strip(), intent=row["intent"], tone=row["tone"],
                                  sentiment=row["sentiment"])
            except (ValueError, KeyError, AttributeError) as exc:
                raise ValueError(f"{path}:{number}: not an example ({exc}).") from None
            for head, labels in LABELS.items():
                if example.label(head) not in labels:
                    raise ValueError(f"{path}:{number}: {head} {example.label(head)!r} is not one of {labels}.")
            if not example.text:
                raise ValueError(f"{path}:{number}: empty text.")
            examples.append(example)
    return examples


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
