"""Score a model on the test split per writer slice and per wave of slices.

The corpus was written in slices (a candidate id's prefix, e.g. ``f3``) and waves of slices
(the prefix's letter). Scores by slice show which writers the model reads worst; ``--only``
restricts the split to some slices or waves, e.g. the notes a past release was scored on:

    python scripts/evaluate_by_slice.py [--model DIR] [--only b c d1 d2]
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.corpus import read_records, slice_selected, writer_slice  # noqa: E402
from analyzer.evaluate import evaluate_predictions  # noqa: E402


def row(name, pairs):
    records = [record for record, _ in pairs]
    metrics = evaluate_predictions(records, [a.labels for _, a in pairs], [a.recommendation for _, a in pairs])
    negation = metrics["negation"]
    return (f"{name:<8} {len(records):>6} {metrics['macro_f1']:>9.3f} "
            f"{negation['rate']:>8.1%} ({negation['with_false_positive']}/{negation['notes']})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="model directory (default: the current model)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="slices or waves to keep (a slice id starts with any of these)")
    args = parser.parse_args()
    from analyzer.model import load_model

    records = [r for r in read_records(split="test")
               if slice_selected(writer_slice(r), args.only)]
    if not records:
        parser.error(f"no test notes in the slices {args.only}")
    analyses = load_model(args.model).analyze_many(r["text"] for r in records)
    pairs = list(zip(records, analyses))
    by_wave, by_slice = defaultdict(list), defaultdict(list)
    for record, analysis in pairs:
        by_wave[writer_slice(record)[0]].append((record, analysis))
        by_slice[writer_slice(record)].append((record, analysis))
    print(f"{'notes of':<8} {'notes':>6} {'macro-F1':>9} {'negation false positives':>8}")
    print(row("all", pairs))
    for name in sorted(by_wave):
        print(row(f"wave {name}", by_wave[name]))
    for name in sorted(by_slice):
        print(row(name, by_slice[name]))


if __name__ == "__main__":
    main()
