"""Which column (or JSON key) of an export holds which field of a note."""

import re

from ..errors import ColumnMappingError

FIELDS = ("text", "id", "candidate", "interviewer", "recommendation", "role", "requisition")

# In order of preference: for every field but the text, the first synonym present wins.
SYNONYMS = {
    "text": (
        "text", "note", "notes", "note_text", "notes_text", "body", "content", "feedback", "feedback_text",
        "interview_feedback", "interview_notes", "interview_note", "interviewer_notes", "interviewer_feedback",
        "comments", "comment", "remarks", "key_takeaways", "takeaways", "writeup", "write_up", "summary",
        "scorecard_notes", "evaluation", "assessment",
    ),
    "id": (
        "note_id", "id", "feedback_id", "scorecard_id", "submission_id", "response_id", "record_id", "row_id",
        "uuid",
    ),
    "candidate": (
        "candidate", "candidate_name", "applicant", "applicant_name", "candidate_id", "applicant_id",
        "candidate_email", "applicant_email", "person", "interviewee",
    ),
    "interviewer": (
        "interviewer", "interviewer_name", "author", "submitted_by", "submitter", "reviewer", "evaluator",
        "interviewer_id", "interviewer_email", "author_name", "reviewer_name", "written_by", "panelist",
    ),
    "recommendation": (
        "recommendation", "overall_recommendation", "stated_recommendation", "hire_recommendation",
        "recommendation_stated", "decision", "hiring_decision", "verdict", "rating", "overall_rating",
        "score", "overall_score", "candidate_rating",
    ),
    "role": (
        "role", "job", "job_title", "position", "job_name", "role_title", "position_title", "position_name",
        "job_role", "title",
    ),
    "requisition": (
        "requisition", "requisition_id", "req", "req_id", "requisition_code", "requisition_number",
        "job_requisition", "job_id", "opening", "opening_id", "posting", "posting_id",
    ),
}
# Names like "Panel feedback" or "Interviewer Notes (free text)" hold text too, when no synonym matches.
_TEXT_STEMS = ("note", "feedback", "comment", "takeaway", "remark", "writeup")
_NOT_TEXT_ENDINGS = ("id", "ids", "count", "date", "at", "type", "status", "url")


# Columns (or keys) that give away a vendor export, which a preset reads better than guessing.
_VENDOR_SHAPES = (
    ({"submittedvalues"}, "ashby", "an Ashby application feedback"),
    ({"scorecardid", "scorecardquestionid"}, "greenhouse-v3", "a Greenhouse v3 scorecard answers"),
    ({"scorecardid", "question", "answer"}, "greenhouse-bi", "a Greenhouse BI Connector scorecard answers"),
    ({"questions", "overallrecommendation"}, "greenhouse", "a Greenhouse scorecards"),
    ({"fields", "basetemplateid"}, "lever", "a Lever feedback"),
)


def column_key(column):
    """A column name compared without case or punctuation: "Overall Recommendation" -> "overallrecommendation"."""
    return re.sub(r"[^a-z0-9]", "", str(column).lower())


_SYNONYM_KEYS = {field: [column_key(s) for s in synonyms] for field, synonyms in SYNONYMS.items()}


def _listing(found):
    shown = ", ".join(str(column) for column in found[:30])
    return shown + (f", ... ({len(found) - 30} more)" if len(found) > 30 else "")


def _option(field):
    return f"--{field}-column"


def map_columns(found, columns=None, *, name, kind="column"):
    """Map note fields to the columns of ``found``: those given in ``columns``, the rest detected.

    Returns a dict field -> column name, with None for fields the export does not have.
    Raises ColumnMappingError, naming the file and listing the columns, when a given column
    does not exist or the text column is missing or ambiguous.

    >>> map_columns(["Note ID", "Candidate", "Feedback"], name="export.csv")["text"]
    'Feedback'
    """
    found = [column for column in found if column is not None]
    given = {field: column for field, column in (columns or {}).items() if column is not None}
    if not given:
        keys = {column_key(column) for column in found}
        for shape, preset, export in _VENDOR_SHAPES:
            if shape <= keys:
                raise ColumnMappingError(f"{name}: this looks like {export} export, not a table of notes; "
                                         f"read it with --preset {preset}")
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} in columns; use {', '.join(FIELDS)}")
    mapping = {field: _given(found, column, field, name, kind) for field, column in given.items()}
    taken = set(mapping.values())
    if "text" not in mapping:
        mapping["text"] = _detect_text(found, taken, name, kind)
        taken.add(mapping["text"])
    for field in FIELDS:
        if field not in mapping:
            mapping[field] = _detect(found, field, taken)
            taken.add(mapping[field])
    return mapping


def _given(found, column, field, name, kind):
    if column in found:
        return column
    matches = [candidate for candidate in found if column_key(candidate) == column_key(column)]
    if len(matches) == 1:
        return matches[0]
    raise ColumnMappingError(f"{name}: no {kind} {column!r} (found: {_listing(found)}); "
                             f"check the name given to {_option(field)}")


def _detect_text(found, taken, name, kind):
    free = [column for column in found if column not in taken]
    matches = [column for column in free if column_key(column) in _SYNONYM_KEYS["text"]]
    if not matches:
        matches = [column for column in free
                   if any(stem in column_key(column) for stem in _TEXT_STEMS)
                   and not column_key(column).endswith(_NOT_TEXT_ENDINGS)]
    if len(matches) == 1:
        return matches[0]
    raise ColumnMappingError(f"{name}: cannot tell which {kind} holds the note text "
                             f"(found: {_listing(found)}); choose one with {_option('text')}")


def _detect(found, field, taken):
    keys = {}
    for column in found:
        if column not in taken:
            keys.setdefault(column_key(column), column)
    for synonym in _SYNONYM_KEYS[field]:
        if synonym in keys:
            return keys[synonym]
    return None
