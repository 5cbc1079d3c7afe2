"""Benchmark `callback-analyzer batch`: end-to-end throughput and peak memory.

Builds a CSV export by cycling the corpus notes (with candidate, interviewer and requisition
columns, so panels are real), then:
- throughput: the whole batch command (CSV in, JSONL with plans out) on N notes, in a
  subprocess, against spaCy's blank tokenizer alone on the same notes; with --jobs 1 and 2;
- memory: peak RSS of the batch command on a larger export.
Medians over --runs runs.

    python scripts/benchmark_batch.py [--notes 100000] [--rss-notes 1000000] [--runs 3] [--output FILE]
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.corpus import read_records  # noqa: E402

TOKENIZER = """
import csv, sys, time
import spacy
csv.field_size_limit(10**7)
nlp = spacy.blank("en")
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    texts = [row["feedback"] for row in csv.DictReader(handle)]
start = time.perf_counter()
for _ in nlp.pipe(texts, batch_size=256):
    pass
print(time.perf_counter() - start)
"""


def write_export(path, count):
    """A CSV export of ``count`` notes cycling through the corpus, 3 notes per candidate."""
    records = list(read_records())
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "candidate", "interviewer", "requisition", "recommendation", "feedback"])
        for index in range(count):
            record = records[index % len(records)]
            writer.writerow([f"n{index}", f"c{index // 3}", f"i{index % 7}", f"r{index // 30}",
                             record["recommendation"] or "", record["text"]])


# Runs one command and reports its wall time and peak RSS, so each figure is that command's alone.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stderr=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def time_batch(path, jobs, panels):
    """Wall seconds and peak RSS in MB of one batch run."""
    command = [sys.executable, "-m", "analyzer", "batch", str(path), "--jobs", str(jobs), "-o", os.devnull]
    if panels:
        command += ["--panels", os.devnull, "--requisitions", os.devnull]
    output = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, capture_output=True,
                            text=True, cwd=ROOT)
    seconds, peak_kib = output.stdout.split()
    return float(seconds), int(peak_kib) / 1024


def time_tokenizer(path):
    output = subprocess.run([sys.executable, "-c", TOKENIZER, str(path)], check=True, capture_output=True, text=True)
    return float(output.stdout.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--rss-notes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", default=None, help="also write the figures as JSON")
    parser.add_argument("--only", choices=["throughput", "memory"], default=None,
                        help="measure one part; the other keeps its figures in --output")
    args = parser.parse_args()
    result = {}
    if args.only and args.output and Path(args.output).exists():
        result = json.loads(Path(args.output).read_text())
    with tempfile.TemporaryDirectory() as folder:
        if args.only != "memory":
            export = Path(folder) / "export.csv"
            write_export(export, args.notes)
            tokenizer = statistics.median(time_tokenizer(export) for _ in range(args.runs))
            result["throughput"] = {"notes": args.notes, "tokenizer_notes_per_s": round(args.notes / tokenizer)}
            for jobs in (1, 2):
                elapsed = statistics.median(time_batch(export, jobs, panels=False)[0] for _ in range(args.runs))
                result["throughput"][f"batch_jobs{jobs}_notes_per_s"] = round(args.notes / elapsed)
                result["throughput"][f"batch_jobs{jobs}_ratio"] = round(tokenizer / elapsed, 3)
                print(f"jobs={jobs}: {args.notes / elapsed:,.0f} notes/s, {tokenizer / elapsed:.2f}× the tokenizer",
                      file=sys.stderr)
            export.unlink()
        if args.only != "throughput" and args.rss_notes:
            big = Path(folder) / "big.csv"
            write_export(big, args.rss_notes)
            elapsed, peak = time_batch(big, 1, panels=True)
            result["memory"] = {"notes": args.rss_notes, "peak_rss_mb": round(peak), "seconds": round(elapsed, 1),
                                "with_panels_and_rankings": True}
            print(f"{args.rss_notes:,} notes with panels: peak RSS {peak:,.0f} MB in {elapsed:,.0f} s", file=sys.stderr)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
