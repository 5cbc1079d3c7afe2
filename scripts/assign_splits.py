"""Give new corpus notes an id and a split, leaving existing ids and splits untouched.

Splits are grouped by candidate (a candidate's notes all land in one split) and
stratified by label: each new candidate goes to the split that is furthest below its
target share for the labels that candidate's notes carry.

    python scripts/assign_splits.py corpus/notes.jsonl
"""

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.labels import LABELS  # noqa: E402

TARGETS = {"train": 0.66, "dev": 0.12, "test": 0.22}
SEED = 2026


def assign(records):
    for record in records:
        if not record.get("id"):
            prefix = record.get("candidate", "x").split("-")[0]
            record["id"] = prefix
    counters = defaultdict(int)
    taken = {r["id"] for r in records if r["id"] and "-" in r["id"]}
    for record in records:
        if "-" not in record["id"]:
            prefix = record["id"]
            while True:
                counters[prefix] += 1
                candidate_id = f"{prefix}-n{counters[prefix]:04d}"
                if candidate_id not in taken:
                    break
            record["id"] = candidate_id
            taken.add(candidate_id)

    by_candidate = defaultdict(list)
    for record in records:
        by_candidate[record["candidate"]].append(record)
    keys = ["notes", "clear", *LABELS]

    def profile(notes):
        row = {"notes": len(notes), "clear": sum(1 for n in notes if not n["labels"])}
        row.update({label: sum(1 for n in notes if label in n["labels"]) for label in LABELS})
        return row

    totals = defaultdict(int)
    for notes in by_candidate.values():
        for key, value in profile(notes).items():
            totals[key] += value
    counts = {split: defaultdict(int) for split in TARGETS}
    assigned = defaultdict(int)
    pending = []
    for candidate, notes in by_candidate.items():
        splits = {n.get("split") for n in notes} - {None}
        if splits:
            split = sorted(splits)[0]
            for note in notes:
                note["split"] = split
            for key, value in profile(notes).items():
                counts[split][key] += value
                assigned[key] += value
        else:
            pending.append(candidate)
    random.Random(SEED).shuffle(pending)
    # Rarer labels first, so they are spread before the common ones fill the splits.
    pending.sort(key=lambda c: -sum(profile(by_candidate[c])[label] / max(totals[label], 1) for label in LABELS))
    for candidate in pending:
        row = profile(by_candidate[candidate])

        def need(split):
            # How far this split lags its share of what has been assigned so far, once this
            # candidate is counted, summed over the labels the candidate's notes carry.
            return sum((TARGETS[split] * (assigned[key] + row[key]) - counts[split][key]) / max(totals[key], 1)
                       for key in keys if row[key])

        split = max(TARGETS, key=need)
        for note in by_candidate[candidate]:
            note["split"] = split
        for key, value in row.items():
            counts[split][key] += value
            assigned[key] += value
    return records


def main(path):
    path = Path(path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assign(records)
    order = ["id", "text", "labels", "recommendation", "topics", "followups", "flags", "kind", "format",
             "role", "seniority", "industry", "stage", "candidate", "interviewer", "requisition", "split"]
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            ordered = {key: record.get(key) for key in order if key in record}
            ordered.update({k: v for k, v in record.items() if k not in ordered})
            handle.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    print(f"{path}: {len(records)} notes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus/notes.jsonl")
