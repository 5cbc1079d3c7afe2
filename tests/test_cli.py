import json

import pytest
from click.testing import CliRunner

from analyzer.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, args, **kwargs):
    return runner.invoke(main, args, catch_exceptions=False, **kwargs)


def test_cli_every_command_has_help(runner):
    for name, command in main.commands.items():
        result = run(runner, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, name


def test_cli_classify_text_is_readable(runner, small_model_dir):
    result = run(runner, ["classify", "--model", str(small_model_dir),
                          "Couldn't explain a left join. Lovely person otherwise."])
    assert result.exit_code == 0
    assert "skill_gap" in result.output and "Recommendation" in result.output


def test_cli_classify_json_fields(runner, small_model_dir):
    text = "Talked over the junior engineer and said our pipeline was rubbish."
    result = run(runner, ["classify", "--format", "json", "--model", str(small_model_dir), text])
    payload = json.loads(result.output)
    assert set(payload) == {"labels", "scores", "evidence", "recommendation"}
    for label, items in payload["evidence"].items():
        assert label in payload["labels"]
        for item in items:
            assert text[item["start"]:item["end"]] == item["text"]


def test_cli_classify_stdin_and_file(runner, small_model_dir, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("\ufeffStrong on pricing, shaky on cohort analysis.", encoding="utf-8")
    from_file = run(runner, ["classify", "--format", "json", "--model", str(small_model_dir), "--file", str(note)])
    from_stdin = run(runner, ["classify", "--format", "json", "--model", str(small_model_dir), "-"],
                     input="Strong on pricing, shaky on cohort analysis.")
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert json.loads(from_file.output) == json.loads(from_stdin.output)


@pytest.mark.parametrize("payload, message", [
    (b"   \n ", "empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"\xff\xfe\xfa not utf8", "UTF-8"),
    (b"word " * 250_000, "limit"),
])
def test_cli_classify_bad_input_is_a_clear_error(runner, small_model_dir, tmp_path, payload, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(payload)
    result = runner.invoke(main, ["classify", "--model", str(small_model_dir), "--file", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_classify_without_text_is_usage_error(runner):
    result = runner.invoke(main, ["classify"])
    assert result.exit_code == 2


def test_cli_classify_tampered_model_is_refused(runner, small_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(small_model_dir, copy)
    (copy / "model.joblib").write_bytes(b"not the model")
    result = runner.invoke(main, ["classify", "--model", str(copy), "some note"])
    assert result.exit_code == 1
    assert "sha256" in result.output


def test_cli_train_and_evaluate_on_a_small_corpus(runner, small_records, corpus_records, tmp_path):
    corpus = tmp_path / "notes.jsonl"
    test_notes = [r for r in corpus_records if r["split"] == "test"][:60]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in small_records + test_notes))
    output = tmp_path / "model"
    trained = runner.invoke(main, ["train", "--corpus", str(corpus), "--output", str(output)])
    assert trained.exit_code == 0, trained.output
    assert (output / "meta.json").exists()
    evaluated = runner.invoke(main, ["evaluate", "--model", str(output), "--corpus", str(corpus),
                                     "--output", str(tmp_path / "m.json")])
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics[str(output)]["notes"] == 60
    assert "macro-F1" in evaluated.output


def test_cli_suggest_writes_label_studio_tasks_and_their_config(runner, small_model_dir, tmp_path):
    from pathlib import Path

    export = Path(__file__).resolve().parents[1] / "examples" / "exports" / "notes.csv"
    tasks_path = tmp_path / "tasks.json"
    result = run(runner, ["suggest", str(export), "--n", "10", "--format", "label-studio", "-o", str(tasks_path),
                          "--model", str(small_model_dir)])
    assert result.exit_code == 0, result.output
    tasks = json.loads(tasks_path.read_text())
    assert len(tasks) == 10 and all(task["data"]["text"] for task in tasks)
    config = (tmp_path / "tasks_config.xml").read_text()
    assert '<Choices name="labels"' in config and 'toName="text"' in config


def test_cli_audit_labels_finds_flipped_labels_and_names_their_lines(runner, small_records, tmp_path):
    rows = [{"text": r["text"], "label": list(r["labels"])} for r in small_records]
    flipped = [n for n, row in enumerate(rows) if row["label"] == ["arrogance"]][:4]
    for n in flipped:
        rows[n]["label"] = []
    data = tmp_path / "labelled.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run(runner, ["audit-labels", str(data), "--format", "jsonl", "-o", str(tmp_path / "suspects.jsonl")])
    assert result.exit_code == 0, result.output
    suspects = [json.loads(line) for line in open(tmp_path / "suspects.jsonl")]
    found = {s["source"] for s in suspects if s["label"] == "arrogance" and s["kind"] == "missing"}
    assert len(found & {f"{data}:{n + 1}" for n in flipped}) >= 2


def test_cli_train_refuses_a_labels_file_that_is_not_a_mapping(runner, tmp_path):
    labels_file = tmp_path / "labels.json"
    labels_file.write_text('["leadership_gap"]')
    data = tmp_path / "data.jsonl"
    data.write_text('{"text": "Fine.", "label": []}\n')
    result = runner.invoke(main, ["train", "--data", str(data), "--labels-file", str(labels_file)])
    assert result.exit_code == 2
    assert "labels.json" in result.output and "mapping of label name to description" in result.output
