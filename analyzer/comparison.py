"""Score the current model and a retrained one on the same held-out notes, and decide
whether the new one may replace the old: per-label and macro-F1 deltas with paired
bootstrap confidence intervals (Efron & Tibshirani, 1993).

The gate judges only the labels both models know; a category the new model adds is
reported beside it, since the current model cannot be compared on it.
"""

import numpy as np

from .evaluate import evaluate_predictions

DEFAULT_TOLERANCE = 0.01
RESAMPLES = 1000


def _counts(gold, predicted, annotated, label):
    """Per-note true-positive, false-positive and false-negative indicators for one label."""
    judged = np.array([label in a for a in annotated])
    has = np.array([label in g for g in gold]) & judged
    says = np.array([label in p for p in predicted]) & judged
    return np.stack([has & says, ~has & says, has & ~says]).astype(np.float64)


def _f1(counts):
    """F1 from (…, 3) true-positive, false-positive and false-negative totals; 0 when undefined."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def _interval(samples):
    low, high = np.percentile(samples, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def compare_predictions(records, current, candidate, *, current_labels, candidate_labels,
                        resamples=RESAMPLES, seed=0):
    """Compare two systems' predictions on the same records.

    ``current`` and ``candidate`` are ``(labels per note, recommendation per note)``;
    ``current`` may be None when there is no model to compare with. Returns a plain dict.
    """
    gold = [set(r["labels"]) for r in records]
    annotated = [set(r.get("annotated_for", candidate_labels)) for r in records]
    labels = list(dict.fromkeys([*candidate_labels, *(current_labels or ())]))
    shared = [label for label in candidate_labels if current is not None and label in current_labels]
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(records), np.full(len(records), 1 / len(records)), size=resamples)

    metrics = {"candidate": evaluate_predictions(records, *candidate, labels=candidate_labels)}
    if current is not None:
        metrics["current"] = evaluate_predictions(records, *current, labels=current_labels)
    current_sets = [set(p) for p in current[0]] if current is not None else None
    candidate_sets = [set(p) for p in candidate[0]]
    per_label, sample_deltas = {}, []
    for label in labels:
        row = {"support": sum(1 for g, a in zip(gold, annotated) if label in g and label in a),
               "new": label not in shared and label in candidate_labels and current is not None}
        for name, system in (("current", current), ("candidate", candidate)):
            known = current_labels if name == "current" else candidate_labels
            row[name] = (metrics[name]["per_label"][label]["f1"]
                         if system is not None and label in known else None)
        if label in shared:
            current_counts = weights @ _counts(gold, current_sets, annotated, label).T
            candidate_counts = weights @ _counts(gold, candidate_sets, annotated, label).T
            deltas = _f1(candidate_counts) - _f1(current_counts)
            sample_deltas.append(deltas)
            row["delta"] = round(row["candidate"] - row["current"], 4)
            row["ci"] = _interval(deltas)
        per_label[label] = row

    result = {"notes": len(records), "labels": per_label, "shared_labels": shared}
    candidate_macro = float(np.mean([per_label[label]["candidate"] for label in (shared or candidate_labels)]))
    result["macro_f1"] = {"candidate": round(candidate_macro, 4)}
    if shared:
        current_macro = float(np.mean([per_label[label]["current"] for label in shared]))
        result["macro_f1"].update(current=round(current_macro, 4), delta=round(candidate_macro - current_macro, 4),
                                  ci=_interval(np.mean(sample_deltas, axis=0)))
    for name in ("current", "candidate"):
        if name in metrics:
            result.setdefault("negation_false_positive_rate", {})[name] = metrics[name]["negation"]["rate"]
            result.setdefault("recommendation_accuracy", {})[name] = metrics[name]["recommendation"]["accuracy"]
    return result


def compare_models(current, candidate, records, *, resamples=RESAMPLES, seed=0):
    """Analyse ``records`` with both models and compare them (``current`` may be None)."""
    texts = [r["text"] for r in records]

    def predictions(model):
        analyses = list(model.analyze_many(texts))
        return [a.labels for a in analyses], [a.recommendation for a in analyses]

    return compare_predictions(
        records, predictions(current) if current is not None else None, predictions(candidate),
        current_labels=current.labels if current is not None else None, candidate_labels=candidate.labels,
        resamples=resamples, seed=seed)


def promotion_decision(comparison, *, tolerance=DEFAULT_TOLERANCE):
    """``(promote, reason)``: promote when macro-F1 on the shared labels drops by no more than
    ``tolerance``."""
    macro = comparison["macro_f1"]
    if "delta" not in macro:
        return True, "there is no current model to compare with on these labels"
    delta, (low, high) = macro["delta"], macro["ci"]
    summary = (f"macro-F1 {macro['candidate']:.3f} vs {macro['current']:.3f} "
               f"(delta {delta:+.3f}, 95% CI {low:+.3f} to {high:+.3f})")
    if delta >= -tolerance:
        return True, f"{summary}: not worse than the current model by more than the tolerance {tolerance:.3f}"
    worst = min((row for row in comparison["labels"].values() if "delta" in row), key=lambda row: row["delta"])
    worst_label = next(label for label, row in comparison["labels"].items() if row is worst)
    return False, (f"{summary}: worse than the current model by more than the tolerance {tolerance:.3f}; "
                   f"the largest drop is {worst_label} ({worst['delta']:+.3f})")
