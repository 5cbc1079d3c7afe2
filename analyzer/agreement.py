"""Inter-annotator agreement: Cohen's kappa per label between the corpus and a second annotator."""

from .labels import LABELS


def cohen_kappa(first, second):
    """Cohen's kappa for two equal-length sequences of binary decisions.

    >>> cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0])
    0.5
    """
    n = len(first)
    if n == 0 or n != len(second):
        raise ValueError("kappa needs two non-empty sequences of the same length")
    observed = sum(1 for a, b in zip(first, second) if a == b) / n
    p_first, p_second = sum(first) / n, sum(second) / n
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    if expected == 1.0:
        return 1.0
    return round((observed - expected) / (1 - expected), 4)


def agreement(gold_by_id, second_by_id, labels=LABELS):
    """Kappa, raw agreement and disagreeing ids per label over the ids both annotated."""
    ids = sorted(set(gold_by_id) & set(second_by_id))
    result = {"notes": len(ids), "labels": {}}
    for label in labels:
        first = [int(label in gold_by_id[i]) for i in ids]
        second = [int(label in second_by_id[i]) for i in ids]
        result["labels"][label] = {
            "kappa": cohen_kappa(first, second),
            "agreement": round(sum(a == b for a, b in zip(first, second)) / len(ids), 4),
            "disagreements": [i for i, a, b in zip(ids, first, second) if a != b],
        }
    return result
