"""The comparison behind the promotion gate: deltas, bootstrap intervals, the decision."""

import pytest

from analyzer.comparison import compare_predictions, promotion_decision
from analyzer.labels import LABELS


def records_and_predictions(n=200):
    """Gold labels cycling over the labels; a perfect system and one that misses every other skill_gap."""
    records = [{"text": f"note {i}", "labels": [LABELS[i % 4]] if i % 5 else [], "recommendation": "yes"}
               for i in range(n)]
    perfect = [list(r["labels"]) for r in records]
    sloppy = [[] if (r["labels"] == ["skill_gap"] and i % 8 == 0) else list(r["labels"]) for i, r in enumerate(records)]
    return records, perfect, sloppy


def compare(records, current, candidate, labels=LABELS, current_labels=LABELS):
    recommendations = ["yes"] * len(records)
    return compare_predictions(records, (current, recommendations) if current is not None else None,
                               (candidate, recommendations), current_labels=current_labels,
                               candidate_labels=labels, resamples=300)


def test_comparison_reports_per_label_and_macro_deltas_with_intervals():
    records, perfect, sloppy = records_and_predictions()
    comparison = compare(records, perfect, sloppy)
    row = comparison["labels"]["skill_gap"]
    assert row["current"] == 1.0 and row["candidate"] < 1.0 and row["delta"] < 0
    assert row["ci"][0] <= row["delta"] <= row["ci"][1] and row["ci"][1] < 0
    assert comparison["labels"]["arrogance"]["delta"] == 0 and comparison["labels"]["arrogance"]["ci"] == [0.0, 0.0]
    macro = comparison["macro_f1"]
    assert macro["delta"] == pytest.approx(row["delta"] / 4, abs=1e-3)


def test_comparison_gate_refuses_a_drop_beyond_the_tolerance_and_names_the_label():
    records, perfect, sloppy = records_and_predictions()
    promote, reason = promotion_decision(compare(records, perfect, sloppy), tolerance=0.01)
    assert not promote and "skill_gap" in reason
    assert promotion_decision(compare(records, perfect, sloppy), tolerance=0.5)[0]
    assert promotion_decision(compare(records, sloppy, perfect), tolerance=0.0)[0]


def test_comparison_judges_a_new_category_apart_from_the_gate():
    records, perfect, _ = records_and_predictions()
    for i, record in enumerate(records):
        record["annotated_for"] = [*LABELS, "extra"] if i >= 150 else list(LABELS)
        if i >= 150 and i % 3 == 0:
            record["labels"] = [*record["labels"], "extra"]
    candidate = [list(r["labels"]) for r in records]
    comparison = compare(records, perfect, candidate, labels=(*LABELS, "extra"))
    extra = comparison["labels"]["extra"]
    assert extra["new"] and extra["current"] is None and extra["candidate"] == 1.0
    assert extra["support"] == sum(1 for i in range(150, 200) if i % 3 == 0)
    assert comparison["shared_labels"] == list(LABELS)


def test_comparison_without_a_current_model_promotes_and_says_why():
    records, perfect, _ = records_and_predictions()
    comparison = compare(records, None, perfect, current_labels=None)
    promote, reason = promotion_decision(comparison)
    assert promote and "no current model" in reason
