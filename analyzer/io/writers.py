"""Writing batch results: JSON Lines as they come, or a flat CSV for spreadsheets.

Both writers take the batch record dicts one at a time and write each as soon as it
arrives, so a batch over a large export never holds its results in memory.
"""

import csv
import json

from ..labels import LABELS

def csv_columns(labels=LABELS):
    """The CSV header: a score column for each of the model's labels, a team's own included."""
    return ("row", "id", "status", "error", "candidate", "interviewer", "role", "requisition", "labels",
            *(f"score_{label}" for label in labels),
            "recommendation_stated", "recommendation_inferred", "recommendation_mismatch",
            "evidence", "next_round", "flags")


CSV_COLUMNS = csv_columns()


def write_jsonl(records, stream):
    """Write each record as one JSON object per line; returns how many were written.

    >>> import io
    >>> write_jsonl([{"row": 1, "id": "n1", "status": "ok"}], io.StringIO())
    1
    """
    count = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _text(value):
    return "" if value is None else str(value)


def _flag(value):
    return "" if value is None else ("true" if value else "false")


def _score(value):
    return "" if value is None else f"{value:.4f}"


def csv_row(record, labels=LABELS):
    """One batch record flattened into the values of ``csv_columns(labels)``."""
    scores = record.get("scores") or {}
    recommendation = record.get("recommendation") or {}
    evidence = record.get("evidence") or {}
    return [
        _text(record.get("row")), _text(record.get("id")), _text(record.get("status")), _text(record.get("error")),
        _text(record.get("candidate")), _text(record.get("interviewer")), _text(record.get("role")),
        _text(record.get("requisition")), ";".join(record.get("labels") or []),
        *(_score(scores.get(label)) for label in labels),
        _text(recommendation.get("stated")), _text(recommendation.get("inferred")),
        _flag(recommendation.get("mismatch")),
        " | ".join(f"{label}: {item.get('text', '')}" for label, items in evidence.items() for item in items),
        "; ".join(f"{item.get('cover')} ({item.get('format')})" if item.get("format") else _text(item.get("cover"))
                  for item in record.get("next_round") or []),
        ";".join(record.get("flags") or []),
    ]


def write_csv(records, stream, *, labels=LABELS):
    """Write a header, then one flat row per record as it comes; returns how many were written.

    Labels and flags are joined with ";", each of ``labels`` (the model's) gets a score
    column, evidence reads "label: text | ..." and the next round "cover (format); ...".
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(csv_columns(labels))
    count = 0
    for record in records:
        writer.writerow(csv_row(record, labels))
        count += 1
    return count
