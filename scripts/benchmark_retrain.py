"""Benchmark retraining: `callback-analyzer train --data` on the base corpus plus 1,000 new notes.

The whole command runs in a subprocess with a throwaway model registry: reading and checking
the new labels, merging them with the base corpus, training, scoring both models on the
held-out notes with bootstrap intervals, and saving the version. Median over --runs runs.

The "new" notes are corpus notes of the test split, each opened with a line that makes its
text new to the deduplication ("Second-round notes."): the same length and labels as real
notes, so the timing is fair. The comparison this run prints is not a quality figure, since
those notes' originals are in the evaluation set; only the time is.

    python scripts/benchmark_retrain.py [--new-notes 1000] [--runs 3] [--output FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.corpus import read_records  # noqa: E402
from analyzer.registry import HOME_ENV  # noqa: E402
from analyzer.training import TRAINING_SPLITS  # noqa: E402


def write_new_notes(path, count):
    """``count`` labelled notes in doccano's JSONL, as a team's annotation tool exports them."""
    pool = list(read_records(split="test"))
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(count):
            record = pool[index % len(pool)]
            opening = "Second-round notes." if index < len(pool) else f"Round {index // len(pool) + 2} notes."
            handle.write(json.dumps({"id": index + 1, "text": f"{opening}\n{record['text']}",
                                     "label": record["labels"]}) + "\n")


def time_retrain(data, home):
    command = [sys.executable, "-m", "analyzer", "train", "--data", str(data), "--force"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env={**os.environ, HOME_ENV: str(home)})
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-notes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", default=None, help="also write the figures as JSON")
    args = parser.parse_args()
    base = sum(1 for record in read_records() if record.get("split") in TRAINING_SPLITS)
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "new.jsonl"
        write_new_notes(data, args.new_notes)
        for run in range(args.runs):
            timings.append(time_retrain(data, Path(folder) / f"home{run}"))
            print(f"run {run + 1}: {timings[-1]:.1f} s", file=sys.stderr)
    result = {"retraining": {"base_notes": base, "new_notes": args.new_notes, "seconds": round(statistics.median(timings), 1),
                             "runs": args.runs, "command": "callback-analyzer train --data NEW.jsonl"}}
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
