import json
from pathlib import Path

import pytest
from django.core.management import call_command

from learning.models import Correction, LabeledExample, RewardScore
from learning.services.datasets import latest_dataset
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db


def read(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def test_export_writes_scrubbed_deduplicated_chat_jsonl_and_prints_stats(staff_user, settings, capsys):
    _, corrected = ai_exchange(question="Hi I'm Maria Lopez, call me at 415-555-0123 about 20 adults on 12/19",
                               reply="We are closed.")
    Correction.objects.create(message=corrected, original_text=corrected.text, corrected_by=staff_user,
                              corrected_text="older duplicate correction", approved=True)
    Correction.objects.create(message=corrected, original_text=corrected.text, corrected_by=staff_user,
                              corrected_text="We'd love to! 20 adults is $1,100. Shall I hold 12/19 for you?")
    unapproved = ai_exchange(reply="meh")[1]
    Correction.objects.create(message=unapproved, original_text="meh", corrected_text="nope", approved=False)
    for i in range(12):
        _, good = ai_exchange(question=f"how much for {10 + i} adults at 123 Main Street?",
                              reply=f"{10 + i} adults come to ${(10 + i) * 55}.")
        RewardScore.objects.create(message=good, score=1.5, components={})
    # the same exchange twice is exported once
    for _ in range(2):
        _, same = ai_exchange(question="do you do tofu?", reply="Yes, tofu is one of our proteins.")
        RewardScore.objects.create(message=same, score=1.0, components={})
    _, poor = ai_exchange(question="hello", reply="bad answer")
    RewardScore.objects.create(message=poor, score=-1.0, components={})
    q, _ = ai_exchange(question="email me at ann@example.com re: lobster")
    LabeledExample.objects.create(message=q, text=q.text, intent="menu_question", tone="casual", sentiment="neutral")
    LabeledExample.objects.create(text="unverified auto label", intent="other", tone="casual", sentiment="neutral",
                                  source="local", confidence=0.4, verified=False)

    call_command("export_training_data")
    out = capsys.readouterr().out
    assert "from_corrections: 1" in out and "from_high_reward_replies: 13" in out and "duplicates_dropped: 2" in out

    path = latest_dataset()
    assert path.parent == Path(settings.LEARNING_DATASET_DIR)
    train, validation = read(path / "train.jsonl"), read(path / "validation.jsonl")
    assert len(train) + len(validation) == 14 and validation
    everything = json.dumps(train + validation)
    assert "415-555-0123" not in everything and "Maria Lopez" not in everything and "123 Main Street" not in everything
    assert "<PHONE>" in everything and "<PERSON>" in everything and "<ADDRESS>" in everything
    assert "$1,100" in everything and "12/19" in everything  # prices and dates survive
    assert "bad answer" not in everything and "nope" not in everything and "older duplicate" not in everything
    for row in train + validation:
        roles = [m["role"] for m in row["messages"]]
        assert roles[0] == "system" and roles[-1] == "assistant" and roles[-2] == "user"
    labels = read(path / "nlu_labels.jsonl")
    assert labels == [{"text": "email me at <EMAIL> re: lobster", "intent": "menu_question", "tone": "casual",
                       "sentiment": "neutral", "source": "staff"}]
    stats = json.loads((path / "stats.json").read_text())
    assert stats["pii_replaced"]["<PHONE>"] == 1 and stats["nlu_labels"] == 1


def test_freeze_eval_moves_scrubbed_staff_labels_into_the_frozen_file_once(settings):
    q, _ = ai_exchange(question="call me at 415-555-0123 about insurance")
    LabeledExample.objects.create(message=q, text=q.text, intent="policy_question", tone="direct", sentiment="neutral")
    call_command("learning_freeze_eval", count=10)
    call_command("learning_freeze_eval", count=10)  # already frozen: not added twice
    rows = read(settings.LEARNING_FROZEN_EVAL_PATH)
    assert rows == [{"text": "call me at <PHONE> about insurance", "intent": "policy_question", "tone": "direct",
                     "sentiment": "neutral"}]
