"""Readers for applicant-tracking-system exports, one per vendor shape.

Each preset turns the vendor's feedback object into one note: the free-text answers joined
as "Question: answer" paragraphs, the stated overall recommendation, the interviewer and
the candidate (or the application, where the export names no candidate). The shapes were
checked against the vendors' public API documentation, cited at each reader.
"""

import html
import re
from dataclasses import dataclass
from typing import Callable

from ..errors import ColumnMappingError, InputFormatError
from .columns import column_key
from .formats import csv_delimiter, csv_rows
from .jsonstream import JSONStream


@dataclass(frozen=True)
class Preset:
    """A vendor export reader: ``preset(source, maker)`` yields NoteRows."""

    name: str
    input_format: str
    description: str
    docs: str
    read: Callable

    def __call__(self, source, maker):
        return self.read(source, maker)


_TAGS = re.compile(r"<\s*/?\s*(?:p|br|div|ul|ol|li|b|i|u|em|strong|a|span|h[1-6])\b[^>]*>", re.I)
_BREAKS = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/h[1-6])\s*>", re.I)


def plain_text(value):
    """A free-text answer as plain text: basic HTML (which some vendors allow) reduced to lines."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, dict):
        for key in ("value", "text", "plainText", "html"):
            if isinstance(value.get(key), str):
                return plain_text(value[key])
        return ""
    if isinstance(value, list):
        return "\n".join(part for part in (plain_text(item) for item in value) if part)
    text = str(value)
    if _TAGS.search(text):
        text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", text)))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _paragraph(title, answer):
    title = plain_text(title)
    if not title:
        return answer
    return f"{title} {answer}" if title.endswith(("?", ":")) else f"{title}: {answer}"


def _not_an_object(maker, number, line, value, what):
    kind = "a list" if isinstance(value, list) else type(value).__name__
    return maker.row(number, line, text=None, error=f"expected {what} object, got {kind}")


def _json_elements(source, keys, what):
    """Yield (number, line, element) from a JSON array, or from the array under one of ``keys``
    in a wrapping object; both stream element by element."""
    stream = JSONStream(source.text(), source.name)
    first, number = stream.peek(), 0
    if first == "[":
        for number, (value, line) in enumerate(stream.iter_array(), start=1):
            yield number, line, value
    elif first == "{":
        members = {}
        for kind, value, line in stream.iter_object(keys):
            if kind == "element":
                number += 1
                yield number, line, value
            else:
                members = value
        if not stream.members_streamed:
            raise InputFormatError(f"{source.name}: expected {what}: a JSON array, or an object with "
                                   f"a {keys[0]!r} array (found keys: {', '.join(members) or 'none'})")
    else:
        raise InputFormatError(f"{source.name}:{stream.line}: expected {what} as JSON, "
                               f"found {first!r}" if first else f"{source.name}: the file is empty")
    stream.expect_end()


# --- Greenhouse Harvest v1 -------------------------------------------------------------
# The scorecard object, GET /v1/scorecards and GET /v1/applications/{id}/scorecards:
# https://developers.greenhouse.io/harvest.html#scorecards
# ("questions": [{"id", "question", "answer"}], "attributes": [{"name", "type", "note", "rating"}],
# "overall_recommendation": definitely_not | no | yes | strong_yes | no_decision; attribute
# ratings can also be "mixed"; "submitted_by" / "interviewer": {"id", "name", ...}).

def read_greenhouse(source, maker):
    """Greenhouse Harvest v1 scorecards: the JSON array that ``GET /v1/scorecards`` returns,
    streamed element by element (an object wrapping it under "scorecards" or "data" too).

    The note joins every non-empty question answer ("Key Take-Aways: ...", custom questions)
    and then every attribute note ("Communication: ...").
    """
    for number, line, card in _json_elements(source, ("scorecards", "data", "items"), "Greenhouse scorecards"):
        if not isinstance(card, dict):
            yield _not_an_object(maker, number, line, card, "a scorecard")
            continue
        answers = [(question.get("question"), question.get("answer"))
                   for question in card.get("questions") or [] if isinstance(question, dict)]
        answers += [(attribute.get("name"), attribute.get("note"))
                    for attribute in card.get("attributes") or [] if isinstance(attribute, dict)]
        parts = [_paragraph(title, plain_text(answer)) for title, answer in answers if plain_text(answer)]
        yield maker.row(number, line, text="\n\n".join(parts),
                        note_id=card.get("id"), candidate=card.get("candidate_id"),
                        interviewer=card.get("interviewer") or card.get("submitted_by"),
                        stated=card.get("overall_recommendation"))


# --- Greenhouse Harvest v3 -------------------------------------------------------------
# v3 splits a scorecard over several list endpoints (READ migration guide:
# https://harvestdocs.greenhouse.io/docs/step-by-step-migration-instructions; reference:
# https://harvestdocs.greenhouse.io/reference). GET /v3/scorecard_question_answers returns an
# array of {"id", "scorecard_id", "scorecard_question_id", "answer", "boolean_value", ...}:
# "answer" holds text answers, "boolean_value" yes/no ones. The question text is in
# GET /v3/scorecard_questions ({"id", "question", "sort_order", "answer_type"}), the rating and
# notes in GET /v3/scorecards ({"id", "application_id", "interviewer_id", "candidate_rating",
# "notes", "private_notes", "public_notes", "status", ...}); v3 scorecards name the
# application, not the candidate.

def read_greenhouse_v3(source, maker):
    """Greenhouse Harvest v3 scorecard answers, in one of two shapes.

    A JSON array of ``scorecard_question_answers`` (one v3 list response, or several pages
    joined) is streamed; consecutive answers of one ``scorecard_id`` make one note, so keep
    the export ordered by scorecard. Without question texts the answers are joined as they
    are and the note states no recommendation.

    An object bundling the list responses, ``{"scorecard_question_answers": [...],
    "scorecards": [...], "scorecard_questions": [...], "users": [...], "applications": [...]}``
    (all but the first optional), is loaded whole to join them: question texts label the
    answers, and the scorecards add notes, ``candidate_rating``, interviewer and candidate.
    """
    stream = JSONStream(source.text(), source.name)
    if stream.peek() == "[":
        yield from _greenhouse_v3_answers(maker, stream.iter_array())
    elif stream.peek() == "{":
        tables = {}
        keys = ("scorecard_question_answers", "scorecards", "scorecard_questions", "users", "applications")
        for kind, value, line in stream.iter_object(keys):
            if kind == "element":
                tables.setdefault(stream.current_key, []).append((value, line))
        if "scorecard_question_answers" not in stream.members_streamed:
            raise InputFormatError(f"{source.name}: expected Greenhouse v3 scorecard answers: a JSON array, "
                                   "or an object with a 'scorecard_question_answers' array")
        yield from _greenhouse_v3_bundle(maker, tables)
    else:
        raise InputFormatError(f"{source.name}: expected Greenhouse v3 scorecard answers as JSON")
    stream.expect_end()


def _greenhouse_v3_answers(maker, elements):
    number, group, group_id, group_line = 0, [], None, 0
    for answer, line in elements:
        card_id = answer.get("scorecard_id") if isinstance(answer, dict) else None
        if group and card_id != group_id:
            number += 1
            yield _greenhouse_v3_note(maker, number, group_line, group_id, group)
            group = []
        if not group:
            group_id, group_line = card_id, line
        group.append(answer)
    if group:
        yield _greenhouse_v3_note(maker, number + 1, group_line, group_id, group)


def _greenhouse_v3_bundle(maker, tables):
    def by_id(key):
        return {item.get("id"): item for item, _ in tables.get(key, []) if isinstance(item, dict)}

    questions, users, applications = by_id("scorecard_questions"), by_id("users"), by_id("applications")
    answers, answer_lines = {}, {}
    for answer, line in tables.get("scorecard_question_answers", []):
        card_id = answer.get("scorecard_id") if isinstance(answer, dict) else None
        answers.setdefault(card_id, []).append(answer)
        answer_lines.setdefault(card_id, line)
    cards = [(card, line) for card, line in tables.get("scorecards", []) if isinstance(card, dict)]
    known = {card.get("id") for card, _ in cards}
    cards += [({"id": card_id}, answer_lines[card_id]) for card_id in answers if card_id not in known]
    for number, (card, line) in enumerate(cards, start=1):
        yield _greenhouse_v3_note(maker, number, line, card.get("id"), answers.get(card.get("id"), []),
                                  card=card, questions=questions, users=users, applications=applications)


def _greenhouse_v3_note(maker, number, line, card_id, answers, *, card=None, questions=None, users=None,
                        applications=None):
    card, questions, users, applications = card or {}, questions or {}, users or {}, applications or {}
    parts, seen = [], set()
    for key, title in (("notes", "Notes"), ("public_notes", "Public notes"), ("private_notes", "Private notes")):
        text = plain_text(card.get(key))
        if text and text not in seen:
            seen.add(text)
            parts.append(f"{title}: {text}")
    ordered = sorted((answer for answer in answers if isinstance(answer, dict)),
                     key=lambda answer: (questions.get(answer.get("scorecard_question_id"), {}).get("sort_order")
                                         or 0))
    for answer in ordered:
        question = questions.get(answer.get("scorecard_question_id"), {}).get("question") or answer.get("question")
        text = plain_text(answer.get("answer"))
        if not text and isinstance(answer.get("boolean_value"), bool) and question:
            text = "Yes" if answer["boolean_value"] else "No"
        if text:
            parts.append(_paragraph(question, text))
    interviewer = card.get("interviewer_id")
    application = card.get("application_id")
    candidate = applications.get(application, {}).get("candidate_id") or application
    return maker.row(number, line, text="\n\n".join(parts), note_id=card_id, candidate=candidate,
                     interviewer=users.get(interviewer) or interviewer, stated=card.get("candidate_rating"))


# --- Greenhouse BI Connector -------------------------------------------------------------
# The Business Intelligence Connector delivers Greenhouse data as tables
# (https://support.greenhouse.io/hc/en-us/articles/360001892012 lists them;
# https://support.greenhouse.io/hc/en-us/articles/360001905032 is the data model).
# scorecard_question_answers has one row per answer: scorecard_id, application_id, question,
# answer, created_at, updated_at; scorecards has id, application_id, interviewer_id,
# interviewer, submitter, overall_recommendation, interview_name, stage_name, ...

_BI_OPTIONAL = {
    "candidate": ("candidate_id", "candidate", "candidate_name", "application_id"),
    "interviewer": ("interviewer", "interviewer_name", "submitter", "submitted_by", "interviewer_id"),
    "recommendation": ("overall_recommendation", "recommendation"),
    "role": ("job_name", "job", "job_title", "role"),
    "requisition": ("requisition_id", "requisition", "job_id"),
}


def read_greenhouse_bi(source, maker):
    """The BI Connector's ``scorecard_question_answers`` table as CSV, streamed.

    Consecutive rows of one ``scorecard_id`` make one note ("question: answer" paragraphs),
    so export the table ordered by scorecard_id. Columns joined in from ``scorecards``
    (``overall_recommendation``, ``interviewer``) and ``applications`` (``candidate_id``)
    fill in the other fields, for example::

        SELECT a.scorecard_id, a.application_id, ap.candidate_id, s.interviewer,
               s.overall_recommendation, s.interview_name, a.question, a.answer
        FROM scorecard_question_answers a
        JOIN scorecards s ON s.id = a.scorecard_id
        JOIN applications ap ON ap.id = a.application_id
        ORDER BY a.scorecard_id, a.created_at
    """
    rows = csv_rows(source, delimiter=csv_delimiter(source, ","))
    first = next(rows, None)
    if first is None:
        return
    header = [cell.strip() for cell in first[1]]
    keys = {}
    for position, column in enumerate(header):
        keys.setdefault(column_key(column), position)
    missing = [column for column in ("scorecard_id", "question", "answer") if column_key(column) not in keys]
    if missing:
        raise ColumnMappingError(f"{source.name}: not a Greenhouse BI scorecard_question_answers table "
                                 f"(found: {', '.join(header)}); it needs the columns scorecard_id, "
                                 "question and answer")
    optional = {field: next((keys[column_key(c)] for c in choices if column_key(c) in keys), None)
                for field, choices in _BI_OPTIONAL.items()}
    number, group, group_id = 0, [], None
    for line, cells in rows:
        card_id = _bi_cell(cells, keys["scorecardid"])
        if group and card_id != group_id:
            number += 1
            yield _bi_note(maker, number, group, group_id, keys, optional)
            group = []
        group_id = card_id
        group.append((line, cells))
    if group:
        yield _bi_note(maker, number + 1, group, group_id, keys, optional)


def _bi_cell(cells, position):
    return cells[position] if position is not None and position < len(cells) else None


def _bi_note(maker, number, group, card_id, keys, optional):
    parts, error = [], None
    for line, cells in group:
        answer = _bi_cell(cells, keys["answer"])
        if answer is None and error is None:
            error = f"no answer cell on line {line}"
        answer = plain_text(answer)
        if answer:
            parts.append(_paragraph(_bi_cell(cells, keys["question"]), answer))
    values = {field: next((_bi_cell(cells, position) for _, cells in group if _bi_cell(cells, position)), None)
              for field, position in optional.items()}
    return maker.row(number, group[0][0], text=None if error else "\n\n".join(parts), note_id=card_id,
                     candidate=values["candidate"], interviewer=values["interviewer"], role=values["role"],
                     requisition=values["requisition"], stated=values["recommendation"], error=error)


# --- Lever -----------------------------------------------------------------------------
# Feedback forms, GET /opportunities/:opportunity/feedback:
# https://hire.lever.co/developer/documentation#feedback
# The list response is {"data": [form, ...], "hasNext": ...}; a form has "id", "type", "text"
# (its title), "user" (a user UID, or the user object when expanded), "fields": [{"type",
# "text", "value", ...}] with types such as textarea and text (free text), score-system (the
# overall rating, "4 - Strong Hire" ... "1 - Strong No Hire"; a template has exactly one) and
# score (thumbs up / down). A form does not carry its opportunity: exports that add an
# "opportunityId" (or "opportunity", "candidate") key get it read as the candidate.

_LEVER_TEXT_TYPES = ("textarea", "text")
_LEVER_RATING_TYPES = ("score-system", "score system", "scoresystem")


def read_lever(source, maker):
    """Lever feedback forms: the ``{"data": [...]}`` list response (or a bare array of forms),
    streamed element by element. The note joins the textarea and text answers."""
    for number, line, form in _json_elements(source, ("data", "feedback", "results"), "Lever feedback forms"):
        if not isinstance(form, dict):
            yield _not_an_object(maker, number, line, form, "a feedback form")
            continue
        fields = [field for field in form.get("fields") or [] if isinstance(field, dict)]
        parts = [_paragraph(field.get("text"), plain_text(field.get("value"))) for field in fields
                 if str(field.get("type", "")).lower() in _LEVER_TEXT_TYPES and plain_text(field.get("value"))]
        rating = next((field.get("value") for field in fields
                       if str(field.get("type", "")).lower() in _LEVER_RATING_TYPES), None)
        if rating is None:
            rating = next((field.get("value") for field in fields if str(field.get("type", "")).lower() == "score"
                           and "rating" in str(field.get("text", "")).lower()), None)
        candidate = next((form[key] for key in ("opportunityId", "opportunity", "candidate", "candidateId")
                          if form.get(key) is not None), None)
        yield maker.row(number, line, text="\n\n".join(parts), note_id=form.get("id"), candidate=candidate,
                        interviewer=form.get("user"), stated=rating)


# --- Ashby -----------------------------------------------------------------------------
# applicationFeedback.list: https://developers.ashbyhq.com/reference/applicationfeedbacklist
# The response is {"success": true, "results": [...], "moreDataAvailable", "nextCursor"}; each
# result has "id", "applicationId", "submittedByUser" {"firstName", "lastName", ...},
# "interviewId", "formDefinition" {"sections": [{"fields": [{"field": {"path", "title", "type",
# "selectableValues"}}]}]} and "submittedValues", an object keyed by field path. Field types
# and their values are listed at https://developers.ashbyhq.com/reference/applicationfeedbacksubmit
# (RichText, LongText and String hold text; Score is 1-4, as {"score": 4}; ValueSelect is one
# of the field's selectable values).

_ASHBY_TEXT_TYPES = ("richtext", "longtext", "string")


def _ashby_fields(feedback):
    definition = feedback.get("formDefinition") or {}
    for section in definition.get("sections") or []:
        entries = section.get("fields") if isinstance(section, dict) else None
        for entry in entries or []:
            field = entry.get("field") if isinstance(entry, dict) else None
            if isinstance(field, dict) and field.get("path"):
                yield field


def _ashby_value_label(field, value):
    for option in field.get("selectableValues") or []:
        if isinstance(option, dict) and option.get("value") == value:
            return option.get("label") or value
    return value


def read_ashby(source, maker):
    """Ashby ``applicationFeedback.list`` responses (``{"results": [...]}``, or a bare array of
    results), streamed element by element. The note joins the text fields in form order;
    the field whose path or title names the overall recommendation gives the stated call."""
    for number, line, feedback in _json_elements(source, ("results", "data"), "Ashby application feedback"):
        if not isinstance(feedback, dict):
            yield _not_an_object(maker, number, line, feedback, "a feedback")
            continue
        values = feedback.get("submittedValues") or {}
        fields = list(_ashby_fields(feedback))
        parts, stated = [], None
        for field in fields:
            value = values.get(field["path"])
            naming = f"{field['path']} {field.get('title', '')} {field.get('humanReadablePath', '')}".lower()
            is_text = str(field.get("type", "")).lower() in _ASHBY_TEXT_TYPES
            if not is_text and stated is None and "recommendation" in naming and value is not None:
                stated = _ashby_value_label(field, value)
            elif is_text and plain_text(value):
                parts.append(_paragraph(field.get("title") or field.get("humanReadablePath"), plain_text(value)))
        if not fields:
            # No form definition in the export: every text value, labelled by its path.
            for path, value in values.items():
                if "recommendation" in path.lower():
                    stated = value
                elif isinstance(value, str) and value.strip():
                    parts.append(_paragraph(path.replace("_", " ").capitalize(), plain_text(value)))
        yield maker.row(number, line, text="\n\n".join(parts), note_id=feedback.get("id"),
                        candidate=feedback.get("applicationId"), interviewer=feedback.get("submittedByUser"),
                        stated=stated)


PRESETS = {
    preset.name: preset for preset in (
        Preset("greenhouse", "json", "Greenhouse Harvest v1 scorecards (JSON array)",
               "https://developers.greenhouse.io/harvest.html#scorecards", read_greenhouse),
        Preset("greenhouse-v3", "json", "Greenhouse Harvest v3 scorecard_question_answers (JSON)",
               "https://harvestdocs.greenhouse.io/reference", read_greenhouse_v3),
        Preset("greenhouse-bi", "csv", "Greenhouse BI Connector scorecard_question_answers table (CSV)",
               "https://support.greenhouse.io/hc/en-us/articles/360001892012", read_greenhouse_bi),
        Preset("lever", "json", "Lever feedback forms (JSON)",
               "https://hire.lever.co/developer/documentation#feedback", read_lever),
        Preset("ashby", "json", "Ashby applicationFeedback.list results (JSON)",
               "https://developers.ashbyhq.com/reference/applicationfeedbacklist", read_ashby),
    )
}
