"""Reading exports and writing batch results: formats, columns, encodings, presets, writers."""

import codecs
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.errors import ColumnMappingError, InputEncodingError, InputFormatError
from analyzer.io import FORMATS, PRESETS, NoteRow, read_notes, write_csv, write_jsonl
from analyzer.io.records import normalise_recommendation
from analyzer.labels import LABELS, RECOMMENDATIONS

EXPORTS = Path(__file__).resolve().parent.parent / "examples" / "exports"


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def read(tmp_path, name, content, **options):
    return list(read_notes(write(tmp_path, name, content), **options))


class TrickleStream(io.RawIOBase):
    """A binary stream fed by a generator; it counts what it served and refuses to be read whole."""

    def __init__(self, chunks):
        self._chunks, self._pending = iter(chunks), b""
        self.served, self.exhausted = 0, False

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                self.exhausted = True
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        self.served += size
        return size

    def readall(self):
        raise AssertionError("the reader asked for the whole stream at once")


# --- generic formats ---------------------------------------------------------------------

def test_io_csv_reads_fields_and_locations(tmp_path):
    rows = read(tmp_path, "export.csv",
                "note_id,candidate,interviewer,requisition,role,recommendation,feedback\n"
                "n1,Ana,Lena,R-1,Analyst,Hire,\"Clear, calm.\"\n"
                "n2,Bo,Omar,R-1,Analyst,No Hire,\"Two\nlines\"\n"
                "n3,Cy,Omar,R-2,Engineer,,Fine.\n")
    assert [row.id for row in rows] == ["n1", "n2", "n3"]
    assert [row.row for row in rows] == [1, 2, 3]
    assert rows[0] == NoteRow(row=1, id="n1", text="Clear, calm.", candidate="Ana", interviewer="Lena",
                              role="Analyst", requisition="R-1", stated_recommendation="yes", stated_raw="Hire",
                              location="export.csv:2", error=None)
    assert rows[1].text == "Two\nlines"
    assert rows[2].location == "export.csv:5"


def test_io_tsv_reads_tab_separated_rows(tmp_path):
    rows = read(tmp_path, "export.tsv", "id\tnotes\n1\tSharp, but late.\n2\tKind.\n")
    assert [(row.id, row.text) for row in rows] == [("1", "Sharp, but late."), ("2", "Kind.")]


def test_io_csv_semicolon_header_is_split_on_semicolons(tmp_path):
    rows = read(tmp_path, "export.csv", "id;notes;candidate\n1;Good, thorough.;Ann\n")
    assert (rows[0].text, rows[0].candidate) == ("Good, thorough.", "Ann")


def test_io_jsonl_reads_objects_and_strings(tmp_path):
    rows = read(tmp_path, "notes.jsonl",
                '{"id": "a", "notes": "Good.", "candidate": "Ann", "rating": "Strong Hire"}\n\n'
                '"Just a note."\n'
                '{"id": "c", "notes": "Later.", "interviewer": {"name": "Lena"}}\n')
    assert [(row.id, row.text, row.location) for row in rows] == [
        ("a", "Good.", "notes.jsonl:1"), ("2", "Just a note.", "notes.jsonl:3"), ("c", "Later.", "notes.jsonl:4")]
    assert rows[0].stated_recommendation == "strong_yes"
    assert rows[2].interviewer == "Lena"


def test_io_json_array_reads_elements_with_lines(tmp_path):
    rows = read(tmp_path, "notes.json", '[\n  {"text": "One."},\n  {"text": "Two.", "candidate": "Bo"}\n]\n')
    assert [(row.text, row.candidate, row.location) for row in rows] == [
        ("One.", None, "notes.json:2"), ("Two.", "Bo", "notes.json:3")]


def test_io_json_object_wrapping_notes_is_read(tmp_path):
    rows = read(tmp_path, "notes.json", '{"exported": "2025-01-01", "notes": [{"body": "A."}, {"body": "B."}]}')
    assert [row.text for row in rows] == ["A.", "B."]


def test_io_text_blocks_are_notes(tmp_path):
    rows = read(tmp_path, "notes.txt", "First note,\nsecond line.\n\n\n  \nSecond note.\n")
    assert [(row.id, row.text, row.location) for row in rows] == [
        ("1", "First note,\nsecond line.", "notes.txt:1"), ("2", "Second note.", "notes.txt:6")]


@pytest.mark.parametrize("content, expected", [
    (b'[{"text": "a"}, {"text": "b"}]', ["a", "b"]),
    (b'{"text": "a"}\n{"text": "b"}\n', ["a", "b"]),
    (b"id\ttext\n1\ta\n2\tb\n", ["a", "b"]),
    (b"id,text\n1,a\n2,b\n", ["a", "b"]),
    (b"Strong on SQL, weak on stats.\n\nKind and curious.\n", ["Strong on SQL, weak on stats.", "Kind and curious."]),
])
def test_io_format_is_detected_from_content_of_a_stream(content, expected):
    rows = list(read_notes(io.BytesIO(content)))
    assert [row.text for row in rows] == expected
    assert rows[0].location.startswith("<stream>:")


def test_io_input_format_overrides_detection(tmp_path):
    rows = read(tmp_path, "notes.csv", "id,text\n1,a\n", input_format="text")
    assert [row.text for row in rows] == ["id,text\n1,a"]


def test_io_dash_reads_stdin_bytes(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id,notes\n1,From a pipe.\n")))
    rows = list(read_notes("-"))
    assert [(row.text, row.location) for row in rows] == [("From a pipe.", "<stdin>:2")]


def test_io_name_overrides_the_display_name():
    rows = list(read_notes(io.BytesIO(b"id,notes\n1,x\n"), name="upload.csv"))
    assert rows[0].location == "upload.csv:2"


def test_io_text_stream_is_refused():
    with pytest.raises(TypeError, match="needs bytes"):
        read_notes(io.StringIO("id,notes\n1,x\n"))


@pytest.mark.parametrize("option", [{"input_format": "xml"}, {"preset": "workday"},
                                    {"preset": "lever", "input_format": "json"},
                                    {"columns": {"body": "notes"}}])
def test_io_bad_options_raise_value_error(option):
    with pytest.raises(ValueError):
        read_notes(io.BytesIO(b""), **option)


def test_io_formats_constant_lists_the_readers():
    assert FORMATS == ("csv", "tsv", "jsonl", "json", "text")


# --- columns -------------------------------------------------------------------------------

def test_io_columns_are_detected_ignoring_case_and_punctuation(tmp_path):
    rows = read(tmp_path, "export.csv", "Note ID,Candidate Name,Submitted By,Overall Recommendation,Job Title,"
                                        "Req ID,Interview Notes\nx7,Ann,Lena,4 - Strong Hire,Analyst,R-9,Great.\n")
    row = rows[0]
    assert (row.id, row.candidate, row.interviewer, row.role, row.requisition, row.text) == (
        "x7", "Ann", "Lena", "Analyst", "R-9", "Great.")
    assert row.stated_recommendation == "strong_yes"


def test_io_ambiguous_text_column_lists_the_columns(tmp_path):
    with pytest.raises(ColumnMappingError) as caught:
        read(tmp_path, "export.csv", "id,comments,notes\n1,a,b\n")
    assert str(caught.value) == ("export.csv: cannot tell which column holds the note text "
                                 "(found: id, comments, notes); choose one with --text-column")


def test_io_missing_text_column_lists_the_columns(tmp_path):
    with pytest.raises(ColumnMappingError, match=r"export\.csv: .*\(found: id, candidate, score\).*--text-column"):
        read(tmp_path, "export.csv", "id,candidate,score\n1,Ann,3\n")


def test_io_given_column_is_used(tmp_path):
    rows = read(tmp_path, "export.csv", "id,comments,notes\n1,a,b\n", columns={"text": "Comments", "id": None})
    assert rows[0].text == "a"


def test_io_given_column_that_does_not_exist_names_the_option(tmp_path):
    with pytest.raises(ColumnMappingError, match=r"no column 'reviewer' \(found: id, notes\).*--interviewer-column"):
        read(tmp_path, "export.csv", "id,notes\n1,a\n", columns={"interviewer": "reviewer"})


@pytest.mark.parametrize("file_name, preset", [("lever_feedback.json", "lever"),
                                               ("ashby_application_feedback.json", "ashby"),
                                               ("greenhouse_api_v1_scorecards.json", "greenhouse"),
                                               ("greenhouse_bi_scorecard_question_answers.csv", "greenhouse-bi")])
def test_io_vendor_export_read_without_its_preset_names_the_preset(file_name, preset):
    with pytest.raises(ColumnMappingError, match=f"read it with --preset {preset}$"):
        list(read_notes(EXPORTS / file_name))


def test_io_ambiguous_json_keys_list_the_keys(tmp_path):
    with pytest.raises(ColumnMappingError, match=r"notes\.jsonl: cannot tell which key .*\(found: feedback, "
                                                 r"comments\)"):
        read(tmp_path, "notes.jsonl", '{"feedback": "a", "comments": "b"}\n')


# --- encodings -----------------------------------------------------------------------------

def test_io_utf8_bom_is_dropped(tmp_path):
    rows = read(tmp_path, "export.csv", codecs.BOM_UTF8 + "id,notes\n1,café\n".encode())
    assert (rows[0].id, rows[0].text) == ("1", "café")


@pytest.mark.parametrize("data, suggestion", [
    ("id,notes\n1,hello\n".encode("utf-16"), "--encoding utf-16"),
    ("id,notes\n1,hello\n".encode("utf-16-le"), "--encoding utf-16-le"),
])
def test_io_utf16_file_suggests_encoding(tmp_path, data, suggestion):
    with pytest.raises(InputEncodingError) as caught:
        read(tmp_path, "notes.csv", data)
    assert str(caught.value).startswith("notes.csv is not UTF-8 (it looks like UTF-16")
    assert suggestion in str(caught.value)


def test_io_mostly_latin1_file_suggests_encoding(tmp_path):
    with pytest.raises(InputEncodingError, match="notes.csv is not UTF-8.*--encoding cp1252"):
        read(tmp_path, "notes.csv", "id,notes\n1,café crème\n2,naïve\n".encode("latin-1"))


def test_io_given_encoding_decodes(tmp_path):
    rows = read(tmp_path, "notes.csv", "id,notes\n1,café crème\n".encode("latin-1"), encoding="latin-1")
    assert rows[0].text == "café crème" and rows[0].error is None


def test_io_utf16_reads_with_its_encoding(tmp_path):
    rows = read(tmp_path, "notes.csv", "id,notes\n1,héllo\n".encode("utf-16"), encoding="utf-16")
    assert [(row.text, row.location) for row in rows] == [("héllo", "notes.csv:2")]


def test_io_invalid_bytes_in_one_row_make_a_row_error(tmp_path):
    rows = read(tmp_path, "notes.csv", b"id,notes\n1,fine\n2,caf\xe9 noir\n3,also fine\n4,ok\n")
    assert [row.error for row in rows] == [None, "row 2 (notes.csv:3): invalid UTF-8 bytes in the text", None, None]
    assert rows[1].text == "caf\ufffd noir"
    assert rows[2].text == "also fine"


def test_io_long_first_line_cut_inside_a_character_is_still_utf8(tmp_path):
    rows = read(tmp_path, "notes.json", json.dumps([{"notes": "x" + "é" * 20_000}], ensure_ascii=False))
    assert len(rows[0].text) == 20_001 and rows[0].error is None


def test_io_many_nul_bytes_without_a_pattern_are_a_binary_file(tmp_path):
    with pytest.raises(InputFormatError, match="binary"):
        read(tmp_path, "notes.csv", b"id,notes\n1,a\x00b\x00\x00\x00\x00 and\x00\x00\x00\x00\x00 more text here\n")


def test_io_a_stray_nul_byte_is_left_to_the_row(tmp_path):
    rows = read(tmp_path, "notes.csv", b"id,notes\n1,a\x00b and much more text here\n2,fine\n")
    assert [row.text for row in rows] == ["a\x00b and much more text here", "fine"]


# --- row problems --------------------------------------------------------------------------

def test_io_short_csv_row_has_no_text_cell(tmp_path):
    rows = read(tmp_path, "notes.csv", "id,candidate,notes\n1,Ann,ok\n2,Bo\n")
    assert rows[1].text is None
    assert rows[1].error == "row 2 (notes.csv:3): no text cell (the row has 2 of the header's 3 columns)"


def test_io_row_with_extra_cells_is_a_row_error(tmp_path):
    rows = read(tmp_path, "notes.csv", "id,notes\n1,good, but late\n2,fine,\n")
    assert "unquoted" in rows[0].error and rows[1].error is None


@pytest.mark.parametrize("line, problem", [('{"id": 1}', "no 'notes' key"), ('{"id": 1, "notes": null}', "null"),
                                           ("[1, 2]", "expected a JSON object or string")])
def test_io_json_row_without_text_is_a_row_error(tmp_path, line, problem):
    rows = read(tmp_path, "notes.jsonl", '{"id": 0, "notes": "ok"}\n' + line + "\n")
    assert rows[1].text is None
    assert rows[1].error.startswith("row 2 (notes.jsonl:2): ") and problem in rows[1].error


def test_io_empty_text_is_passed_through(tmp_path):
    rows = read(tmp_path, "notes.csv", 'id,notes\n1,""\n2,"   "\n')
    assert [(row.text, row.error) for row in rows] == [("", None), ("   ", None)]


# --- file-level problems ---------------------------------------------------------------------

def test_io_malformed_json_names_file_and_line(tmp_path):
    with pytest.raises(InputFormatError, match=r"^export\.json:3: not valid JSON \(Expecting ',' delimiter\)$"):
        read(tmp_path, "export.json", '[{"notes": "a"},\n {"notes": "b"\n  "id": 2}]')


def test_io_bad_jsonl_line_names_file_and_line_after_earlier_rows(tmp_path):
    rows = read_notes(write(tmp_path, "export.jsonl", '{"notes": "a"}\n{"notes": "b"}\n{"notes": \n{"notes": "d"}\n'))
    assert next(rows).text == "a" and next(rows).text == "b"
    with pytest.raises(InputFormatError, match=r"^export\.jsonl:3: not valid JSON \(Expecting value\)$"):
        next(rows)


def test_io_unclosed_csv_quote_names_file_and_line(tmp_path):
    with pytest.raises(InputFormatError, match=r"^export\.csv:3: a quoted field .* never closed"):
        read(tmp_path, "export.csv", 'id,notes\n1,fine\n2,"never closed\n3,more\n4,rows\n')


def test_io_json_array_never_closed_is_an_error(tmp_path):
    with pytest.raises(InputFormatError, match=r"^export\.json:2: "):
        read(tmp_path, "export.json", '[{"notes": "a"},\n {"notes": "b"}')


# --- recommendations -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("definitely_not", "strong_no"), ("Strong No Hire", "strong_no"), ("1 - Strong No Hire", "strong_no"),
    ("DEFINITELY_NO", "strong_no"), ("strong_no", "strong_no"), (1, "strong_no"),
    ("No Hire", "no"), ("no", "no"), ("2 - No Hire", "no"), ("Lean no", "no"), ("thumbs down", "no"), ("2", "no"),
    ("Hire", "yes"), ("yes", "yes"), ("3 - Hire", "yes"), ("thumbs up", "yes"), ("\N{THUMBS UP SIGN}", "yes"),
    (3.0, "yes"), ("4 - Strong Hire", "strong_yes"), ("strong_yes", "strong_yes"), ("Strong Hire", "strong_yes"),
    ("strongHire", "strong_yes"), ({"score": 4}, "strong_yes"), ("4/4", "strong_yes"),
    ("mixed", None), ("no_decision", None), ("", None), (None, None), ("3.5", None), (5, None), ("maybe", None),
])
def test_io_recommendation_is_normalised(raw, expected):
    assert normalise_recommendation(raw) == expected


def test_io_unknown_recommendation_keeps_the_raw_value(tmp_path):
    rows = read(tmp_path, "notes.csv", "notes,recommendation\nFine.,mixed\n")
    assert (rows[0].stated_recommendation, rows[0].stated_raw) == (None, "mixed")


# --- presets ---------------------------------------------------------------------------------

PRESET_SAMPLES = [
    ("greenhouse", "greenhouse_api_v1_scorecards.json", 5),
    ("greenhouse-v3", "greenhouse_v3_scorecards.json", 4),
    ("greenhouse-bi", "greenhouse_bi_scorecard_question_answers.csv", 4),
    ("lever", "lever_feedback.json", 4),
    ("ashby", "ashby_application_feedback.json", 4),
]


def test_io_every_preset_has_a_sample():
    assert sorted(PRESETS) == sorted(name for name, _, _ in PRESET_SAMPLES)


@pytest.mark.parametrize("preset, file_name, count", PRESET_SAMPLES)
def test_io_preset_reads_its_sample_export(preset, file_name, count):
    rows = list(read_notes(EXPORTS / file_name, preset=preset))
    assert len(rows) == count
    assert all(row.error is None and row.text and row.text.strip() for row in rows)
    assert all(row.location.startswith(f"{file_name}:") for row in rows)
    assert all(row.stated_recommendation in (*RECOMMENDATIONS, None) for row in rows)
    assert len({row.stated_recommendation for row in rows} - {None}) >= 2
    assert len({row.candidate for row in rows}) == 2 and all(row.interviewer for row in rows)


def test_io_greenhouse_joins_answers_and_attribute_notes():
    first = next(read_notes(EXPORTS / "greenhouse_api_v1_scorecards.json", preset="greenhouse"))
    assert first.text.startswith("Key Take-Aways: Best system design round")
    assert "System design: Sketched the queue" in first.text
    assert (first.id, first.candidate, first.interviewer, first.stated_raw) == (
        "90211401", "48213007", "Julia Brandt", "strong_yes")


def test_io_greenhouse_v3_answer_array_is_grouped_by_scorecard(tmp_path):
    answers = [{"id": 1, "scorecard_id": 7, "scorecard_question_id": 1, "answer": "Strong SQL."},
               {"id": 2, "scorecard_id": 7, "scorecard_question_id": 2, "answer": "Quiet in the group task."},
               {"id": 3, "scorecard_id": 9, "scorecard_question_id": 1, "answer": "Blamed his team."}]
    rows = read(tmp_path, "answers.json", json.dumps(answers, indent=1), preset="greenhouse-v3")
    assert [(row.id, row.text) for row in rows] == [("7", "Strong SQL.\n\nQuiet in the group task."),
                                                    ("9", "Blamed his team.")]


def test_io_lever_reads_the_rating_field():
    ratings = [row.stated_raw for row in read_notes(EXPORTS / "lever_feedback.json", preset="lever")]
    assert ratings == ["4 - Strong Hire", "2 - No Hire", "1 - Strong No Hire", "3 - Hire"]


def test_io_preset_rejects_a_file_of_another_shape(tmp_path):
    with pytest.raises(InputFormatError, match="'results' array"):
        read(tmp_path, "x.json", '{"data": 1}', preset="ashby")


def test_io_greenhouse_bi_needs_its_columns(tmp_path):
    with pytest.raises(ColumnMappingError, match="scorecard_id, question and answer"):
        read(tmp_path, "bi.csv", "id,notes\n1,x\n", preset="greenhouse-bi")


# --- sample exports --------------------------------------------------------------------------

def test_io_generic_sample_export_reads_cleanly():
    rows = list(read_notes(EXPORTS / "notes.csv"))
    assert len(rows) == 30 and all(row.error is None and row.text for row in rows)
    assert len({row.candidate for row in rows}) == 8 and len({row.requisition for row in rows}) == 3
    assert {row.stated_recommendation for row in rows} == {*RECOMMENDATIONS, None}


@pytest.mark.parametrize("file_name", ["notes.jsonl", "notes.tsv", "notes.txt"])
def test_io_small_sample_exports_read_cleanly(file_name):
    rows = list(read_notes(EXPORTS / file_name))
    assert 3 <= len(rows) <= 6 and all(row.error is None and row.text for row in rows)


# --- streaming -------------------------------------------------------------------------------

def _json_array_chunks(count):
    yield b"["
    for index in range(count):
        yield (b"," if index else b"") + json.dumps({"id": index, "notes": "x" * 80}).encode() + b"\n"
    yield b"]"


def _lines(header, line, count):
    if header:
        yield header
    for index in range(count):
        yield line(index)


STREAMS = {
    "json": lambda count: _json_array_chunks(count),
    "jsonl": lambda count: _lines(b"", lambda i: json.dumps({"notes": f"note {i} " + "x" * 80}).encode() + b"\n",
                                  count),
    "csv": lambda count: _lines(b"id,notes\n", lambda i: f"{i},note {i} {'x' * 80}\n".encode(), count),
    "text": lambda count: _lines(b"", lambda i: f"note {i} {'x' * 80}\n\n".encode(), count),
}


@pytest.mark.parametrize("input_format", sorted(STREAMS))
def test_io_rows_are_yielded_before_the_input_is_read_whole(input_format):
    stream = TrickleStream(STREAMS[input_format](5000))
    rows = read_notes(stream, input_format=input_format)
    first = next(rows)
    assert first.row == 1 and first.text
    assert not stream.exhausted and stream.served < 200_000
    assert sum(1 for _ in rows) == 4999


# --- writers ---------------------------------------------------------------------------------

def _record(**changes):
    record = {
        "row": 3, "id": "n3", "status": "ok", "error": None, "candidate": "Priya Raman", "interviewer": "Lena Park",
        "role": "Senior Data Analyst", "requisition": "REQ-2031", "labels": ["skill_gap", "alternate_role"],
        "scores": {"skill_gap": 0.91234, "fit_doubt": 0.1, "arrogance": 0.02, "alternate_role": 0.7},
        "evidence": {"skill_gap": [{"text": "never got to variance", "start": 10, "end": 31}],
                     "alternate_role": [{"text": "data science opening", "start": 40, "end": 60}]},
        "recommendation": {"stated": "no", "inferred": "yes", "mismatch": True},
        "next_round": [{"label": "skill_gap", "cover": "experiment design", "format": "case study",
                        "source": {"text": "never got to variance", "start": 10, "end": 31}}],
        "flags": ["protected_characteristic"],
    }
    record.update(changes)
    return record


def test_io_write_jsonl_writes_one_object_per_line():
    out = io.StringIO()
    assert write_jsonl(iter([_record(), _record(id="n4", candidate="Tomás")]), out) == 2
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["n3", "n4"]
    assert "Tomás" in lines[1]


def test_io_write_csv_flattens_a_record():
    out = io.StringIO()
    assert write_csv([_record()], out) == 1
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert [f"score_{label}" in row for label in LABELS] == [True] * len(LABELS)
    assert row["labels"] == "skill_gap;alternate_role" and row["score_skill_gap"] == "0.9123"
    assert (row["recommendation_stated"], row["recommendation_inferred"], row["recommendation_mismatch"]) == (
        "no", "yes", "true")
    assert row["evidence"] == "skill_gap: never got to variance | alternate_role: data science opening"
    assert row["next_round"] == "experiment design (case study)"
    assert row["flags"] == "protected_characteristic"


def test_io_write_csv_writes_error_records_with_empty_results():
    out = io.StringIO()
    error = _record(status="error", error="row 4 (x.csv:5): no text cell", labels=[], scores={}, evidence={},
                    next_round=[], flags=[], recommendation={"stated": None, "inferred": None, "mismatch": False})
    write_csv([error], out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["status"], row["error"], row["labels"], row["score_skill_gap"], row["evidence"]) == (
        "error", "row 4 (x.csv:5): no text cell", "", "", "")


def test_io_writers_write_each_record_as_it_comes():
    out = io.StringIO()

    def records():
        yield _record()
        assert out.getvalue().count("\n") == 1
        yield _record(id="n4")

    assert write_jsonl(records(), out) == 2


def test_io_package_imports_no_heavy_libraries():
    code = ("import sys, analyzer.io; heavy = [m for m in ('spacy', 'sklearn', 'numpy', 'click') if m in sys.modules];"
            " print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"
