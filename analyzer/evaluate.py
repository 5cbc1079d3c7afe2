"""Metrics as plain dicts: per-label precision/recall/F1, macro-F1, the negation subset's
false-positive rate and recommendation accuracy.

No spaCy or scikit-learn here, so reports and tests can import it cheaply.
"""

from .labels import LABELS


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else 0.0


def label_metrics(gold, predicted, labels=LABELS, annotated=None):
    """Per-label P/R/F1 and support, plus macro averages, from lists of label sets.

    ``annotated``, one set per note, limits each label's counts to the notes judged for it.

    >>> label_metrics([{"skill_gap"}, set()], [{"skill_gap"}, {"skill_gap"}])["per_label"]["skill_gap"]["precision"]
    0.5
    """
    per_label = {}
    for label in labels:
        pairs = [(g, p) for n, (g, p) in enumerate(zip(gold, predicted))
                 if annotated is None or label in annotated[n]]
        tp = sum(1 for g, p in pairs if label in g and label in p)
        fp = sum(1 for g, p in pairs if label not in g and label in p)
        fn = sum(1 for g, p in pairs if label in g and label not in p)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        per_label[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(_ratio(2 * precision * recall, precision + recall), 4),
            "support": tp + fn,
        }
    return {
        "per_label": per_label,
        "macro_f1": round(sum(m["f1"] for m in per_label.values()) / len(labels), 4),
        "exact_match": round(_ratio(sum(1 for g, p in zip(gold, predicted) if set(g) == set(p)), len(gold)), 4),
    }


def negation_false_positive_rate(gold, predicted, kinds):
    """Share of `negation` notes where the model raises a label the annotators did not give."""
    pairs = [(g, p) for g, p, kind in zip(gold, predicted, kinds) if kind == "negation"]
    wrong = sum(1 for g, p in pairs if set(p) - set(g))
    return {"notes": len(pairs), "with_false_positive": wrong, "rate": round(_ratio(wrong, len(pairs)), 4)}


def recommendation_accuracy(gold, predicted):
    """Accuracy over notes whose gold recommendation is not null (a predicted null counts as
    wrong), direction agreement, and how often a note that gives no call is read as none."""
    pairs = [(g, p) for g, p in zip(gold, predicted) if g is not None]
    exact = sum(1 for g, p in pairs if g == p)
    same_side = sum(1 for g, p in pairs if p is not None and g.endswith("no") == p.endswith("no"))
    unrated = [p for g, p in zip(gold, predicted) if g is None]
    return {"notes": len(pairs), "accuracy": round(_ratio(exact, len(pairs)), 4),
            "direction_accuracy": round(_ratio(same_side, len(pairs)), 4),
            "unrated_notes": len(unrated),
            "unrated_read_as_none": round(_ratio(sum(1 for p in unrated if p is None), len(unrated)), 4)}


def evaluate_predictions(records, predicted_labels, predicted_recommendations=None, *, labels=LABELS):
    """All metrics for one system on a list of labelled records."""
    gold = [set(record["labels"]) for record in records]
    predicted = [set(labels) for labels in predicted_labels]
    annotated = [set(record.get("annotated_for", labels)) for record in records]
    result = label_metrics(gold, predicted, labels, annotated)
    result["negation"] = negation_false_positive_rate(gold, predicted, [r.get("kind") for r in records])
    if predicted_recommendations is not None:
        # A note whose recommendation was never given (no key, unlike null) is not scored on it.
        rated = [(r["recommendation"], p) for r, p in zip(records, predicted_recommendations) if "recommendation" in r]
        result["recommendation"] = recommendation_accuracy([g for g, _ in rated], [p for _, p in rated])
    result["notes"] = len(records)
    return result
