"""Upsell predictor: gradient boosting on booking features predicting which add-on a customer takes.

Features: party size, the price mentioned (quote total), conversation length (messages), the customer's previous
bookings, the customer's most frequent tone (one-hot) and the hour of day (Pacific). Label: each add-on or upgrade
the booking took (one row per add-on), or "none". Versions live under <LEARNING_MODEL_DIR>/upsell/ and are
promoted through ModelVersion like every other model (accuracy on a fixed 20% split of bookings, by id hash).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from nlu.labels import TONES

from ..models import ModelVersion, UpsellOffer
from .versions import current_version, version_activate, version_promote_if_better

NONE = "none"
_cache: dict[str, object] = {}
_lock = threading.Lock()


def upsell_root() -> Path:
    return Path(settings.LEARNING_MODEL_DIR) / "upsell"


def features(*, party_size: int, price_mentioned, conversation_length: int, previous_bookings: int, tone: str,
             hour: int) -> list[float]:
    return [float(party_size or 0), float(price_mentioned or 0), float(conversation_length or 0),
            float(previous_bookings or 0), float(hour), *[1.0 if tone == t else 0.0 for t in TONES]]


def _conversation_tone(conversation) -> str:
    if conversation is None:
        return ""
    tones = Counter(conversation.messages.filter(direction="inbound").exclude(tone="").values_list("tone", flat=True))
    return tones.most_common(1)[0][0] if tones else ""


def _hour(when: datetime | None) -> int:
    return timezone.localtime(when or timezone.now()).hour


def training_rows() -> tuple[np.ndarray, list[str], list[int]]:
    """(X, y, booking ids) from confirmed and completed bookings."""
    X, y, ids = [], [], []
    bookings = (Booking.objects.filter(status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED])
                .select_related("conversation").order_by("pk"))
    for booking in bookings:
        previous = Booking.objects.filter(customer_id=booking.customer_id, created_at__lt=booking.created_at,
                                          status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED]).count()
        length = booking.conversation.messages.count() if booking.conversation_id else 0
        row = features(party_size=booking.guests, price_mentioned=booking.quote.get("total") or booking.total,
                       conversation_length=length, previous_bookings=previous,
                       tone=_conversation_tone(booking.conversation), hour=_hour(booking.created_at))
        taken = sorted({*booking.addons, *booking.upgrades}) or [NONE]
        for label in taken:
            X.append(row)
            y.append(label)
            ids.append(booking.pk)
    width = len(features(party_size=0, price_mentioned=0, conversation_length=0, previous_bookings=0, tone="", hour=0))
    return np.array(X, dtype=float).reshape(len(X), width), y, ids


def _is_eval(booking_id: int) -> bool:
    return int(hashlib.sha256(f"upsell:{booking_id}".encode()).hexdigest()[:4], 16) % 5 == 0


def upsell_train(*, min_rows: int = 20, random_state: int = 0) -> ModelVersion | None:
    """Fit a candidate on 80% of bookings, score it and the current model on the other 20%, promote if better.
    Returns the candidate's ModelVersion, or None when there are fewer than `min_rows` rows."""
    from sklearn.ensemble import GradientBoostingClassifier  # scikit-learn loads slowly: only when training

    X, y, ids = training_rows()
    if len(y) < min_rows or len(set(y)) < 2:
        return None
    evaluation = np.array([_is_eval(i) for i in ids])
    if evaluation.all() or not evaluation.any():
        evaluation = np.arange(len(y)) % 5 == 0
    y_arr = np.array(y)
    started = time.perf_counter()
    model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=random_state)
    model.fit(X[~evaluation], y_arr[~evaluation])
    seconds = time.perf_counter() - started
    score = float((model.predict(X[evaluation]) == y_arr[evaluation]).mean())
    current = current_version(ModelVersion.Kind.UPSELL)
    if current is not None:
        baseline = float((_load(current).predict(X[evaluation]) == y_arr[evaluation]).mean())
    else:
        baseline = float((y_arr[evaluation] == Counter(y_arr[~evaluation]).most_common(1)[0][0]).mean())
    # Unique even when the same data is trained twice in one second: time to the microsecond + the data's hash.
    stamp = f"{datetime.now():%Y%m%dT%H%M%S%f}-{hashlib.sha256(json.dumps(y).encode()).hexdigest()[:6]}"
    path = upsell_root() / stamp
    path.mkdir(parents=True, exist_ok=True)
    import joblib

    from .upsell_arrays import BoostedTrees

    joblib.dump(model, path / "model.joblib")
    BoostedTrees.from_model(model).save(path)   # what a web worker loads (no scikit-learn)
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.UPSELL, version=stamp, path=str(path), score=score,
        baseline_score=baseline if current is not None else None, training_seconds=seconds,
        metrics={"accuracy": score, "baseline_accuracy": baseline, "classes": list(map(str, model.classes_)),
                 "train_rows": int((~evaluation).sum()), "eval_rows": int(evaluation.sum())},
        training_set={"bookings": len(set(ids)), "rows": len(y)},
    )
    if current is None:
        # The first predictor must still beat always answering the most common add-on.
        version.baseline_score = baseline
        version.save(update_fields=["baseline_score"])
        if score > baseline:
            version_activate(version=version, reason=f"promoted: {score:.3f} > majority baseline {baseline:.3f}")
        else:
            version.status = ModelVersion.Status.REJECTED
            version.notes = f"rejected: {score:.3f} does not beat the majority baseline {baseline:.3f}"
            version.save(update_fields=["status", "notes"])
    else:
        version_promote_if_better(version=version)
    return version


def _load(version: ModelVersion):
    with _lock:
        if version.version not in _cache:
            from .upsell_arrays import ARRAYS_FILE, BoostedTrees

            path = Path(version.path)
            if (path / ARRAYS_FILE).is_file():
                _cache[version.version] = BoostedTrees.load(path)
            else:   # trained before the arrays were saved: through joblib, and scikit-learn with it
                import joblib

                _cache[version.version] = joblib.load(path / "model.joblib")
        return _cache[version.version]


def upsell_predict(*, customer, party_size: int, conversation=None, price_mentioned=None, tone: str = "",
                   when=None) -> str | None:
    version = current_version(ModelVersion.Kind.UPSELL)
    if version is None:
        return None
    try:
        model = _load(version)
    except (OSError, ValueError, EOFError, KeyError):
        return None
    previous = Booking.objects.filter(customer_id=customer.pk,
                                      status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED]).count()
    row = features(party_size=party_size, price_mentioned=price_mentioned,
                   conversation_length=conversation.messages.count() if conversation is not None else 0,
                   previous_bookings=previous, tone=tone or _conversation_tone(conversation), hour=_hour(when))
    probabilities = model.predict_proba(np.array([row]))[0]
    ranked = sorted(zip(model.classes_, probabilities, strict=True), key=lambda pair: -pair[1])
    minimum = float(getattr(settings, "LEARNING_UPSELL_MIN_PROBABILITY", 0.15))
    for label, probability in ranked:
        if label != NONE:
            return str(label) if probability >= minimum else None
    return None


def upsell_offer_record(*, conversation, addon: str) -> UpsellOffer:
    """The sales agent offered `addon` (the engine records it with the reply); `upsell_outcomes_update` later marks
    whether the booking took it."""
    version = current_version(ModelVersion.Kind.UPSELL)
    return UpsellOffer.objects.create(conversation=conversation, addon=addon,
                                      model_version=version.version if version else "")


def upsell_outcomes_update() -> int:
    """Mark offers whose conversation now has a confirmed booking: accepted when the booking took the add-on."""
    updated = 0
    for offer in UpsellOffer.objects.filter(accepted=None).select_related("conversation"):
        booking = offer.conversation.bookings.filter(
            status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED]).first()
        if booking is not None:
            offer.accepted = offer.addon in {*booking.addons, *booking.upgrades}
            offer.save(update_fields=["accepted"])
            updated += 1
    return updated
