"""LoRA with PEFT on a tiny randomly initialised causal LM built in-process: a real training step, save, reload."""

import json

import pytest
import torch

from learning.models import ModelVersion
from learning.services.lora import lora_load, lora_train, lora_train_and_promote, mean_loss, tiny_causal_lm

ROWS = [
    {"messages": [{"role": "system", "content": "You are MyHibachi's assistant."},
                  {"role": "user", "content": f"how much for {n} adults?"},
                  {"role": "assistant", "content": f"{n} adults come to ${n * 55}."}]}
    for n in range(10, 40)
]


@pytest.fixture
def tiny_base(tmp_path):
    texts = [m["content"] for row in ROWS for m in row["messages"]]
    return tiny_causal_lm(tmp_path / "tiny-base", texts=texts)


def test_real_training_steps_lower_the_loss_and_the_adapter_reloads(tiny_base, tmp_path):
    result = lora_train(base_model=tiny_base, train_rows=ROWS, out_dir=tmp_path / "adapter", steps=25)
    assert result["trainable"] > 0 and len(result["losses"]) == 25
    assert sum(result["losses"][-5:]) / 5 < sum(result["losses"][:5]) / 5  # it learned something
    assert (tmp_path / "adapter" / "adapter_config.json").exists()
    trained, tokenizer = result["model"], result["tokenizer"]
    reloaded, _ = lora_load(tiny_base, tmp_path / "adapter")
    ids = tokenizer("<|user|>how much for 12 adults?\n<|assistant|>", return_tensors="pt")["input_ids"]
    trained.eval()
    with torch.no_grad():
        assert torch.allclose(trained(input_ids=ids).logits, reloaded(input_ids=ids).logits, atol=1e-5)
    # the adapter changed the model: the bare base gives other logits
    from learning.services.lora import load_base

    base, _ = load_base(tiny_base)
    with torch.no_grad():
        assert not torch.allclose(base(input_ids=ids).logits, reloaded(input_ids=ids).logits, atol=1e-4)
    assert mean_loss(reloaded, tokenizer, ROWS[:5]) < mean_loss(base, tokenizer, ROWS[:5])


@pytest.fixture
def fake_ollama(settings):
    """The promoted adapter is registered in Ollama (base + ADAPTER): a fake Ollama server that checks the request."""
    from agents.tests.fakes.ollama_api import FakeOllama

    with FakeOllama() as server:
        settings.AI_PROVIDERS = {**settings.AI_PROVIDERS, "ollama": {
            **settings.AI_PROVIDERS["ollama"], "OPTIONS": {"host": server.url, "model": "llama3:8b", "timeout": 2}}}
        yield server


@pytest.mark.django_db
def test_train_and_promote_records_a_model_version(tiny_base, tmp_path, fake_ollama):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:25]))
    (dataset / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[25:]))
    version = lora_train_and_promote(base_model=tiny_base, dataset=dataset, steps=30)
    assert version.status == "promoted" and version.is_current  # beats the bare base model on validation loss
    assert version.metrics["validation_loss"] < version.metrics["baseline_validation_loss"]
    assert version.metrics["ollama_model"] in fake_ollama.models   # and it serves: registered in Ollama
    # a 1-step retrain does not beat the adapter in use: rejected, nothing kept
    worse = lora_train_and_promote(base_model=tiny_base, dataset=dataset, steps=1)
    assert worse.status == "rejected" and worse.path == ""
    assert ModelVersion.objects.get(kind="lora", is_current=True) == version


@pytest.mark.django_db
def test_a_better_adapter_ollama_cannot_take_is_kept_as_a_candidate(tiny_base, tmp_path, fake_ollama):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:25]))
    (dataset / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[25:]))
    fake_ollama.models.clear()   # the base model is not pulled on the Ollama server

    version = lora_train_and_promote(base_model=tiny_base, dataset=dataset, steps=30)

    assert version.status == "candidate" and not version.is_current and "not served" in version.notes
    assert (tmp_path / "dataset").exists() and version.path   # the adapter is kept for a later "Make current"
