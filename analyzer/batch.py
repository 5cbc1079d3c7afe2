"""Batch analysis of an export: every row in, one record out, in order, analysed or with its error.

Rows stream through in chunks, so an export of a million notes never sits in memory whole;
with ``jobs`` above one, chunks go to worker processes forked with the model already loaded.

>>> from analyzer.io import NoteRow
>>> records = analyse_rows([NoteRow(row=1, id="a", text="   ")], model=None)
>>> next(records)["error"]
'row 1: the note is empty'
"""

import json
from collections import defaultdict
from itertools import islice

from .labels import recommendation_direction
from .note_checks import MAX_NOTE_CHARS, NoteRejected, prepare_note, protected_mentions
from .summary import plan_for_analysis, plan_formats, plan_panel, rank_requisition, recheck_list

CHUNK_SIZE = 256
EXIT_ROWS_FAILED = 3  # some rows could not be analysed; the output still holds every row


def _where(row):
    return f"row {row.row}" + (f" ({row.location})" if row.location else "")


def _base_record(row):
    return {
        "row": row.row, "id": row.id if row.id is not None else str(row.row),
        "status": "ok", "error": None,
        "candidate": row.candidate, "interviewer": row.interviewer, "role": row.role,
        "requisition": row.requisition,
        "labels": [], "scores": {}, "evidence": {},
        "recommendation": {"stated": row.stated_recommendation, "inferred": None, "mismatch": False},
        "next_round": [], "flags": [],
    }


def error_record(row, reason):
    """The record of a row that could not be analysed, naming the row and why."""
    record = _base_record(row)
    record["status"] = "error"
    record["error"] = reason if reason.startswith("row ") else f"{_where(row)}: {reason}"
    return record


def note_record(row, prepared, analysis, formats=None):
    """The record of an analysed row: labels, scores, evidence, recommendation, plan and flags."""
    record = _base_record(row)
    stated, inferred = row.stated_recommendation, analysis.recommendation
    record.update({
        "labels": list(analysis.labels),
        "scores": {label: round(score, 4) for label, score in analysis.scores.items()},
        "evidence": {label: [item.to_dict() for item in items] for label, items in analysis.evidence.items()},
        "recommendation": {"stated": stated, "inferred": inferred,
                           "mismatch": recommendation_direction(stated) * recommendation_direction(inferred) < 0},
        "next_round": plan_for_analysis(prepared.text, analysis, formats=formats),
        "flags": [*(["protected_characteristic"] if protected_mentions(prepared.text) else []), *prepared.flags],
    })
    return record


def _analyse_chunk(rows, model, max_chars):
    prepared, records = [], [None] * len(rows)
    for position, row in enumerate(rows):
        if row.error:
            records[position] = error_record(row, row.error)
            continue
        try:
            prepared.append((position, prepare_note(row.text, max_chars=max_chars)))
        except NoteRejected as problem:
            records[position] = error_record(row, str(problem))
    if prepared:
        analyses = model.analyze_many([note.text for _, note in prepared], batch_size=len(prepared))
        formats = plan_formats(model.info.get("label_descriptions"))
        for (position, note), analysis in zip(prepared, analyses):
            records[position] = note_record(rows[position], note, analysis, formats)
    return records


_WORKER_MODEL = None


def _worker_chunk(arguments):
    rows, max_chars = arguments
    return _analyse_chunk(rows, _WORKER_MODEL, max_chars)


def analyse_rows(rows, model, *, jobs=1, chunk_size=CHUNK_SIZE, max_chars=MAX_NOTE_CHARS):
    """Yield one record per row, in order. A bad row becomes an error record; it never stops the batch.

    ``rows`` are ``analyzer.io.NoteRow``; ``model`` a loaded ``CallbackModel``. With ``jobs`` > 1
    the chunks are analysed in forked worker processes, at most two chunks per worker in flight.
    """
    iterator = iter(rows)
    chunks = iter(lambda: list(islice(iterator, chunk_size)), [])
    if jobs <= 1:
        for chunk in chunks:
            yield from _analyse_chunk(chunk, model, max_chars)
        return
    yield from _analyse_in_workers(chunks, model, jobs, max_chars)


def _analyse_in_workers(chunks, model, jobs, max_chars):
    import multiprocessing
    from collections import deque

    global _WORKER_MODEL
    _WORKER_MODEL = model  # inherited by the forked workers, so the model is loaded once
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        pending = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_worker_chunk, ((chunk, max_chars),)))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


class PanelCollector:
    """Gathers what panels need from each record as the batch streams past, and nothing more.

    Each note's few panel fields go to a temporary SQLite file rather than memory, so the
    panels of a million-note export cost disk, not RAM; ``panels()`` then reads them back one
    candidate at a time. Use it as a context manager, or call ``close()``, to remove the file.
    """

    def __init__(self):
        import sqlite3
        import tempfile

        self._folder = tempfile.TemporaryDirectory(prefix="callback-analyzer-")
        self._db = sqlite3.connect(f"{self._folder.name}/panels.sqlite")
        # Sorting a million notes by candidate happens on disk, within a small page cache.
        self._db.execute("PRAGMA temp_store = FILE")
        self._db.execute("PRAGMA cache_size = -16000")
        self._db.execute("CREATE TABLE notes (candidate INTEGER, row INTEGER, data TEXT)")
        self._candidates = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._db.close()
        self._folder.cleanup()

    def add(self, record):
        """Keep the parts of a record that panels and rankings read; skip rows without a candidate."""
        if not record.get("candidate"):
            return
        number = self._candidates.setdefault(record["candidate"], len(self._candidates))
        recommendation = record["recommendation"]
        note = [record["row"], record["status"], record["interviewer"], record["role"], record["requisition"],
                record["labels"], [record["scores"][label] for label in record["labels"]],
                recommendation["stated"], recommendation["inferred"],
                [[item["kind"], item["label"], item["cover"], item["format"], item["who"],
                  item["source"]["start"], item["source"]["end"]] for item in record["next_round"]]]
        self._db.execute("INSERT INTO notes VALUES (?, ?, ?)",
                         (number, record["row"], json.dumps(note, ensure_ascii=False, separators=(",", ":"))))

    def panels(self):
        """One panel per candidate, in the order candidates first appeared, one at a time."""
        self._db.commit()
        names = list(self._candidates)
        current, notes = None, []
        for number, data in self._db.execute("SELECT candidate, data FROM notes ORDER BY candidate, row"):
            if number != current and notes:
                yield plan_panel(names[current], notes)
                notes = []
            current = number
            notes.append(_note_from_row(json.loads(data)))
        if notes:
            yield plan_panel(names[current], notes)

    def panel_of(self, candidate):
        """The panel of one candidate."""
        self._db.execute("CREATE INDEX IF NOT EXISTS by_candidate ON notes (candidate, row)")
        rows = self._db.execute("SELECT data FROM notes WHERE candidate = ? ORDER BY row",
                                (self._candidates[candidate],))
        return plan_panel(candidate, [_note_from_row(json.loads(data)) for (data,) in rows])

    def rankings(self, outlines):
        """Each opening's ranking from its panels' outlines (see ``panel_outline``), one opening
        at a time; the runner-up's re-check list comes from their whole panel, read back alone."""
        grouped = defaultdict(list)
        for outline in outlines:
            if outline[1]:
                grouped[outline[1]].append(outline)
        for requisition, members in grouped.items():
            ranking = rank_requisition(requisition, [
                {"candidate": candidate, "requisition": requisition, "role": role, "outcome_score": outcome,
                 "decision": decision, "concerns": [None] * concerns, "next_round": []}
                for candidate, requisition, role, outcome, decision, concerns in members])
            for entry in ranking["ranking"]:
                if entry["status"] == "second in line":
                    entry["recheck"] = recheck_list(self.panel_of(entry["candidate"]))
            yield ranking


def _note_from_row(note):
    row, status, interviewer, role, requisition, labels, scores, stated, inferred, items = note
    return {
        "row": row, "status": status, "interviewer": interviewer, "role": role, "requisition": requisition,
        "labels": labels, "scores": dict(zip(labels, scores)),
        "recommendation": {"stated": stated, "inferred": inferred},
        "next_round": [{"kind": kind, "label": label, "cover": cover, "format": format_, "who": who,
                        "source": {"text": cover, "start": start, "end": end}}
                       for kind, label, cover, format_, who, start, end in items],
    }


def panel_outline(panel):
    """What ranking an opening needs from a panel, as a small tuple: a million-note export has
    hundreds of thousands of candidates to hold while their openings are ranked."""
    return (panel["candidate"], panel["requisition"], panel["role"], panel["outcome_score"], panel["decision"],
            len(panel["concerns"]))


def rank_requisitions(panels):
    """One ranking per requisition that has at least one candidate, in first-seen order."""
    grouped = defaultdict(list)
    for panel in panels:
        if panel["requisition"]:
            grouped[panel["requisition"]].append(panel)
    return [rank_requisition(requisition, members) for requisition, members in grouped.items()]


__all__ = ["analyse_rows", "error_record", "note_record", "PanelCollector", "panel_outline", "rank_requisitions",
           "EXIT_ROWS_FAILED"]
