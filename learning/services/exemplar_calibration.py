"""The similarity threshold of the correction memory, calibrated on held-out pairs rather than guessed.

`learning/data/exemplar_pairs.jsonl` holds pairs of customer messages written for this purpose: paraphrases (the same
question in other words: the corrected reply applies) and different questions (its reply would be wrong), many of
them on the same topic ("how much per adult" / "how much is the deposit"), the hard cases. Each pair belongs to the
calibration half or the held-out half. The pairs marked "source": "mined" (calibration half only) were found another
way: each question of nlu/data/train.jsonl paired with its nearest neighbour under MiniLM, then labelled by hand, so
they are the near misses the embedder itself makes, not ones a person thought of.

A pair matches as the engine matches (`agents.engine.exemplars`): cosine at least the threshold AND the second look
of `learning.exemplar_match` finds no different day, place, dish, fee, ... asked about. The threshold is the lowest
similarity at which at most LEARNING_EXEMPLAR_FALSE_MATCH_TARGET of the calibration half's different questions would
match; the held-out half, never looked at to choose it, gives the false-match rate and recall reported in the admin
(for the chosen and the configured threshold: settings.LEARNING_EXEMPLAR_THRESHOLD is set to the calibrated value),
and `details["cosine_only"]` the same for the cosine alone, without the second look (what the memory did before).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from django.conf import settings

from knowledge.embedders import get_embedder

from ..exemplar_match import same_question
from ..models import ExemplarCalibration

PAIRS_PATH = Path(__file__).resolve().parent.parent / "data" / "exemplar_pairs.jsonl"


def pairs_load(path: Path = PAIRS_PATH) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def pair_similarities(pairs: list[dict]) -> np.ndarray:
    """Cosine similarity of each pair under the configured embedder (vectors are L2-normalised)."""
    embedder = get_embedder()
    texts = list(dict.fromkeys(text for pair in pairs for text in (pair["a"], pair["b"])))
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    return np.array([float(np.dot(vectors[pair["a"]], vectors[pair["b"]])) for pair in pairs])


def match_scores(pairs: list[dict], similarities: np.ndarray) -> np.ndarray:
    """The similarity a pair is matched at by the engine: its cosine, or -1 (never) when the second look finds that
    the two messages ask about different things."""
    return np.array([s if same_question(pair["a"], pair["b"]) else -1.0
                     for pair, s in zip(pairs, similarities, strict=True)])


def threshold_for(negatives: np.ndarray, *, target: float) -> float:
    """The lowest threshold (to 3 decimals) at which at most `target` of the negatives reach it."""
    allowed = math.floor(target * len(negatives))
    ranked = np.sort(negatives)[::-1]
    above = ranked[allowed] if allowed < len(ranked) else -1.0   # the most similar negative that must not match
    return math.floor(above * 1000 + 1) / 1000


def rates_at(threshold: float, *, positives: np.ndarray, negatives: np.ndarray) -> dict:
    false_matches, true_matches = int((negatives >= threshold).sum()), int((positives >= threshold).sum())
    return {"threshold": threshold, "negatives": len(negatives), "false_matches": false_matches,
            "false_match_rate": round(false_matches / len(negatives), 4) if len(negatives) else 0.0,
            "positives": len(positives), "true_matches": true_matches,
            "recall": round(true_matches / len(positives), 4) if len(positives) else 0.0}


def exemplars_calibrate(*, target: float | None = None, path: Path = PAIRS_PATH) -> ExemplarCalibration:
    """Choose the threshold on the calibration half, measure it on the held-out half, store the result."""
    target = settings.LEARNING_EXEMPLAR_FALSE_MATCH_TARGET if target is None else target
    pairs = pairs_load(path)
    similarities = pair_similarities(pairs)
    scores = match_scores(pairs, similarities)

    def split(name, same, values=scores):
        return np.array([s for pair, s in zip(pairs, values, strict=True)
                         if pair["split"] == name and pair["same"] is same])

    calibration_pos, calibration_neg = split("calibration", True), split("calibration", False)
    heldout_pos, heldout_neg = split("heldout", True), split("heldout", False)
    threshold = threshold_for(calibration_neg, target=target)
    configured = float(settings.LEARNING_EXEMPLAR_THRESHOLD)
    cosine_threshold = threshold_for(split("calibration", False, similarities), target=target)
    hardest = sorted(((s, pair["a"], pair["b"]) for pair, s in zip(pairs, scores, strict=True)
                      if not pair["same"]), reverse=True)[:5]
    return ExemplarCalibration.objects.create(
        embedder=get_embedder().name, threshold=threshold, target_false_match_rate=target,
        configured_threshold=configured,
        heldout={"chosen": rates_at(threshold, positives=heldout_pos, negatives=heldout_neg),
                 "configured": rates_at(configured, positives=heldout_pos, negatives=heldout_neg)},
        details={"calibration_pairs": len(calibration_pos) + len(calibration_neg),
                 "heldout_pairs": len(heldout_pos) + len(heldout_neg),
                 "calibration": rates_at(threshold, positives=calibration_pos, negatives=calibration_neg),
                 "cosine_only": rates_at(cosine_threshold, positives=split("heldout", True, similarities),
                                         negatives=split("heldout", False, similarities)),
                 "second_look_rejected": {"positives": int(sum(1 for pair, s in zip(pairs, scores, strict=True)
                                                               if pair["same"] and s < 0)),
                                          "negatives": int(sum(1 for pair, s in zip(pairs, scores, strict=True)
                                                               if not pair["same"] and s < 0))},
                 "hardest_negatives": [{"similarity": round(s, 4), "a": a, "b": b} for s, a, b in hardest]},
    )
