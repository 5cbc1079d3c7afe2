"""Speed figures for the README and the model card, as medians over repeated runs.

    python scripts/benchmark.py [--runs 7] [--skip-training] [--only throughput]

1. ``classify`` of one note, cold (a new process each time), as a ratio to
   ``python -c "import spacy; spacy.blank('en')"``.
2. In-process ``analyze_many`` throughput on the corpus, as a ratio to spaCy's blank
   tokenizer alone (``nlp.pipe``) on the same notes.
3. Training time on the full corpus (train and dev splits).
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOTE = ("Solid on the fundamentals of cost accounting, but when I asked about transfer pricing "
        "she guessed. Talked over my colleague twice. Lean no for this role.")


def median_wall(command, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start(runs):
    baseline = median_wall([sys.executable, "-c", "import spacy; spacy.blank('en')"], runs)
    classify = median_wall([sys.executable, "-m", "analyzer", "classify", NOTE], runs)
    return {"classify_s": round(classify, 3), "spacy_blank_s": round(baseline, 3),
            "ratio": round(classify / baseline, 3), "runs": runs}


def throughput(runs):
    import spacy

    from analyzer.corpus import read_records
    from analyzer.model import load_model

    texts = [r["text"] for r in read_records()]
    model = load_model()
    nlp = spacy.blank("en")
    list(model.analyze_many(texts[:200]))  # warm the shared pipeline

    def seconds(function):
        start = time.perf_counter()
        function()
        return time.perf_counter() - start

    # The two alternate, so that a change in the machine's load between runs hits both.
    samples = [(seconds(lambda: sum(1 for _ in nlp.pipe(texts, batch_size=256))),
                seconds(lambda: sum(1 for _ in model.analyze_many(texts)))) for _ in range(runs)]
    tokenizer = statistics.median(sample[0] for sample in samples)
    analysis = statistics.median(sample[1] for sample in samples)
    return {"notes": len(texts), "tokenizer_notes_per_s": round(len(texts) / tokenizer),
            "analyze_many_notes_per_s": round(len(texts) / analysis), "ratio": round(tokenizer / analysis, 3)}


def training_time():
    from analyzer.model import train
    from analyzer.training import training_records

    records = training_records()
    start = time.perf_counter()
    train(records)
    return {"notes": len(records), "seconds": round(time.perf_counter() - start, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--only", choices=("cold_classify", "throughput", "training"), default=None,
                        help="measure this one figure")
    parser.add_argument("--output", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.only:
        wanted = {args.only}
    else:
        wanted = {"cold_classify", "throughput"} if args.skip_training else {"cold_classify", "throughput", "training"}
    results = {}
    if args.only and args.output and args.output.exists():
        results = json.loads(args.output.read_text())  # the other figures keep their last measurement
    if "cold_classify" in wanted:
        results["cold_classify"] = cold_start(args.runs)
    if "throughput" in wanted:
        results["throughput"] = throughput(max(3, args.runs // 2))
    if "training" in wanted:
        results["training"] = training_time()
    print(json.dumps(results, indent=2))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
