"""Draw a stratified sample of corpus notes for an independent second annotation.

    python scripts/sample_for_annotation.py ROUND_NAME [--size 320] [--exclude earlier.jsonl ...]
                                           [--slices d3 d4 ...]

Writes corpus/annotation/<ROUND_NAME>_texts.jsonl holding only ``id`` and ``text``: the second
annotator sees the text and the guidelines, never the corpus labels. Strata are (kind,
label), so hard cases and every label are represented. ``--slices`` draws only from the writer
slices named (a candidate id's prefix), to check the agreement of newly added notes.
"""

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.corpus import read_records, writer_slice  # noqa: E402


def stratified_sample(records, size, seed):
    strata = defaultdict(list)
    for record in records:
        key = (record.get("kind"), record["labels"][0] if record["labels"] else "clear")
        strata[key].append(record)
    rng = random.Random(seed)
    for members in strata.values():
        rng.shuffle(members)
    chosen = []
    # Round-robin over strata so small strata (rare label × kind) are not crowded out.
    while len(chosen) < size and any(strata.values()):
        for key in sorted(strata, key=str):
            if strata[key] and len(chosen) < size:
                chosen.append(strata[key].pop())
    rng.shuffle(chosen)
    return chosen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("round_name")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--exclude", nargs="*", default=[])
    parser.add_argument("--slices", nargs="*", default=None, help="only notes whose candidate id starts with these")
    args = parser.parse_args()
    excluded = set()
    for path in args.exclude:
        excluded |= {json.loads(line)["id"] for line in Path(path).read_text().splitlines() if line.strip()}
    records = [r for r in read_records(ROOT / "corpus") if r["id"] not in excluded
               and (args.slices is None or writer_slice(r) in args.slices)]
    sample = stratified_sample(records, args.size, args.seed)
    out = ROOT / "corpus" / "annotation" / f"{args.round_name}_texts.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for record in sample:
            handle.write(json.dumps({"id": record["id"], "text": record["text"]}, ensure_ascii=False) + "\n")
    print(f"wrote {len(sample)} notes to {out}")


if __name__ == "__main__":
    main()
