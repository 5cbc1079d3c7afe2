"""Read notes that people labelled in an annotation tool, for retraining; standard library only.

``read_labelled`` reads our own JSON Lines and CSV, doccano's text-classification exports
(JSONL and CSV), Label Studio's JSON and JSON_MIN exports of a Choices project, and the JSONL
of Prodigy's choice interface. Every label is checked against the known categories and never
corrected: a near miss ("Skill-Gap") is an error that names the label it probably means.
Every problem in every file is collected and raised once, as a ``LabelledDataError``, so a
half-read file is never trained on.

Notes with the same text (whitespace aside) are merged when their labels agree and reported
as conflicts when they do not; ``merge_with_base`` applies the same rules between the corpus
and the new notes, the corpus first.
"""

import codecs
import csv
import difflib
import json
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .errors import InputFormatError, LabelledDataError
from .io.columns import SYNONYMS, column_key
from .io.jsonstream import JSONStream
from .labels import KINDS, LABELS, RECOMMENDATIONS

FORMATS = ("jsonl", "csv", "doccano-jsonl", "doccano-csv", "label-studio", "label-studio-min", "prodigy")
ON_CONFLICT = ("error", "prefer-last", "drop")
CLEAR = ("clear", "none", "")  # label values that mean the note has no labels
MAX_PROBLEMS = 20  # an error message lists this many problems, then says how many more
PREVIEW_CHARS = 60
RECOMMENDATION_CONTROL = "recommendation"  # the Label Studio Choices control read as the recommendation

_NEW_LABEL = re.compile(r"[a-z][a-z0-9_]*\Z")
_SURROGATES = re.compile("[\ud800-\udfff]")
_OUR_CSV_SEPARATORS = re.compile(r"[;,|]")
_MISSING = object()
_INVALID = object()

# JSON_MIN copies the task's data next to one key per control: these keys are never controls.
_LABEL_STUDIO_META = {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement",
                      "completed_by", "drafts", "predictions", "meta"}
_NOT_CONTROLS = {column_key(name) for name in (
    *_LABEL_STUDIO_META,
    *(name for kind in ("text", "id", "candidate", "interviewer", "role", "requisition") for name in SYNONYMS[kind]),
    # fields of our corpus records, and of the suggestions analyzer.labelling writes for Label Studio
    "kind", "format", "seniority", "industry", "stage", "split", "uncertainty", "uncertain", "scores",
)}


@dataclass(frozen=True)
class Conflict:
    """One text labelled two ways: each side is ``(source, labels)``; ``recommendations``
    holds both sides' recommendations when those differ too (or instead)."""

    text_preview: str
    first: tuple
    second: tuple
    recommendations: tuple | None = None

    def describe(self):
        """The conflict as one problem line: where, what differs, and the way out."""
        (first_source, first_labels), (second_source, second_labels) = self.first, self.second
        if set(first_labels) != set(second_labels):
            name, first_value, second_value = "labels", _labels_text(first_labels), _labels_text(second_labels)
            if self.recommendations:
                first_value += f" (recommendation {self.recommendations[0]!r})"
                second_value += f" (recommendation {self.recommendations[1]!r})"
        else:
            name, (first_value, second_value) = "recommendation", (repr(r) for r in self.recommendations)
        return (f"{second_source}: field '{name}': {second_value} conflicts with {first_value} at {first_source} "
                f"for the same note (\"{self.text_preview}\"); correct one of them, or pass --on-conflict "
                "prefer-last (the later one wins) or --on-conflict drop (both are left out)")


@dataclass
class LabelledSet:
    """Labelled notes ready to train on, and what reading them found.

    ``records`` are dicts with ``id``, ``text``, ``labels`` and, when known, ``recommendation``
    (absent means unknown; None means the note gives no call), ``candidate`` and ``kind``;
    ``source`` is ``"file:line"``, or ``sources`` lists every place when duplicates were merged.
    ``new_labels`` are the accepted labels outside the known set; ``conflicts`` are
    ``Conflict`` objects; ``skipped`` holds ``(source, reason)`` for the notes an annotation
    tool marks as rejected, ignored, cancelled or not annotated.
    """

    records: list = field(default_factory=list)
    new_labels: list = field(default_factory=list)
    duplicates_merged: int = 0
    conflicts: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def read_labelled(paths, *, input_format=None, known_labels=LABELS, allow_new_labels=False, encoding="utf-8",
                  on_conflict="error"):
    """Read and check labelled notes from annotation-tool exports; returns a ``LabelledSet``.

    ``paths`` is one path or several; each file's format is one of ``FORMATS``, detected from
    its content unless ``input_format`` names it. A label outside ``known_labels`` is an
    error, unless ``allow_new_labels`` is set and it is a snake_case name not close to a known
    one. ``on_conflict`` says what happens when one text carries different labels: "error"
    (the default) raises, "prefer-last" keeps the later one, "drop" leaves both out; the
    latter two still list the conflict. Raises ``LabelledDataError`` listing every problem.

    >>> labelled = read_labelled(["team.jsonl", "project.json"])  # doctest: +SKIP
    >>> labelled.records[0]["labels"], labelled.records[0]["source"]  # doctest: +SKIP
    (['skill_gap'], 'team.jsonl:1')
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if input_format is not None and input_format not in FORMATS:
        raise ValueError(f"unknown input format {input_format!r}; choose one of {', '.join(FORMATS)}")
    _check_on_conflict(on_conflict)
    _codec(encoding)
    checker = _LabelChecker(known_labels, allow_new_labels)
    report = _Report()
    records = []
    for path in paths:
        name = str(path)
        try:
            rows = _READERS[input_format or detect_format(path, encoding=encoding)](path, name, encoding, report)
            while True:
                # A reader reports a row's structural problems before it yields the row.
                before = len(report.problems)
                row = next(rows, None)
                if row is None:
                    break
                record = _record(row, checker, report)
                if record is not None and len(report.problems) == before:
                    records.append(record)
        except LabelledDataError as error:
            report.problems.extend(error.problems)
        except UnicodeError as error:
            report.problems.append(f"{name}: cannot be decoded as {encoding} ({getattr(error, 'reason', error)}); "
                                   "save the file as UTF-8 and read it again")
        except OSError as error:
            report.problems.append(f"{name}: cannot be read ({error.strerror or error}); check the path")
    result = _deduplicate(records, on_conflict)
    problems = report.problems + ([c.describe() for c in result.conflicts] if on_conflict == "error" else [])
    if problems:
        raise _error(problems)
    known = set(known_labels)
    result.new_labels = sorted({label for r in result.records for label in r["labels"] if label not in known})
    result.skipped = report.skipped
    return result


def merge_with_base(base_records, labelled_set, *, on_conflict="error"):
    """The base corpus's records followed by the labelled set's, duplicates merged and
    conflicts settled by the rules of ``read_labelled`` (the base counts as the earlier source).

    Base records keep every field they have; one without a ``source`` gets ``"base:<id>"``.
    ``duplicates_merged`` and ``conflicts`` describe this merge only (the labelled set keeps
    its own) and ``skipped`` is empty. With ``on_conflict="error"`` a conflict raises
    ``LabelledDataError``.

    >>> from analyzer.corpus import read_records
    >>> merged = merge_with_base(read_records(), read_labelled("team.jsonl"))  # doctest: +SKIP
    """
    _check_on_conflict(on_conflict)
    base = []
    for record in base_records:
        record = dict(record)
        if "source" not in record and "sources" not in record:
            record["source"] = f"base:{record.get('id')}"
        base.append(record)
    result = _deduplicate([*base, *(dict(r) for r in labelled_set.records)], on_conflict)
    if on_conflict == "error" and result.conflicts:
        raise _error([conflict.describe() for conflict in result.conflicts])
    result.new_labels = list(labelled_set.new_labels)
    return result


def detect_format(path, *, encoding="utf-8"):
    """Which of ``FORMATS`` a file holds, decided from its content, not its name.

    A JSON array or JSON Lines is told apart by its first record's keys: ``annotations`` or
    ``data`` for Label Studio's JSON; ``options``, ``accept`` or an ``answer`` for Prodigy;
    Label Studio's annotation keys or a ``{"choices": [...]}`` value for JSON_MIN; ``label``
    for doccano; ``labels`` for ours. A CSV header with ``labels`` is ours, one with
    ``label`` doccano's. Raises ``LabelledDataError`` when the content does not decide.

    >>> detect_format("tests/data/labelled/prodigy.jsonl")
    'prodigy'
    """
    name = str(path)
    with _open(path, encoding) as handle:
        first = _first_character(handle)
        handle.seek(0)
        if not first:
            raise _error([f"{name}: the file is empty; export the labelled notes again"])
        if first == "[":
            try:
                value = next((value for value, _ in JSONStream(handle, name).iter_array()), _MISSING)
            except InputFormatError as error:
                raise _error([f"{error}; fix the file or export it again"]) from None
            if value is _MISSING:
                raise _error([_undecided(name, "it is an empty JSON array")])
        elif first == "{":
            number, line = next((n, line) for n, line in enumerate(handle, start=1) if line.strip())
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                problem = (f"{name}:{number}: the first line is not a whole JSON object, so this is not JSON Lines; "
                           "export one object per line, or a JSON array")
                raise _error([problem]) from None
        else:
            return _detect_table(handle, name)
    return _detect_record(value, name)


def _detect_record(value, name):
    if not isinstance(value, dict):
        raise _error([_undecided(name, f"its first record is {_type_name(value)}, not an object")])
    keys = set(value)
    if keys & {"annotations", "completions"} or isinstance(value.get("data"), dict):
        return "label-studio"
    if keys & {"options", "accept", "_input_hash", "_task_hash", "_view_id"} or \
            value.get("answer") in ("accept", "reject", "ignore"):
        return "prodigy"
    if keys & {"annotation_id", "annotator", "lead_time"} or any(_is_choices(v) for v in value.values()):
        return "label-studio-min"
    if "label" in keys:
        return "doccano-jsonl"
    if "labels" in keys:
        return "jsonl"
    raise _error([_undecided(name, f"its first record has the keys {', '.join(sorted(keys))}")])


def _detect_table(handle, name):
    reader = csv.reader(handle, delimiter=_delimiter(handle))
    try:
        columns = [cell.strip().lower() for cell in next(reader, [])]
        if {"annotation_id", "lead_time"} <= set(columns):
            problem = (f"{name}: this is Label Studio's CSV export, which writes several choices as JSON text; "
                       "export the project as JSON or JSON_MIN instead")
            raise _error([problem])
        if "labels" in columns:
            return "csv"
        if "label" in columns:
            index = columns.index("label")
            cells = [row[index] for row in islice(reader, 200) if len(row) > index]
            if any("#" in cell for cell in cells) or not any(_OUR_CSV_SEPARATORS.search(c) for c in cells):
                return "doccano-csv"
            raise _error([_undecided(name, "its 'label' column joins labels with ';', ',' or '|' (doccano "
                                           "joins them with '#'; our CSV calls the column 'labels')")])
    except csv.Error as error:
        raise _error([_undecided(name, f"it is neither JSON nor readable CSV ({error})")]) from None
    raise _error([_undecided(name, f"it is no JSON, and a table without a 'labels' or 'label' column "
                                   f"(found: {', '.join(columns) or 'nothing'})")])


def _undecided(name, why):
    return f"{name}: cannot tell which export this is ({why}); name it with --input-format, one of {', '.join(FORMATS)}"


# Reading: each reader yields one _Row per note, reporting problems and skipped notes as it goes.


@dataclass
class _Row:
    """A note as a reader found it, before its values are checked."""

    source: str
    text: object = _MISSING
    text_field: str = "text"
    labels: list = field(default_factory=list)  # (value, field) pairs
    recommendation: object = _MISSING
    recommendation_field: str = "recommendation"
    note_id: object = None
    fallback_id: str = ""
    candidate: object = None
    kind: object = None
    hint: str = ""  # added to messages about unknown labels


class _Report:
    def __init__(self):
        self.problems, self.skipped = [], []

    def problem(self, where, message, field_name=None):
        self.problems.append(f"{where}: field '{field_name}': {message}" if field_name else f"{where}: {message}")

    def skip(self, where, reason):
        self.skipped.append((where, reason))


def _read_jsonl(path, name, encoding, report):
    for value, line in _json_values(path, name, encoding, report):
        source = f"{name}:{line}"
        if _is_object(value, source, report):
            yield _Row(source, text=value.get("text", _MISSING),
                       labels=_label_list(value.get("labels", _MISSING), "labels", source, report),
                       recommendation=value.get("recommendation", _MISSING), note_id=value.get("id"),
                       fallback_id=_fallback_id(name, line), candidate=value.get("candidate"), kind=value.get("kind"))


def _read_csv(path, name, encoding, report):
    yield from _read_table(path, name, encoding, report, "labels", _OUR_CSV_SEPARATORS)


def _read_doccano_csv(path, name, encoding, report):
    yield from _read_table(path, name, encoding, report, "label", re.compile("#"))


def _read_table(path, name, encoding, report, labels_column, separator):
    for line, row in _csv_rows(path, name, encoding, report, ("text", labels_column)):
        source = f"{name}:{line}"
        cell = row.get(labels_column)
        if cell is None:
            report.problem(source, "missing cell; the row is shorter than the header", labels_column)
            cell = ""
        pieces = [piece.strip() for piece in separator.split(cell)]
        recommendation = row.get("recommendation")
        if recommendation is None or not recommendation.strip():
            recommendation = _MISSING
        elif recommendation.strip() in ("null", "none"):
            recommendation = None
        yield _Row(source, text=row.get("text", _MISSING),
                   labels=[(piece, labels_column) for piece in pieces if piece],
                   recommendation=recommendation, note_id=row.get("note_id") or row.get("id") or None,
                   fallback_id=_fallback_id(name, line), candidate=row.get("candidate") or None,
                   kind=row.get("kind") or None)


def _read_doccano_jsonl(path, name, encoding, report):
    for value, line in _json_values(path, name, encoding, report):
        source = f"{name}:{line}"
        if not _is_object(value, source, report):
            continue
        # Older doccano versions wrote "labels"; a doccano export's own "id" overwrites a
        # metadata key of that name, so a note's id travels as "note_id".
        key = "label" if "label" in value or "labels" not in value else "labels"
        labels = value.get(key, _MISSING)
        if isinstance(labels, list) and any(_is_span(item) for item in labels):
            report.problem(source, "holds spans ([start, end, label]): this is a sequence-labelling project's "
                           "export; label the notes in a text-classification project and export that", key)
            return
        yield _Row(source, text=value.get("text", _MISSING), labels=_label_list(labels, key, source, report),
                   recommendation=value.get("recommendation", _MISSING),
                   note_id=value.get("note_id", value.get("id")), fallback_id=_fallback_id(name, line),
                   candidate=value.get("candidate"), kind=value.get("kind"))


def _read_prodigy(path, name, encoding, report):
    for value, line in _json_values(path, name, encoding, report):
        source = f"{name}:{line}"
        if not _is_object(value, source, report):
            continue
        if "options" not in value:
            if "label" in value:
                report.problem(source, "a single label and no 'options': this is Prodigy's binary classification "
                               "interface; annotate with the choice interface (textcat.manual with several "
                               "labels) and export that dataset with prodigy db-out", "label")
                return
            report.problem(source, "missing; export the dataset annotated with Prodigy's choice interface", "options")
            continue
        answer = value.get("answer", _MISSING)
        if answer is _MISSING:
            report.skip(source, "no answer: the task was never annotated")
            continue
        if answer in ("reject", "ignore"):
            report.skip(source, f"answer {answer!r} in Prodigy")
            continue
        if answer != "accept":
            report.problem(source, f"{answer!r} is not 'accept', 'reject' or 'ignore'; export the dataset again "
                           "with prodigy db-out", "answer")
            continue
        yield _Row(source, text=value.get("text", _MISSING), labels=_prodigy_labels(value, source, report),
                   recommendation=value.get("recommendation", _MISSING),
                   note_id=value.get("note_id", value.get("id")), fallback_id=_fallback_id(name, line),
                   candidate=value.get("candidate"), kind=value.get("kind"))


def _prodigy_labels(task, source, report):
    options, accepted = task["options"], task.get("accept", [])
    if not isinstance(options, list) or not all(isinstance(o, dict) and "id" in o for o in options):
        report.problem(source, "expected a list of {\"id\", \"text\"} objects; export the dataset again", "options")
        return []
    if not isinstance(accepted, list):
        report.problem(source, f"expected a list of option ids, got {_type_name(accepted)}", "accept")
        return []
    by_id = {_json_key(option["id"]): option for option in options}
    labels = []
    for chosen in accepted:
        option = by_id.get(_json_key(chosen))
        if option is None:
            report.problem(source, f"option id {chosen!r} is not among the task's options; export the dataset "
                           "again", "accept")
            continue
        # textcat.manual makes each label its option's id; numbered options carry the label as text.
        labels.append((option["id"] if isinstance(option["id"], str) else option.get("text"), "accept"))
    return labels


def _read_label_studio(path, name, encoding, report):
    for task, line in _json_values(path, name, encoding, report):
        source = f"{name}:{line}"
        if not _is_object(task, source, report):
            continue
        data = task.get("data")
        if not isinstance(data, dict):
            report.problem(source, "missing or not an object; export the project as Label Studio JSON again", "data")
            continue
        text_field = _task_text_field(data, source, report)
        if text_field is None:
            continue
        annotations = task.get("annotations", task.get("completions", []))
        if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
            report.problem(source, "expected a list of annotation objects", "annotations")
            continue
        if not annotations:
            report.skip(source, "not annotated (it has only predictions, which are never trained on)"
                        if task.get("predictions") else "not annotated")
            continue
        live = [a for a in annotations if not (a.get("was_cancelled") or a.get("skipped"))]
        if not live:
            report.skip(source, "every annotation was cancelled (skipped) in Label Studio")
            continue
        readings = []
        for annotation in live:
            reading = _label_studio_result(annotation.get("result", []), source, report)
            if reading is None:
                return
            readings.append((annotation.get("id"), *reading))
        common = {"text": data[text_field], "text_field": f"data.{text_field}",
                  "note_id": data.get("note_id", task.get("id")), "fallback_id": _fallback_id(name, line),
                  "candidate": data.get("candidate"), "kind": data.get("kind")}
        agreed = {(frozenset(_hashable(v) for v, _ in labels), _hashable(recommendation))
                  for _, labels, recommendation, _ in readings}
        if len(agreed) == 1:
            _, labels, recommendation, control = readings[0]
            yield _Row(source, labels=labels, recommendation=recommendation, recommendation_field=control, **common)
            continue
        # Annotators who disagree: one row each, so the conflict names them both.
        for annotation_id, labels, recommendation, control in readings:
            yield _Row(f"{source} (annotation {annotation_id})", labels=labels, recommendation=recommendation,
                       recommendation_field=control, **common)


def _task_text_field(data, source, report):
    if "text" in data:
        return "text"
    strings = [key for key, value in data.items() if isinstance(value, str)]
    if len(strings) == 1:
        return strings[0]
    report.problem(source, f"no 'text' field and {'several' if strings else 'no'} string fields"
                   f"{' (' + ', '.join(strings) + ')' if strings else ''}; name the note's field 'text' in the "
                   "task data", "data")
    return None


def _label_studio_result(result, source, report):
    """(label pairs, recommendation, its control's name) from one annotation's result, or None for spans."""
    if not isinstance(result, list):
        report.problem(source, f"expected a list of results, got {_type_name(result)}", "result")
        return [], _MISSING, RECOMMENDATION_CONTROL
    labels, recommendations = [], []
    for item in result:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, dict):
            continue
        if item.get("type") == "labels" or ("labels" in value and "start" in value):
            report.problem(source, "holds labelled text spans: this is a sequence-labelling project; label the "
                           "notes with a Choices control and export again", "result")
            return None
        if item.get("type") != "choices" and "choices" not in value:
            continue  # a comment box, a rating or another control that holds no label
        control = item.get("from_name", "choices")
        choices = value.get("choices")
        if not isinstance(choices, list):
            report.problem(source, f"expected a list of choices, got {_type_name(choices)}", control)
        elif control == RECOMMENDATION_CONTROL:
            recommendations.extend(choices)
        else:
            labels.extend((choice, control) for choice in choices)
    return labels, _one_recommendation(recommendations, RECOMMENDATION_CONTROL, source, report), \
        RECOMMENDATION_CONTROL


def _read_label_studio_min(path, name, encoding, report):
    hint = "; if that field is task data rather than a Choices control, read the full JSON export " \
           "(--input-format label-studio)"
    for value, line in _json_values(path, name, encoding, report):
        source = f"{name}:{line}"
        if not _is_object(value, source, report):
            continue
        text_field = _min_text_field(value, source, report)
        if text_field is None:
            continue
        labels, recommendations = [], []
        for key, item in value.items():
            if key == text_field or column_key(key) in _NOT_CONTROLS:
                continue
            choices = _min_choices(item)
            if choices is None:
                continue
            if key == RECOMMENDATION_CONTROL:
                recommendations.extend(choices)
            else:
                labels.extend((choice, key) for choice in choices)
        yield _Row(source, text=value[text_field], text_field=text_field, labels=labels,
                   recommendation=_one_recommendation(recommendations, RECOMMENDATION_CONTROL, source, report),
                   note_id=value.get("note_id", value.get("id")), fallback_id=_fallback_id(name, line),
                   candidate=value.get("candidate"), kind=value.get("kind"), hint=hint)


def _min_text_field(value, source, report):
    if "text" in value:
        return "text"
    text_keys = {column_key(name) for name in SYNONYMS["text"]}
    found = [key for key in value if column_key(key) in text_keys]
    if len(found) == 1:
        return found[0]
    report.problem(source, "missing; JSON_MIN holds the task's data fields, name the note's field 'text'", "text")
    return None


def _min_choices(value):
    """The choices a JSON_MIN value holds: one as a string, several as {"choices": [...]}, and a
    list of those when a control has several results."""
    if isinstance(value, str):
        return [value]
    if _is_choices(value):
        return list(value["choices"])
    if isinstance(value, list) and value and all(isinstance(item, str) or _is_choices(item) for item in value):
        return [choice for item in value for choice in _min_choices(item)]
    return None


def _is_choices(value):
    return isinstance(value, dict) and isinstance(value.get("choices"), list)


def _one_recommendation(values, control, source, report):
    if not values:
        return _MISSING
    if len(set(map(_hashable, values))) > 1:
        report.problem(source, f"several recommendations ({', '.join(map(repr, values))}); choose at most one "
                       "per note", control)
    return values[0]


_READERS = {
    "jsonl": _read_jsonl, "csv": _read_csv, "doccano-jsonl": _read_doccano_jsonl, "doccano-csv": _read_doccano_csv,
    "label-studio": _read_label_studio, "label-studio-min": _read_label_studio_min, "prodigy": _read_prodigy,
}


def _json_values(path, name, encoding, report):
    """(value, line) for each record of a JSON Lines file or of a JSON array, where it starts."""
    with _open(path, encoding) as handle:
        first = _first_character(handle)
        handle.seek(0)
        if first == "[":
            stream = JSONStream(handle, name)
            try:
                yield from stream.iter_array()
                stream.expect_end()
            except InputFormatError as error:
                report.problems.append(f"{error}; fix the file or export it again")
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                report.problem(f"{name}:{number}", f"invalid JSON ({error.msg}, column {error.colno}); fix the line "
                               "or export the file again")
                continue
            yield value, number


def _csv_rows(path, name, encoding, report, required):
    """(line where the row starts, {lower-cased column: cell}) for each non-blank row."""
    with _open(path, encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=_delimiter(handle))
        try:
            header = next(reader, None)
            if header is None:
                report.problem(name, "the file is empty; export the labelled notes again")
                return
            columns = [cell.strip().lower() for cell in header]
            missing = [column for column in required if column not in columns]
            if missing:
                report.problem(f"{name}:1", f"no {' or '.join(map(repr, missing))} column (found: "
                               f"{', '.join(header)}); name the columns {', '.join(map(repr, required))}")
                return
            end = reader.line_num
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(columns):
                    report.problem(f"{name}:{start}", f"{len(cells)} cells but the header has {len(columns)} "
                                   "columns; quote cells that contain commas")
                    continue
                yield start, dict(zip(columns, cells))
        except csv.Error as error:
            report.problem(f"{name}:{reader.line_num}", f"not valid CSV ({error}); check the quoting")


# Checking: a row's values become a record, or problems that name the file, line and field.


class _LabelChecker:
    def __init__(self, known_labels, allow_new_labels):
        self.known = tuple(known_labels)
        self.allow_new = allow_new_labels
        self._names = {_normalised(name): name for name in (*self.known, *RECOMMENDATIONS, "clear", "none")}

    def suggestion(self, value):
        """The known name ``value`` probably means, compared without case, spaces or hyphens."""
        key = _normalised(value)
        if key in self._names:
            return self._names[key]
        close = difflib.get_close_matches(key, list(self._names), n=1, cutoff=0.8)
        return self._names[close[0]] if close else None

    def check(self, row, report):
        """(labels, recommendation or _MISSING) from the row's raw labels; problems go to the report."""
        labels, recommendations, clear_in = [], [], None
        for value, field_name in row.labels:
            if not isinstance(value, str):
                report.problem(row.source, self._not_a_name(value), field_name)
            elif value in CLEAR:
                clear_in = field_name
            elif value in RECOMMENDATIONS:
                recommendations.append(value)
            elif value in self.known or (self.allow_new and _NEW_LABEL.match(value) and not self.suggestion(value)):
                if value in labels:
                    report.problem(row.source, f"{value!r} is given twice; list each label once", field_name)
                labels.append(value)
            else:
                report.problem(row.source, self._unknown(value) + row.hint, field_name)
        if clear_in is not None and labels:
            report.problem(row.source, f"says 'clear' (no labels) and also {', '.join(labels)}; keep one or the "
                           "other", clear_in)
        if len(set(recommendations)) > 1:
            report.problem(row.source, f"several recommendations ({', '.join(map(repr, recommendations))}); give at "
                           "most one per note", row.labels[0][1])
        return self.ordered(labels), recommendations[0] if recommendations else _MISSING

    def ordered(self, labels):
        """Known labels in their own order, then new ones alphabetically."""
        unique = set(labels)
        return [label for label in self.known if label in unique] + sorted(unique - set(self.known))

    def _unknown(self, value):
        suggestion = self.suggestion(value)
        if suggestion is not None:
            return (f"unknown label {value!r}; did you mean {suggestion!r}? Labels are never corrected "
                    "automatically: fix it in the file or the annotation tool")
        if not self.allow_new:
            return (f"unknown label {value!r} (known: {', '.join(self.known)}); check the spelling, or pass "
                    "--allow-new-labels to add it as a new category")
        snake = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")
        return (f"new label {value!r} is not a snake_case name ([a-z][a-z0-9_]*); rename it in the annotation "
                f"tool{f', for example to {snake!r}' if _NEW_LABEL.match(snake) else ''}")

    @staticmethod
    def _not_a_name(value):
        if _is_span(value):
            return (f"a span {value!r}, not a label: this is a sequence-labelling export; label the notes in a "
                    "text-classification project and export that")
        return f"expected a label name, got {_type_name(value)} {value!r}"


def _record(row, checker, report):
    """The record for a row, or None when it has problems (they are in the report)."""
    before = len(report.problems)
    text = row.text
    if text is _MISSING or text is None:
        report.problem(row.source, "missing; every note needs its text", row.text_field)
    elif not isinstance(text, str):
        report.problem(row.source, f"expected the note as a string, got {_type_name(text)}", row.text_field)
    elif not text.strip():
        report.problem(row.source, "empty; fill in the note or remove it", row.text_field)
    elif _SURROGATES.search(text):
        report.problem(row.source, "holds bytes that are not valid in the file's encoding; save the file as UTF-8",
                       row.text_field)
    labels, from_labels = checker.check(row, report)
    recommendation = _MISSING
    if row.recommendation is not _MISSING:
        recommendation = _checked_recommendation(row.recommendation, row, checker, report)
    if from_labels is not _MISSING:
        if recommendation not in (_MISSING, _INVALID, from_labels):
            report.problem(row.source, f"the labels hold the recommendation {from_labels!r} but field "
                           f"'{row.recommendation_field}' says {recommendation!r}; keep one", row.labels[0][1])
        recommendation = from_labels
    note_id = _checked_text_value(row.note_id, "id", row, report) or row.fallback_id
    candidate = _checked_text_value(row.candidate, "candidate", row, report)
    if row.kind is not None and row.kind not in KINDS:
        report.problem(row.source, f"{row.kind!r} is not one of {', '.join(KINDS)}; use one of them or leave it out",
                       "kind")
    if len(report.problems) > before:
        return None
    record = {"id": note_id, "text": text, "labels": labels}
    if recommendation is not _MISSING:
        record["recommendation"] = recommendation
    if candidate is not None:
        record["candidate"] = candidate
    if row.kind is not None:
        record["kind"] = row.kind
    record["source"] = row.source
    return record


def _checked_recommendation(value, row, checker, report):
    if value is None or value in RECOMMENDATIONS:
        return value
    suggestion = checker.suggestion(value) if isinstance(value, str) else None
    guess = f"did you mean {suggestion!r}? Use" if suggestion in RECOMMENDATIONS else "use"
    report.problem(row.source, f"{value!r} is not one of {', '.join(RECOMMENDATIONS)}; {guess} one of them, or "
                   "null for a note that gives no call", row.recommendation_field)
    return _INVALID


def _checked_text_value(value, name, row, report):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        report.problem(row.source, f"expected a string, got {_type_name(value)}", name)
        return None
    return str(value)


# Duplicates and conflicts.


def _deduplicate(records, on_conflict):
    kept, seen, dropped = {}, {}, set()
    conflicts, merged = [], 0
    for record in records:
        key = text_key(record["text"])
        if key in dropped:
            other = next((earlier for earlier in seen[key] if not _agree(earlier, record)), seen[key][0])
            conflicts.append(_conflict(other, record))
            seen[key].append(record)
            continue
        if key not in kept:
            kept[key], seen[key] = record, [record]
            continue
        current = kept[key]
        seen[key].append(record)
        if _agree(current, record):
            _merge(current, record)
            merged += 1
            continue
        conflicts.append(_conflict(current, record))
        if on_conflict == "prefer-last":
            kept[key] = record
        elif on_conflict == "drop":
            del kept[key]
            dropped.add(key)
    return LabelledSet(records=list(kept.values()), duplicates_merged=merged, conflicts=conflicts)


def text_key(text):
    """What makes two notes the same note: their text, whitespace collapsed and stripped."""
    return " ".join(text.split())


def _agree(first, second):
    if set(first["labels"]) != set(second["labels"]):
        return False
    # An absent recommendation is unknown, so it agrees with any; None (no call) is a value.
    return not ("recommendation" in first and "recommendation" in second
                and first["recommendation"] != second["recommendation"])


def _merge(kept, record):
    kept["sources"] = _sources(kept) + _sources(record)
    kept.pop("source", None)
    for name in ("recommendation", "candidate", "kind"):
        if name not in kept and name in record:
            kept[name] = record[name]


def _sources(record):
    return list(record["sources"]) if "sources" in record else [record.get("source", f"id {record.get('id')}")]


def _conflict(first, second):
    recommendations = None
    if "recommendation" in first and "recommendation" in second and \
            first["recommendation"] != second["recommendation"]:
        recommendations = (first["recommendation"], second["recommendation"])
    return Conflict(_preview(first["text"]), (", ".join(_sources(first)), list(first["labels"])),
                    (", ".join(_sources(second)), list(second["labels"])), recommendations)


def _preview(text):
    text = text_key(text)
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 3].rstrip() + "..."


# Small pieces used throughout.


def _error(problems):
    shown = [f"  {problem}" for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"  ... and {len(problems) - MAX_PROBLEMS} more")
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    error = LabelledDataError(f"{count} in the labelled notes, so none were read:\n" + "\n".join(shown))
    error.problems = list(problems)
    return error


def _check_on_conflict(on_conflict):
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"unknown on_conflict {on_conflict!r}; choose one of {', '.join(ON_CONFLICT)}")


def _codec(encoding):
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}; pass a codec name such as 'utf-8' or 'cp1252'") from None
    return "utf-8-sig" if name == "utf-8" else encoding


def _open(path, encoding, newline=None):
    # Undecodable bytes come through as lone surrogates, so the note holding them is named.
    return open(path, encoding=_codec(encoding), errors="surrogateescape", newline=newline)


def _first_character(handle):
    while True:
        chunk = handle.read(4096)
        if not chunk:
            return ""
        stripped = chunk.lstrip()
        if stripped:
            return stripped[0]


def _delimiter(handle):
    """The header's delimiter: a comma, or the semicolon or tab some spreadsheets write instead."""
    header = handle.readline()
    handle.seek(0)
    cells = {delimiter: [cell.strip().lower() for cell in next(csv.reader([header], delimiter=delimiter), [])]
             for delimiter in (",", ";", "\t")}
    return next((d for d, names in cells.items() if "text" in names), ",")


def _label_list(value, field_name, source, report):
    if value is _MISSING:
        report.problem(source, "missing; give a list of labels ([] for a clear note)", field_name)
        return []
    if not isinstance(value, list):
        report.problem(source, f"expected a list of labels, got {_type_name(value)} {value!r}", field_name)
        return []
    return [(item, field_name) for item in value]


def _is_object(value, source, report):
    if isinstance(value, dict):
        return True
    report.problem(source, f"expected a JSON object, got {_type_name(value)}; export the file again")
    return False


def _is_span(value):
    if isinstance(value, dict):
        return "start_offset" in value or ("start" in value and "end" in value)
    return isinstance(value, list) and len(value) == 3 and isinstance(value[2], str) and \
        all(isinstance(n, int) for n in value[:2])


def _normalised(value):
    return re.sub(r"[\s_-]+", "_", value.strip().lower()).strip("_")


def _hashable(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def _json_key(value):
    return json.dumps(value, sort_keys=True)


def _fallback_id(name, line):
    return f"{Path(name).stem}:{line}"


def _labels_text(labels):
    return repr(list(labels)) if labels else "[] (clear)"


def _type_name(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
