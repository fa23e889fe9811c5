"""Labelled examples (JSON lines: text, intent, tone, sentiment and, optionally, acts) shipped in nlu/data/."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .labels import ACTS, LABELS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "train.jsonl"
HELDOUT_PATH = DATA_DIR / "heldout.jsonl"  # evaluation only: training never reads it
# Evaluation only, written apart from the training data (other channels' styles): nothing is ever tuned on it.
HELDOUT_OUTSIDE_PATH = DATA_DIR / "heldout_outside.jsonl"
# Evaluation only, blind: written in session 7 by an annotator who saw only the labelling guide
# (docs/labelling-guide.md) and the handbook, never the training data; scored once, with the final model, never tuned
# on. Its annotator read some tones differently from the project's files, which led to their consensus relabelling
# in session 8 (below).
HELDOUT_FRESH_PATH = DATA_DIR / "heldout_fresh.jsonl"
# Development set: the customer turns of the conversation corpus (agents/eval/corpus/) labelled by hand, plus messages
# in styles train.jsonl lacked (e-mails with signatures and quoted replies, SMS shorthand, Spanglish, voice run-ons).
# Training never reads it; errors are studied on it (and by cross-validation on train.jsonl) instead of on a held-out
# file, so that the held-out files stay unseen.
DEV_PATH = DATA_DIR / "dev.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    tone: str | None   # None: not labelled; the tone head skips it
    sentiment: str
    acts: tuple[str, ...] | None = None  # None: not labelled (staff corrections); the acts head skips the example

    def label(self, head: str) -> str:
        return getattr(self, head)


# Heads whose label may be null in a data file (the head then learns and scores without that row). No shipped row has a
# null tone since session 8; a file of older exports may.
UNLABELLED_ALLOWED = ("tone",)


def examples_load(path: Path) -> list[Example]:
    """Every example in a JSONL file; a line with a missing field or an unknown label is an error naming the line."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                acts = row.get("acts")
                example = Example(text=row["text"].strip(), intent=row["intent"], tone=row["tone"],
                                  sentiment=row["sentiment"], acts=None if acts is None else tuple(acts))
            except (ValueError, KeyError, AttributeError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not an example ({exc}).") from None
            for head, labels in LABELS.items():
                if head in UNLABELLED_ALLOWED and example.label(head) is None:
                    continue
                if example.label(head) not in labels:
                    raise ValueError(f"{path}:{number}: {head} {example.label(head)!r} is not one of {labels}.")
            unknown = set(example.acts or ()) - set(ACTS)
            if unknown:
                raise ValueError(f"{path}:{number}: acts {sorted(unknown)} are not among {ACTS}.")
            if not example.text:
                raise ValueError(f"{path}:{number}: empty text.")
            examples.append(example)
    return examples


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# The intent and tone of the project's own rows (train, dev, heldout, heldout_outside), then of train.jsonl's
# other annotators' rows (the row's annotator in the project's place), were relabelled in session 8 by
# two more annotators each, who saw only the text, the labelling guide and the handbook; their votes are in
# provenance/consensus_votes.jsonl ({"file", "line", "a": [intent, tone], "b": [intent, tone]}), each changed row's
# replaced labels under "before_consensus". heldout_fresh.jsonl, written and labelled by a guide reader, was left as
# it was.
CONSENSUS_VOTES_PATH = DATA_DIR / "provenance" / "consensus_votes.jsonl"
# Session 9: the blind file's intent and tone read by two more annotators each (same method, same record format). Its
# own labels stay as written (the blind measure); `examples_by_consensus` gives the consensus reading beside it.
HELDOUT_FRESH_VOTES_PATH = DATA_DIR / "provenance" / "heldout_fresh_votes.jsonl"


def label_consensus(*, project: str, first: str, second: str) -> str:
    """The label a row keeps: the two annotators' when they agree, else the row's own (`project`: the project's, or
    for another annotator's row that annotator's; it then agrees with one of them, or nobody agrees and it stands)."""
    return first if first == second else project


def examples_by_consensus(path: Path, votes_path: Path) -> list[Example]:
    """`path`'s examples with each voted row's intent and tone replaced by `label_consensus` of its votes (a file's
    consensus reading, for a file whose own labels are kept)."""
    examples = examples_load(path)
    for line in Path(votes_path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        vote = json.loads(line)
        if vote["file"] != Path(path).name:
            continue
        example = examples[vote["line"] - 1]
        intent, tone = (label_consensus(project=getattr(example, head), first=vote["a"][position],
                                        second=vote["b"][position]) for position, head in enumerate(("intent", "tone")))
        examples[vote["line"] - 1] = dataclasses.replace(example, intent=intent, tone=tone)
    return examples
