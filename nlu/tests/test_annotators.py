"""The training rows written by other annotators (train.jsonl rows with a "source"), and the blind held-out file
written by yet another one (heldout_fresh.jsonl)."""

import json

import pytest

from nlu.dataset import (
    DEV_PATH,
    HELDOUT_FRESH_PATH,
    HELDOUT_FRESH_VOTES_PATH,
    HELDOUT_OUTSIDE_PATH,
    HELDOUT_PATH,
    TRAIN_PATH,
    examples_by_consensus,
    examples_load,
)
from nlu.evaluation import heads_evaluate
from nlu.labels import ACTS, TONES
from nlu.model import model_fit
from nlu.retrain import normal

# Measured with the model shipped in session 8 (consensus labels, twelve annotators' rows): intent 0.936, tone 0.807,
# sentiment 0.904, acts 0.940. Floors, not targets.
FRESH_FLOORS = {"intent": 0.93, "tone": 0.78, "sentiment": 0.89, "acts_micro_f1": 0.93}
FRESH_TARGETS = {"intent": 0.96, "tone": 0.85}   # issue 12's bar


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def fresh_metrics(trained_nlu):
    return heads_evaluate(trained_nlu.model, examples_load(HELDOUT_FRESH_PATH))


def test_annotator_rows_are_labelled_in_full_with_their_own_tone():
    rows = [row for row in _rows(TRAIN_PATH) if row.get("source")]
    assert len(rows) >= 1500
    assert {row["source"].split("/")[0] for row in rows} == {"annotators-2026-11"}
    assert {row["source"].rsplit("/", 1)[1] for row in rows} == set("abcdefghijkl")   # six in session 7, six in 8
    assert all(row["tone"] in TONES and "tone_annotator" not in row for row in rows)
    assert all(row["acts"] is not None and set(row["acts"]) <= set(ACTS) for row in rows)


def test_every_training_row_has_a_tone():
    assert all(row["tone"] in TONES for row in _rows(TRAIN_PATH))


def test_the_fresh_file_shares_no_message_with_training_or_the_other_evaluation_files():
    fresh = {normal(example.text) for example in examples_load(HELDOUT_FRESH_PATH)}
    assert len(fresh) >= 240
    for path in (TRAIN_PATH, DEV_PATH, HELDOUT_PATH, HELDOUT_OUTSIDE_PATH):
        assert not fresh & {normal(example.text) for example in examples_load(path)}, path.name


def test_every_fresh_example_is_labelled_in_full():
    examples = examples_load(HELDOUT_FRESH_PATH)
    assert all(example.tone is not None and example.acts is not None for example in examples)


def test_a_null_intent_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "hi", "intent": "greeting", "tone": null, "sentiment": "neutral"}\n'
                    '{"text": "yo", "intent": null, "tone": "casual", "sentiment": "neutral"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: intent None is not one of"):
        examples_load(path)


def test_the_tone_head_learns_from_rows_with_a_tone_only(trained_nlu):
    """Rows whose tone is null (a file may leave it out) train the other heads and are left out of the tone head and
    of its scores."""
    import dataclasses

    import numpy as np

    examples = examples_load(TRAIN_PATH)
    with_tone, without = [], []
    for intent in sorted({e.intent for e in examples}):   # 25 of each intent with a tone, 10 more without
        of_intent = [e for e in examples if e.intent == intent and e.acts]
        with_tone += of_intent[:25]
        without += [dataclasses.replace(e, tone=None) for e in of_intent[25:35]]
    for act in ACTS:   # every act present
        with_tone += [e for e in examples if e.acts and act in e.acts][:3]
    subset = with_tone + without
    vectors = np.random.default_rng(0).normal(size=(len(subset), 384)).astype(np.float32)
    model = model_fit(subset, vectors=vectors)
    assert set(model.heads["tone"].classes_) <= set(TONES)
    metrics = heads_evaluate(model, subset, vectors=vectors)
    assert metrics["tone"]["examples"] == len(with_tone)
    assert metrics["intent"]["examples"] == len(subset) > len(with_tone)


def test_on_the_blind_file_read_by_consensus_the_scores_are_the_same_but_for_tone(trained_nlu, fresh_metrics):
    """Session 9: two more readers per row (nlu/data/provenance/heldout_fresh_votes.jsonl) change no intent and 46
    tones; measured intent 0.936, tone 0.795 (0.807 on the writer's tones): the tone shortfall is not the writer's."""
    by_consensus = heads_evaluate(trained_nlu.model, examples_by_consensus(HELDOUT_FRESH_PATH,
                                                                           HELDOUT_FRESH_VOTES_PATH))
    assert by_consensus["intent"]["accuracy"] == fresh_metrics["intent"]["accuracy"]
    assert by_consensus["sentiment"] == fresh_metrics["sentiment"]
    assert 0.77 <= by_consensus["tone"]["accuracy"] < FRESH_TARGETS["tone"]


def test_fresh_scores_do_not_fall_below_what_they_reached(fresh_metrics):
    assert fresh_metrics["intent"]["accuracy"] >= FRESH_FLOORS["intent"], fresh_metrics["intent"]["per_label"]
    assert fresh_metrics["tone"]["accuracy"] >= FRESH_FLOORS["tone"], fresh_metrics["tone"]["per_label"]
    assert fresh_metrics["sentiment"]["accuracy"] >= FRESH_FLOORS["sentiment"], fresh_metrics["sentiment"]["per_label"]
    assert fresh_metrics["acts"]["micro_f1"] >= FRESH_FLOORS["acts_micro_f1"], fresh_metrics["acts"]["per_label"]


@pytest.mark.xfail(strict=True, reason="intent accuracy on the blind heldout_fresh.jsonl is 0.936, below issue 12's "
                                      "0.96; strict, so this fails loudly (to be unmarked) once it is reached")
def test_fresh_intent_meets_the_target(fresh_metrics):
    assert fresh_metrics["intent"]["accuracy"] >= FRESH_TARGETS["intent"]


@pytest.mark.xfail(strict=True, reason="tone accuracy on the blind heldout_fresh.jsonl is 0.807 (0.707 before the "
                                      "consensus relabelling), below issue 12's 0.85")
def test_fresh_tone_meets_the_target(fresh_metrics):
    assert fresh_metrics["tone"]["accuracy"] >= FRESH_TARGETS["tone"]


def _small_training_file(tmp_path, sources: int):
    """From train.jsonl: 25 project rows of each intent, 5 more of each act, and 12 rows of each of the first
    `sources` annotators."""
    rows = _rows(TRAIN_PATH)
    chosen = []
    for intent in sorted({row["intent"] for row in rows}):
        chosen += [row for row in rows if row["intent"] == intent and not row.get("source")][:25]
    for act in ACTS:   # and a few rows of every act
        chosen += [row for row in rows if act in row["acts"] and not row.get("source") and row not in chosen][:5]
    for hand in "abcdef"[:sources]:
        chosen += [row for row in rows if row.get("source") == f"annotators-2026-11/{hand}"][:12]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in chosen), encoding="utf-8")
    return path


def test_nlu_annotators_scores_each_left_out_annotator_against_the_project_rows_alone(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("nlu_annotators", train=_small_training_file(tmp_path, 2), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("left out") and len(lines) == 3
    for line, hand in zip(lines[1:], "ab", strict=True):
        assert line.startswith(f"annotators-2026-11/{hand}") and " 12  " in line
        assert all(f"{name} " in line for name in ("intent", "tone", "sentiment", "acts micro-F1"))


def test_nlu_annotators_needs_two_annotators(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="1 annotator source"):
        call_command("nlu_annotators", train=_small_training_file(tmp_path, 1), stdout=StringIO(), stderr=StringIO())
