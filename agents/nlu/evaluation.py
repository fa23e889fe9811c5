"""Held-out metrics for the three heads, as numbers (stored in metadata.json) and as a printable report."""

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from .dataset import Example
from .labels import HEADS, LABELS


def heads_evaluate(model, examples: list[Example], *, vectors=None) -> dict:
    """{head: {accuracy, macro_f1, per_label: {label: {precision, recall, f1, support}}, labels, confusion_matrix}}."""
    predictions = model.predict([example.text for example in examples], vectors)
    metrics = {}
    for head in HEADS:
        labels = list(LABELS[head])
        truth = [example.label(head) for example in examples]
        predicted = [prediction[head].label for prediction in predictions]
        precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels,
                                                                         zero_division=0)
        metrics[head] = {
            "examples": len(examples),
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
            "per_label": {
                label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                        "support": int(s)}
                for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
            },
            "labels": labels,
            "confusion_matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        }
    return metrics


def metrics_report(metrics: dict) -> str:
    """Per-label precision/recall/F1 and the confusion matrix of each head, as plain text."""
    lines = []
    for head, result in metrics.items():
        labels = result["labels"]
        width = max(len(label) for label in labels) + 2
        lines.append(f"== {head}: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f} "
                     f"on {result['examples']} examples")
        lines.append(f"{'label':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for label in labels:
            row = result["per_label"][label]
            lines.append(f"{label:<{width}}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}"
                         f"{row['support']:>10}")
        lines.append("")
        lines.append(f"{head} confusion matrix (rows: true label, columns: predicted label)")
        columns = [label[:5] for label in labels]
        lines.append(" " * width + "".join(f"{column:>7}" for column in columns))
        for label, counts in zip(labels, result["confusion_matrix"], strict=True):
            lines.append(f"{label:<{width}}" + "".join(f"{count:>7}" for count in counts))
        lines.append("")
    return "\n".join(lines)
