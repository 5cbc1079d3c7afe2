"""Statistics and diversity checks over a labelled corpus, as plain dicts.

The data card, the corpus tests and the notebook all read these numbers, so nobody types
a statistic by hand. No spaCy or scikit-learn here.
"""

import re
from collections import Counter, defaultdict
from itertools import combinations
from statistics import median

from .labels import LABELS, recommendation_direction

WORD = re.compile(r"[A-Za-z0-9']+")

# The words that name each label outright; notes should show behaviour instead.
LABEL_NAME_PATTERNS = {
    "skill_gap": re.compile(r"\bskills?[ -]gaps?\b", re.I),
    "fit_doubt": re.compile(r"\bcultur(?:e|al)[ -]fit\b", re.I),
    "arrogance": re.compile(r"\b(?:arrogan(?:t|ce)|cocky|cockiness)\b", re.I),
    "alternate_role": re.compile(r"\b(?:another|different|other) (?:role|position)\b", re.I),
}


def words(text):
    return WORD.findall(text.lower())


def word_count(text):
    return len(text.split())


def opening(text, n=4):
    """The first n words, lowercased, punctuation dropped."""
    return " ".join(words(text)[:n])


def shingles(text, n=5):
    tokens = words(text)
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def near_duplicate_pairs(records, *, n=5, threshold=0.5):
    """Pairs of record ids whose word-n-gram Jaccard similarity exceeds ``threshold``."""
    sets = [shingles(r["text"], n) for r in records]
    index = defaultdict(list)
    for position, shingle_set in enumerate(sets):
        for shingle in shingle_set:
            index[shingle].append(position)
    candidates = set()
    for positions in index.values():
        if 1 < len(positions) < 200:
            candidates.update(combinations(positions, 2))
    pairs = []
    for a, b in sorted(candidates):
        union = len(sets[a] | sets[b])
        if union and len(sets[a] & sets[b]) / union > threshold:
            pairs.append((records[a]["id"], records[b]["id"]))
    return pairs


def panels(records):
    """Notes grouped by candidate."""
    grouped = defaultdict(list)
    for record in records:
        if record.get("candidate"):
            grouped[record["candidate"]].append(record)
    return grouped


def is_conflicting(panel_records):
    """A yes side and a no side among the panel's recommendations."""
    directions = {recommendation_direction(r.get("recommendation")) for r in panel_records}
    return 1 in directions and -1 in directions


def corpus_statistics(records):
    """Every figure the data card reports and the floors check."""
    records = list(records)
    lengths = [word_count(r["text"]) for r in records]
    label_counts = Counter(label for r in records for label in r["labels"])
    grouped = panels(records)
    panel_sizes = {c: len(notes) for c, notes in grouped.items()}
    multi_note_panels = {c: notes for c, notes in grouped.items()
                         if 2 <= len(notes) <= 5 and len({n.get("interviewer") for n in notes}) == len(notes)}
    requisition_candidates = defaultdict(set)
    for r in records:
        if r.get("requisition") and r.get("candidate"):
            requisition_candidates[r["requisition"]].add(r["candidate"])
    openings = Counter(opening(r["text"]) for r in records)
    split_of_candidate = defaultdict(set)
    for r in records:
        split_of_candidate[r.get("candidate")].add(r.get("split"))
    label_name_share = {}
    for label, pattern in LABEL_NAME_PATTERNS.items():
        carrying = [r for r in records if label in r["labels"]]
        named = sum(1 for r in carrying if pattern.search(r["text"]))
        label_name_share[label] = round(named / len(carrying), 4) if carrying else 0.0
    co_occurrence = {a: {b: sum(1 for r in records if a in r["labels"] and b in r["labels"]) for b in LABELS}
                     for a in LABELS}
    per_split = {}
    for split in ("train", "dev", "test"):
        subset = [r for r in records if r.get("split") == split]
        per_split[split] = {
            "notes": len(subset),
            "share": round(len(subset) / len(records), 4) if records else 0.0,
            "labels": {label: sum(1 for r in subset if label in r["labels"]) for label in LABELS},
            "clear": sum(1 for r in subset if not r["labels"]),
        }
    return {
        "notes": len(records),
        "industries": dict(Counter(r.get("industry") for r in records).most_common()),
        "roles": len({r.get("role") for r in records}),
        "seniority": dict(Counter(r.get("seniority") for r in records).most_common()),
        "stages": dict(Counter(r.get("stage") for r in records).most_common()),
        "formats": dict(Counter(r.get("format") for r in records).most_common()),
        "length": {"min": min(lengths), "max": max(lengths), "median": median(lengths),
                   "under_10": sum(1 for n in lengths if n < 10), "over_200": sum(1 for n in lengths if n > 200)},
        "labels": {label: label_counts.get(label, 0) for label in LABELS},
        "clear": sum(1 for r in records if not r["labels"]),
        "multi_label": sum(1 for r in records if len(r["labels"]) >= 2),
        "co_occurrence": co_occurrence,
        "kinds": dict(Counter(r.get("kind") for r in records).most_common()),
        "recommendations": dict(Counter(str(r.get("recommendation")) for r in records).most_common()),
        "protected_characteristic": sum(1 for r in records if "protected_characteristic" in r.get("flags", [])),
        "protected_by_label": {
            **{label: sum(1 for r in records if label in r["labels"] and "protected_characteristic" in r.get("flags", []))
               for label in LABELS},
            "clear": sum(1 for r in records if not r["labels"] and "protected_characteristic" in r.get("flags", [])),
        },
        "with_followups": sum(1 for r in records if r.get("followups")),
        "candidates": len(grouped),
        "panels_2_to_5": len(multi_note_panels),
        "conflicting_panels": sum(1 for notes in multi_note_panels.values() if is_conflicting(notes)),
        "single_note_candidates": sum(1 for size in panel_sizes.values() if size == 1),
        "requisitions": len(requisition_candidates),
        "requisitions_3_plus": sum(1 for cands in requisition_candidates.values() if len(cands) >= 3),
        "exact_duplicates": len(records) - len({r["text"].strip() for r in records}),
        "unique_ids": len({r["id"] for r in records}),
        "max_opening_repeats": max(openings.values()) if openings else 0,
        "repeated_openings": {o: c for o, c in openings.items() if c >= 4},
        "label_name_share": label_name_share,
        "candidates_in_several_splits": sum(1 for splits in split_of_candidate.values() if len(splits) > 1),
        "splits": per_split,
    }
