"""LoRA retraining of the local student model with PEFT and transformers.

The base model is a local directory in the `save_pretrained` layout (model + tokenizer), set in
LEARNING_LORA_BASE_MODEL; nothing is downloaded. Training reads the chat-format JSONL of the latest export
(train.jsonl), masks everything but the final assistant turn out of the loss, and writes the adapter under
<LEARNING_MODEL_DIR>/lora/<version>/. Promotion compares the mean validation loss (validation.jsonl of the same
export) of the candidate with the current adapter's (or the bare base model's, the first time): lower is better, so
ModelVersion.score = -loss.

`tiny_causal_lm()` builds a randomly initialised Llama-architecture model and a byte-level BPE tokenizer in-process:
the tests train and reload on it, and `manage.py lora_tiny_base DIR` writes one for a dry run of the loop.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from ..models import ModelVersion

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
ROLE_TAGS = {"system": "<|system|>", "user": "<|user|>", "assistant": "<|assistant|>"}
MAX_TOKENS = 256


def lora_root() -> Path:
    return Path(settings.LEARNING_MODEL_DIR) / "lora"


def tiny_causal_lm(directory: Path, *, texts: list[str], hidden: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """A tiny random Llama-style causal LM with a BPE tokenizer trained on `texts`, saved to `directory`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(seed)
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = [*SPECIAL.values(), *ROLE_TAGS.values()]
    tokenizer.train_from_iterator(texts or ["hello"], trainers.BpeTrainer(
        vocab_size=600, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **SPECIAL,
                                   additional_special_tokens=list(ROLE_TAGS.values()))
    config = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=hidden * 2,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4,
                         max_position_embeddings=MAX_TOKENS, bos_token_id=fast.bos_token_id,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    model = LlamaForCausalLM(config)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    fast.save_pretrained(directory)
    return directory


def render(messages: list[dict]) -> tuple[str, str]:
    """(prompt, target): the conversation up to the last assistant turn, and that turn."""
    prompt = "".join(f"{ROLE_TAGS[m['role']]}{m['content']}\n" for m in messages[:-1]) + ROLE_TAGS["assistant"]
    return prompt, messages[-1]["content"]


def _encode(tokenizer, rows: list[dict]):
    encoded = []
    for row in rows:
        prompt, target = render(row["messages"])
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        target_ids = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids = ([tokenizer.bos_token_id] + prompt_ids + target_ids)[-MAX_TOKENS:]
        labels = ([-100] * (1 + len(prompt_ids)) + target_ids)[-MAX_TOKENS:]
        encoded.append((ids, labels))
    return encoded


def _batch(encoded, pad_id):
    import torch

    width = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), width), pad_id)
    labels = torch.full((len(encoded), width), -100)
    attention = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, (ids, targets) in enumerate(encoded):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        labels[row, :len(targets)] = torch.tensor(targets)
        attention[row, :len(ids)] = 1
    return input_ids, attention, labels


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def mean_loss(model, tokenizer, rows: list[dict], *, batch_size: int = 8) -> float:
    import torch

    model.eval()
    total, count = 0.0, 0
    encoded = _encode(tokenizer, rows)
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            input_ids, attention, labels = _batch(encoded[start:start + batch_size], tokenizer.pad_token_id)
            loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
            tokens = int((labels[:, 1:] != -100).sum())
            total, count = total + float(loss) * tokens, count + tokens
    return total / count if count else math.inf


def load_base(base_model: str | Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_model), local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(str(base_model), local_files_only=True)
    return model, tokenizer


def lora_load(base_model: str | Path, adapter: str | Path):
    """The base model with a saved adapter applied (for serving, or to check a reload)."""
    from peft import PeftModel

    model, tokenizer = load_base(base_model)
    return PeftModel.from_pretrained(model, str(adapter), is_trainable=False), tokenizer


def lora_train(*, base_model: str | Path, train_rows: list[dict], out_dir: Path, steps: int = 60, lr: float = 5e-3,
               rank: int = 8, alpha: int = 16, batch_size: int = 4, seed: int = 0) -> dict:
    """Train a LoRA adapter and save it to out_dir. Returns {"losses": [...], "seconds": s, "trainable": n}."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model, tokenizer = load_base(base_model)
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                        task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    encoded = _encode(tokenizer, train_rows)
    losses, started = [], time.perf_counter()
    model.train()
    for _ in range(steps):
        batch = rng.sample(encoded, min(batch_size, len(encoded)))
        input_ids, attention, labels = _batch(batch, tokenizer.pad_token_id)
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.detach().item())
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    (out_dir / "training.json").write_text(json.dumps({"base_model": str(base_model), "steps": steps, "lr": lr,
                                                       "rank": rank, "losses": losses}), encoding="utf-8")
    return {"losses": losses, "seconds": time.perf_counter() - started, "trainable": trainable, "model": model,
            "tokenizer": tokenizer}


def lora_train_and_promote(*, base_model: str | Path, dataset: Path | None = None, steps: int = 60,
                           **kwargs) -> ModelVersion:
    from .datasets import latest_dataset
    from .versions import current_version, version_activate

    dataset = Path(dataset or latest_dataset() or "")
    if not (dataset / "train.jsonl").exists():
        raise FileNotFoundError("No exported dataset: run `manage.py export_training_data` first.")
    train_rows, validation_rows = read_rows(dataset / "train.jsonl"), read_rows(dataset / "validation.jsonl")
    if not train_rows or not validation_rows:
        raise ValueError("The exported dataset has no training or no validation examples yet.")
    stamp = f"{datetime.now():%Y%m%dT%H%M%S%f}"
    out_dir = lora_root() / stamp
    result = lora_train(base_model=base_model, train_rows=train_rows, out_dir=out_dir, steps=steps, **kwargs)
    loss = mean_loss(result["model"], result["tokenizer"], validation_rows)
    current = current_version(ModelVersion.Kind.LORA)
    if current is not None and Path(current.path).exists():
        model, tokenizer = lora_load(base_model, current.path)
        measured_against = current.version
    else:
        model, tokenizer = load_base(base_model)
        measured_against = "base"
    baseline_loss = mean_loss(model, tokenizer, validation_rows)
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.LORA, version=stamp, path=str(out_dir), score=-loss, baseline_score=-baseline_loss,
        training_seconds=round(result["seconds"], 2),
        metrics={"validation_loss": loss, "baseline_validation_loss": baseline_loss,
                 "baseline_version": measured_against,
                 "first_train_loss": result["losses"][0], "last_train_loss": result["losses"][-1],
                 "trainable_parameters": result["trainable"]},
        eval_set={"file": str(dataset / "validation.jsonl"), "examples": len(validation_rows)},
        training_set={"file": str(dataset / "train.jsonl"), "examples": len(train_rows), "base_model": str(base_model),
                      "steps": steps},
    )
    if loss < baseline_loss:
        try:
            version_activate(version=version, reason=f"promoted: validation loss {baseline_loss:.4f} -> {loss:.4f}")
        except ValidationError as exc:   # better, but Ollama could not take it: kept for staff to make current later
            version.notes = (f"better (validation loss {baseline_loss:.4f} -> {loss:.4f}) but not served: "
                             f"{' '.join(exc.messages)}")
            version.save(update_fields=["notes"])
    else:
        version.status = ModelVersion.Status.REJECTED
        version.notes = f"rejected: validation loss {loss:.4f} does not beat {baseline_loss:.4f}"
        version.save(update_fields=["status", "notes"])
        shutil.rmtree(out_dir, ignore_errors=True)
        version.path = ""
        version.save(update_fields=["path"])
    return version


# --- serving through Ollama ---------------------------------------------------------------------------------------

OLLAMA_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def ollama_model_name(version: ModelVersion) -> str:
    return f"myhibachi-student:{version.version.lower()}"


def lora_adapter_files(version: ModelVersion) -> dict[str, Path]:
    """The adapter as Ollama's ADAPTER instruction takes it: a directory of Safetensors weights with the PEFT
    adapter_config.json (Ollama imports LoRA adapters of Llama, Mistral and Gemma bases this way)."""
    directory = Path(version.path)
    files = {name: directory / name for name in OLLAMA_ADAPTER_FILES}
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"The adapter {version.version} has no {', '.join(missing)} in {directory}: it must be "
                                "saved by PEFT with safetensors (the layout Ollama's ADAPTER instruction imports).")
    config = json.loads(files["adapter_config.json"].read_text(encoding="utf-8"))
    if config.get("peft_type") != "LORA":
        raise ValueError(f"The adapter {version.version} is {config.get('peft_type')!r}, not a LoRA adapter.")
    return files


def lora_ollama_register(*, version: ModelVersion) -> str:
    """Create the Ollama model base + this adapter (uploads each file as a blob by its sha256, then /api/create with
    `from` and `adapters`); returns the model name, also kept in version.metrics["ollama_model"]."""
    import ollama

    options = settings.AI_PROVIDERS.get("ollama", {}).get("OPTIONS", {})
    base = settings.LEARNING_LORA_OLLAMA_BASE or options.get("model")
    if not options.get("host") or not base:
        raise ValueError("Set OLLAMA_HOST and the Ollama base model (LEARNING_LORA_OLLAMA_BASE or OLLAMA_MODEL) to "
                         "serve a LoRA adapter.")
    client = ollama.Client(host=options["host"], timeout=float(options.get("timeout", 30)) * 10)
    adapters = {name: client.create_blob(path) for name, path in lora_adapter_files(version).items()}
    name = ollama_model_name(version)
    response = client.create(model=name, from_=base, adapters=adapters, stream=False)
    if getattr(response, "status", "") != "success":
        raise ValueError(f"Ollama did not create {name}: {getattr(response, 'status', response)!r}")
    version.metrics = {**(version.metrics or {}), "ollama_model": name, "ollama_base": base,
                       "ollama_adapters": adapters}
    version.save(update_fields=["metrics"])
    return name
