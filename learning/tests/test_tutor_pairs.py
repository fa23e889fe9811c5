"""Tutor pairs become training data: a teacher answer that did well is a student training example, and pairs where the
student agreed with the teacher are counted as evidence for raising its share."""

import json
from pathlib import Path

import pytest

from learning.models import RewardScore, TutorPair
from learning.services.datasets import dataset_export
from learning.services.rewards import tutor_pair_evidence
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tutored(*, question, student, teacher, reward, agent="sales"):
    inbound, reply = ai_exchange(question=question, reply=teacher, route="teacher", agent=agent)
    RewardScore.objects.create(message=reply, score=reward, components={})
    return TutorPair.objects.create(
        inbound_message=inbound, agent=agent, student_provider="templates", student_model="templates-v1",
        student_text=student, student_confidence=0.6, teacher_provider="openai", teacher_model="gpt-4o-mini",
        teacher_text=teacher, sent="teacher")


def test_a_teacher_answer_that_did_well_is_exported_as_a_student_example_once():
    tutored(question="can we get lobster for 12 people?", student="We have steak.",
            teacher="Yes! Lobster tail is $15 extra per person, so $180 for 12.", reward=1.5)
    tutored(question="are you open on christmas?", student="Maybe.", teacher="We are closed on Christmas.",
            reward=-1.0)

    stats = dataset_export()

    rows = read(Path(stats["path"]) / "train.jsonl") + read(Path(stats["path"]) / "validation.jsonl")
    assert stats["from_tutor_pairs"] == 1 and stats["from_high_reward_replies"] == 0   # not twice
    [row] = rows
    assert row["messages"][-2] == {"role": "user", "content": "can we get lobster for 12 people?"}
    assert row["messages"][-1] == {"role": "assistant",
                                   "content": "Yes! Lobster tail is $15 extra per person, so $180 for 12."}


def test_pairs_where_the_student_agreed_count_as_evidence_for_its_share():
    tutored(question="how much for 20 adults?", student="20 adults come to $1,100 in total.",
            teacher="20 adults come to $1,100 in total, travel included.", reward=1.0)
    tutored(question="do you do vegan?", student="We are closed.", teacher="Yes, tofu and vegetables.", reward=1.0,
            agent="knowledge")
    tutored(question="how much for 30 adults?", student="30 adults come to $1,650.",
            teacher="30 adults come to $1,650.", reward=-2.0)   # agreed, but the answer did badly: not "right"

    evidence = tutor_pair_evidence()

    assert (evidence["pairs"], evidence["student_right"], evidence["teacher_good"]) == (3, 1, 2)
    assert evidence["per_agent"]["sales"]["student_right_rate"] == 0.5
    assert evidence["per_agent"]["knowledge"]["student_right"] == 0
    stats = dataset_export()
    assert stats["tutor_pairs_student_right"] == {"pairs": 3, "student_right": 1, "student_right_rate": 0.3333}
