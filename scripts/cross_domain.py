"""Leave-one-slice-out evaluation: how well the model carries to notes from other writers.

The corpus was written in slices (industries × interviewer personas); a candidate id's
prefix names its slice. Train on all slices but one, score on the one left out, for each
slice. This is the closest in-repo proxy for an evaluation set written by other hands.

    python scripts/cross_domain.py [--baseline] [--jobs 2] [--only g h] [--json PATH]

``--only`` holds out just the slices named (or whose id starts with a prefix given), each
still scored by a model trained on every other slice: a quicker look at a few slices.
"""

import argparse
import json
import multiprocessing
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.corpus import fingerprint, read_records, slice_selected, writer_slice  # noqa: E402
from analyzer.evaluate import evaluate_predictions  # noqa: E402


RECORDS = []  # the corpus, read once before the worker processes fork


def score_slice(held_out, baseline=False):
    """Train on every slice but ``held_out`` and score the model on it."""
    from analyzer.baselines import TfidfLogisticBaseline
    from analyzer.model import train

    train_set = [r for r in RECORDS if writer_slice(r) != held_out]
    test_set = [r for r in RECORDS if writer_slice(r) == held_out]
    model = train(train_set)
    analyses = list(model.analyze_many(r["text"] for r in test_set))
    metrics = evaluate_predictions(test_set, [a.labels for a in analyses], [a.recommendation for a in analyses])
    row = {"notes": len(test_set), "macro_f1": metrics["macro_f1"], "negation_fp": metrics["negation"]["rate"],
           "recommendation_acc": metrics["recommendation"]["accuracy"],
           "per_label_f1": {k: v["f1"] for k, v in metrics["per_label"].items()}}
    if baseline:
        predicted = TfidfLogisticBaseline().fit(train_set).predict([r["text"] for r in test_set])
        row["baseline_macro_f1"] = evaluate_predictions(test_set, predicted)["macro_f1"]
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", action="store_true", help="also score default TF-IDF + LogisticRegression")
    parser.add_argument("--jobs", type=int, default=1, help="slices scored at once, one process each")
    parser.add_argument("--only", nargs="*", default=None, help="hold out only these slices or slice prefixes")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()

    RECORDS.extend(read_records())
    slices = sorted(name for name in {writer_slice(r) for r in RECORDS} if slice_selected(name, args.only))
    results = {}
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        rows = pool.map(score_slice, slices, [args.baseline] * len(slices))
        for held_out, row in zip(slices, rows):
            results[held_out] = row
            print(held_out, json.dumps(row), flush=True)
    summary = {key: round(statistics.mean(r[key] for r in results.values()), 4)
               for key in ("macro_f1", "negation_fp", "recommendation_acc", *(["baseline_macro_f1"] if args.baseline else []))}
    print("mean", json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"corpus_fingerprint": fingerprint(), "slices": results, "mean": summary,
                                         **({"only": args.only} if args.only else {})}, indent=2) + "\n")


if __name__ == "__main__":
    main()
