"""Which MatMuls of the int8 encoder cost the most fidelity (`manage.py embedder_onnx_build --sensitivity`).

For each weight MatMul of the smoothed graph, the encoder is quantised with every other MatMul in int8 and that one
left in fp32, and its embeddings are compared with fp32's (cosine, one text per run) on training messages that did
not calibrate the smoothing. No label is read: this is how `onnx.FP32_MATMULS` was chosen without touching a
held-out score. Each quantisation takes a few seconds, so the whole table takes a few minutes.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from . import onnx as exported

SENSITIVITY_MESSAGES = 300


@dataclass(frozen=True)
class Fidelity:
    """Cosine to the fp32 encoder's embeddings of the same texts."""

    mean: float
    min: float


@dataclass(frozen=True)
class MatMulSensitivity:
    node: str
    fidelity: Fidelity     # every other MatMul in int8, this one in fp32
    recovered: float       # the share of the all-int8 gap to 1 (mean cosine) that keeping this one in fp32 closes


def sensitivity_texts(count: int = SENSITIVITY_MESSAGES) -> list[str]:
    """Training messages that are not calibration messages (a fixed sample, so two runs print the same table)."""
    path = Path(settings.BASE_DIR) / "nlu" / "data" / "train.jsonl"
    calibration = set(exported._calibration_texts())
    with open(path, encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    pool = sorted({text for text in texts if text not in calibration})
    return random.Random(7).sample(pool, min(count, len(pool)))


def weight_matmuls(model) -> list[str]:
    weights = {initializer.name for initializer in model.graph.initializer}
    return [node.name for node in model.graph.node if node.op_type == "MatMul" and node.input[1] in weights]


def _vectors(path: Path, texts: list[str]) -> np.ndarray:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return np.array([session.run(None, feed)[0][0] for feed in exported.one_text_feeds(texts)])


def _fidelity(vectors: np.ndarray, reference: np.ndarray) -> Fidelity:
    cosines = np.sum(vectors * reference, axis=1)
    return Fidelity(mean=float(cosines.mean()), min=float(cosines.min()))


def int8_sensitivity(*, texts: list[str] | None = None, nodes: list[str] | None = None,
                     progress=None) -> tuple[Fidelity, list[MatMulSensitivity]]:
    """The all-int8 encoder's fidelity, and each MatMul's (all of them, or `nodes`), the most sensitive first.

    `progress` wraps the list of nodes (tqdm in the command)."""
    import onnx

    texts = texts if texts is not None else sensitivity_texts()
    source = exported.onnx_model_build(precision="fp32")
    reference = _vectors(source, texts)
    with tempfile.TemporaryDirectory(prefix="int8-sensitivity-") as scratch:
        smoothed = Path(scratch) / "smoothed.onnx"
        model = exported._smoothed(onnx.load(str(source)), alpha=exported.SMOOTHING_ALPHA,
                                   texts=exported._calibration_texts())
        candidates = weight_matmuls(model)
        unknown = set(nodes or ()) - set(candidates)
        if unknown:
            raise ValueError(f"not a weight MatMul of the exported graph: {sorted(unknown)}")
        onnx.save(model, str(smoothed))
        quantised = Path(scratch) / "int8.onnx"
        exported.quantise_matmuls(smoothed, quantised)
        baseline = _fidelity(_vectors(quantised, texts), reference)
        gap = max(1 - baseline.mean, 1e-12)
        results = []
        for node in (progress or iter)(nodes or candidates):
            exported.quantise_matmuls(smoothed, quantised, keep_fp32=(node,))
            fidelity = _fidelity(_vectors(quantised, texts), reference)
            results.append(MatMulSensitivity(node=node, fidelity=fidelity,
                                             recovered=(fidelity.mean - baseline.mean) / gap))
    return baseline, sorted(results, key=lambda result: -result.recovered)
