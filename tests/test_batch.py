import csv
import io
import json

import pytest
from click.testing import CliRunner

from analyzer.batch import EXIT_ROWS_FAILED, PanelCollector, analyse_rows, panel_outline, rank_requisitions
from analyzer.cli import INPUT_FORMATS, PRESET_NAMES, main
from analyzer.io import FORMATS, PRESETS, NoteRow

# The bad-row matrix: each cell gives an error naming its row, or a result; never a traceback.
BAD_CELLS = [
    ("", "empty"),
    ("   \n\t", "empty"),
    ("x " * 15_000, "over the limit"),
    ("Good with SQL\x00\x00", "NUL"),
    ("<p>Great on <b>SQL</b>, but <i>couldn't</i> explain a join.</p>", None),
    ("🔥🔥🔥 👍", "no words"),
    ("12345 678", "no words"),
    ("Muy buena candidata, pero no tiene experiencia con los clientes y es un poco lenta.", "Spanish"),
]


def _rows(texts):
    return [NoteRow(row=i, id=f"n{i}", text=text, candidate=f"c{i % 3}", interviewer=f"i{i}")
            for i, text in enumerate(texts, start=1)]


def test_batch_every_row_comes_out_once_in_order(small_model):
    texts = ["Strong on SQL; kind to the team.", *[cell for cell, _ in BAD_CELLS], "Couldn't explain a left join."]
    records = list(analyse_rows(_rows(texts), small_model, chunk_size=3))
    assert [r["row"] for r in records] == list(range(1, len(texts) + 1))
    for record, (_, reason) in zip(records[1:-1], BAD_CELLS):
        if reason is None:
            assert record["status"] == "ok"
        else:
            assert record["status"] == "error" and reason in record["error"]
            assert record["error"].startswith(f"row {record['row']}")
    assert records[0]["status"] == records[-1]["status"] == "ok"


def test_batch_reader_errors_become_row_errors(small_model):
    rows = [NoteRow(row=1, id="a", text=None, error="row 1 (x.csv:2): the text cell is missing"),
            NoteRow(row=2, id="b", text="Great engineer.")]
    records = list(analyse_rows(rows, small_model))
    assert records[0]["status"] == "error" and "missing" in records[0]["error"]
    assert records[1]["status"] == "ok"


def test_batch_jobs_give_the_same_records_as_one_process(small_model, small_records):
    rows = _rows([record["text"] for record in small_records[:60]] + [""])
    assert list(analyse_rows(rows, small_model, jobs=2, chunk_size=8)) == list(analyse_rows(rows, small_model))


def test_batch_plan_items_trace_to_spans_of_the_note(small_model, small_records):
    texts = [record["text"] for record in small_records[:80]]
    for text, record in zip(texts, analyse_rows(_rows(texts), small_model)):
        for item in record["next_round"]:
            for detail in [item["source"], *item["details"]]:
                assert text[detail["start"]:detail["end"]] == detail["text"]
            assert item["cover"] == item["source"]["text"]
        for items in record["evidence"].values():
            for item in items:
                assert text[item["start"]:item["end"]] == item["text"]


def test_batch_recommendation_mismatch_when_stated_and_read_disagree(small_model):
    text = "Strong hire. Brilliant on the design exercise, and the team loved her."
    stated_no, stated_yes = (NoteRow(row=i, id=str(i), text=text, stated_recommendation=value)
                             for i, value in ((1, "no"), (2, "strong_yes")))
    first, second = analyse_rows([stated_no, stated_yes], small_model)
    assert first["recommendation"]["inferred"] in ("yes", "strong_yes")
    assert first["recommendation"]["mismatch"] is True
    assert second["recommendation"]["mismatch"] is False


def test_batch_panels_and_requisitions_from_the_stream(small_model):
    rows = [NoteRow(row=1, id="1", text="Great analyst, clear SQL.", candidate="A", interviewer="x",
                    requisition="R", stated_recommendation="strong_yes"),
            NoteRow(row=2, id="2", text="Couldn't write a join; no.", candidate="B", interviewer="x",
                    requisition="R", stated_recommendation="no"),
            NoteRow(row=3, id="3", text="Liked her a lot.", candidate="B", interviewer="y",
                    requisition="R", stated_recommendation="yes"),
            NoteRow(row=4, id="4", text="No candidate column for this one.")]
    with PanelCollector() as collector:
        for record in analyse_rows(rows, small_model):
            collector.add(record)
        panels = list(collector.panels())
        from_outlines = list(collector.rankings([panel_outline(panel) for panel in panels]))
    assert [p["candidate"] for p in panels] == ["A", "B"]
    assert panels[1]["conflicting_reports"]["conflict"] is True
    ranking = rank_requisitions(panels)[0]["ranking"]
    assert [(entry["candidate"], entry["status"]) for entry in ranking] == [("A", "preferred"), ("B", "second in line")]
    assert from_outlines == rank_requisitions(panels) and ranking[1]["recheck"]


def test_batch_cli_presets_and_formats_match_the_readers():
    assert set(PRESET_NAMES) == set(PRESETS)
    assert set(INPUT_FORMATS) == set(FORMATS)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "candidate", "interviewer", "requisition", "recommendation", "feedback"])
        writer.writerow(["n1", "A", "Ana", "R1", "yes", "Strong on SQL, clear on trade-offs. Yes."])
        writer.writerow(["n2", "A", "Tom", "R1", "no", "Couldn't explain a left join. Didn't get to system design."])
        writer.writerow(["n3", "B", "Ana", "R1", "yes", ""])
        writer.writerow(["n4", "B", "Tom", "R1", "strong_yes", "Excellent; <b>hire</b>."])
    return path


def test_batch_cli_jsonl_has_every_row_and_exits_3_on_errors(small_model_dir, export, tmp_path):
    panels = tmp_path / "panels.jsonl"
    result = CliRunner().invoke(main, ["batch", str(export), "--model", str(small_model_dir),
                                       "--panels", str(panels)])
    assert result.exit_code == EXIT_ROWS_FAILED, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["n1", "n2", "n3", "n4"]
    assert records[2]["status"] == "error" and "row 3" in records[2]["error"]
    assert records[1]["recommendation"]["stated"] == "no"
    # The open follow-up is planned: as an item of its own, or quoted inside a concern the
    # small test model raises on the same sentence.
    assert any("system design" in item["cover"] for item in records[1]["next_round"])
    assert "4 rows read: 3 analysed, 1 with errors" in result.stderr
    lines = [json.loads(line) for line in panels.read_text().splitlines()]
    assert [p["candidate"] for p in lines] == ["A", "B"] and lines[0]["conflicting_reports"]["conflict"]


def test_batch_cli_all_rows_analysed_exits_0(small_model_dir, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Great communicator.\n\nCouldn't explain a left join.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(path), "--model", str(small_model_dir), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["status"] for row in rows] == ["ok", "ok"]


def test_batch_cli_html_report_is_self_contained(small_model_dir, export, tmp_path):
    output = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["batch", str(export), "--model", str(small_model_dir),
                                       "--format", "html", "--output", str(output)])
    assert result.exit_code == EXIT_ROWS_FAILED
    page = output.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "http://" not in page and "https://" not in page
    assert "Conflicting reports" in page and "<b>hire</b>" not in page


def test_batch_cli_unreadable_file_names_file_and_line(small_model_dir, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "broken\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(path), "--model", str(small_model_dir)])
    assert result.exit_code == 1
    assert "broken.jsonl:2" in result.output


def test_batch_cli_ambiguous_columns_list_what_was_found(small_model_dir, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("id,notes,comments\n1,Great.,Also great.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(path), "--model", str(small_model_dir)])
    assert result.exit_code == 1
    assert "--text-column" in result.output and "comments" in result.output


PRESET_SAMPLES = {
    "greenhouse": "greenhouse_api_v1_scorecards.json",
    "greenhouse-v3": "greenhouse_v3_scorecards.json",
    "greenhouse-bi": "greenhouse_bi_scorecard_question_answers.csv",
    "lever": "lever_feedback.json",
    "ashby": "ashby_application_feedback.json",
}


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_batch_cli_each_preset_sample_runs(small_model_dir, preset):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "examples" / "exports" / PRESET_SAMPLES[preset]
    result = CliRunner().invoke(main, ["batch", str(sample), "--preset", preset, "--model", str(small_model_dir)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) >= 3 and all(r["status"] == "ok" and r["candidate"] for r in records)
    assert any(r["recommendation"]["stated"] for r in records)


def test_batch_cli_bad_row_matrix_rows_in_equal_rows_out(small_model_dir, tmp_path):
    cells = [b"Strong on SQL and kind to the team.", b"", b"   ", b"x " * 15_000, b"Good with\x00 SQL",
             b"<p>Great on <b>SQL</b>.</p>", "🔥🔥 👍".encode(), b"12345 678",
             "Muy buena candidata, pero no tiene experiencia con los clientes.".encode(),
             b"bad \xff\xfe bytes in this one", b"Couldn't explain a left join."]
    lines = [b"id,text"] + [b'%d,"%s"' % (i, cell) for i, cell in enumerate(cells, start=1)] + [b"99"]
    path = tmp_path / "matrix.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner().invoke(main, ["batch", str(path), "--model", str(small_model_dir)])
    assert result.exit_code == EXIT_ROWS_FAILED, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [*map(str, range(1, len(cells) + 1)), "99"]
    statuses = [r["status"] for r in records]
    assert statuses == ["ok", "error", "error", "error", "error", "ok", "error", "error", "error", "error", "ok", "error"]
    assert all(r["error"].startswith(f"row {r['row']} (matrix.csv:") for r in records if r["status"] == "error")
