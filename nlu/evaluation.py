"""Held-out metrics for the three heads and the dialogue acts, as numbers (stored in metadata.json) and as a
printable report."""

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from .dataset import Example
from .labels import ACTS, HEADS, LABELS


def expected_calibration_error(confidences: list[float], correct: list[bool], *, bins: int = 10) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins weighted by size.
    0 means the confidences are calibrated (of the answers given with confidence 0.8, 80% are right)."""
    total, error = len(confidences), 0.0
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (index == 0 and c == 0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return error


def heads_evaluate(model, examples: list[Example], *, vectors=None) -> dict:
    """{head: {accuracy, macro_f1, per_label: {label: {precision, recall, f1, support}}, labels, confusion_matrix}},
    and "acts" (see `acts_metrics`) when the examples are labelled with acts."""
    predictions = model.predict([example.text for example in examples], vectors)
    metrics = {}
    for head in HEADS:
        labels = list(LABELS[head])
        scored = [index for index, example in enumerate(examples) if example.label(head) is not None]
        if not scored:
            continue
        truth = [examples[index].label(head) for index in scored]
        predicted = [predictions[index][head].label for index in scored]
        precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels,
                                                                         zero_division=0)
        metrics[head] = {
            "examples": len(scored),
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
            "per_label": {
                label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                        "support": int(s)}
                for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
            },
            "calibration_error": round(expected_calibration_error(
                [predictions[index][head].confidence for index in scored],
                [t == p for t, p in zip(truth, predicted, strict=True)]), 4),
            "labels": labels,
            "confusion_matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        }
    labelled = [index for index, example in enumerate(examples) if example.acts is not None]
    if labelled:
        metrics["acts"] = acts_metrics([examples[i].acts for i in labelled],
                                       [predictions[i]["acts"].labels for i in labelled])
    return metrics


def acts_metrics(truth: list, predicted: list) -> dict:
    """Multi-label scores of the dialogue acts: micro-F1 (every act decision counts once), macro-F1, per-act
    precision/recall/F1 and `accuracy` = the share of messages whose whole set of acts is right."""
    binarizer = MultiLabelBinarizer(classes=list(ACTS)).fit([ACTS])
    y_true, y_pred = binarizer.transform(truth), binarizer.transform(predicted)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    micro = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    return {
        "examples": len(truth),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "micro_f1": round(float(micro[2]), 4),
        "micro_precision": round(float(micro[0]), 4),
        "micro_recall": round(float(micro[1]), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "per_label": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                    "support": int(s)}
            for label, p, r, f, s in zip(ACTS, precision, recall, f1, support, strict=True)
        },
        "labels": list(ACTS),
    }


def metrics_report(metrics: dict) -> str:
    """Per-label precision/recall/F1 and the confusion matrix of each head, as plain text."""
    lines = []
    for head, result in metrics.items():
        labels = result["labels"]
        width = max(len(label) for label in labels) + 2
        calibration = (f", calibration error (ECE) {result['calibration_error']:.3f}"
                       if "calibration_error" in result else "")
        micro = f"micro-F1 {result['micro_f1']:.3f}, " if "micro_f1" in result else ""
        accuracy = "exact-set accuracy" if micro else "accuracy"
        lines.append(f"== {head}: {micro}{accuracy} {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}"
                     f"{calibration} on {result['examples']} examples")
        lines.append(f"{'label':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for label in labels:
            row = result["per_label"][label]
            lines.append(f"{label:<{width}}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}"
                         f"{row['support']:>10}")
        lines.append("")
        if "confusion_matrix" not in result:   # the acts: one yes/no decision per act, no confusion between them
            continue
        lines.append(f"{head} confusion matrix (rows: true label, columns: predicted label)")
        columns = [label[:5] for label in labels]
        lines.append(" " * width + "".join(f"{column:>7}" for column in columns))
        for label, counts in zip(labels, result["confusion_matrix"], strict=True):
            lines.append(f"{label:<{width}}" + "".join(f"{count:>7}" for count in counts))
        lines.append("")
    return "\n".join(lines)
