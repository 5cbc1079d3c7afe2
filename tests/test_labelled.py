"""Reading labelled notes for retraining: formats, label checks, duplicates and conflicts."""

import json
import shutil
from pathlib import Path

import pytest

from analyzer.errors import LabelledDataError
from analyzer.labelled import FORMATS, Conflict, detect_format, merge_with_base, read_labelled

DATA = Path(__file__).parent / "data" / "labelled"
SAMPLES = {
    "jsonl": "ours.jsonl", "csv": "ours.csv", "doccano-jsonl": "doccano.jsonl", "doccano-csv": "doccano.csv",
    "label-studio": "label_studio.json", "label-studio-min": "label_studio_min.json", "prodigy": "prodigy.jsonl",
}
NOTE = "Strong on SQL, but could not explain how she would shard the orders table."


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def write_jsonl(tmp_path, name, *records):
    return write(tmp_path, name, "".join(json.dumps(record) + "\n" for record in records))


def problems_of(call):
    with pytest.raises(LabelledDataError) as caught:
        call()
    return caught.value.problems


def notes(labelled):
    return sorted((" ".join(r["text"].split()), tuple(r["labels"]), r.get("recommendation", "unknown"))
                  for r in labelled.records)


def test_labelled_samples_cover_every_format():
    assert set(SAMPLES) == set(FORMATS)


@pytest.mark.parametrize("input_format, name", SAMPLES.items())
def test_labelled_detects_format(input_format, name):
    assert detect_format(DATA / name) == input_format


@pytest.mark.parametrize("input_format, name", SAMPLES.items())
def test_labelled_detects_format_from_content_not_extension(tmp_path, input_format, name):
    renamed = shutil.copy(DATA / name, tmp_path / "export.txt")
    assert detect_format(renamed) == input_format


@pytest.mark.parametrize("input_format, name", SAMPLES.items())
def test_labelled_reads_same_notes_from_every_format(input_format, name):
    expected = notes(read_labelled(DATA / "ours.jsonl"))
    assert len(expected) == 6
    assert notes(read_labelled(DATA / name)) == expected
    assert notes(read_labelled(DATA / name, input_format=input_format)) == expected


@pytest.mark.parametrize("name, line", [("ours.csv", 2), ("doccano.jsonl", 1), ("label_studio.json", 2),
                                        ("label_studio_min.json", 2), ("prodigy.jsonl", 1)])
def test_labelled_records_name_their_file_and_line(name, line):
    first = read_labelled(DATA / name).records[0]
    assert first["source"] == f"{DATA / name}:{line}"
    assert first["labels"] == ["skill_gap"]


def test_labelled_undecided_format_names_file_and_choices(tmp_path):
    path = write_jsonl(tmp_path, "notes.jsonl", {"text": NOTE, "tags": ["skill_gap"]})
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}: cannot tell which export this is")
    assert "--input-format" in problem and "label-studio-min" in problem


def test_labelled_input_format_overrides_detection(tmp_path):
    path = write(tmp_path, "min.json", json.dumps([{"text": NOTE, "callback": "skill_gap", "id": 4}]))
    with pytest.raises(LabelledDataError):
        detect_format(path)
    assert read_labelled(path, input_format="label-studio-min").records[0]["labels"] == ["skill_gap"]


@pytest.mark.parametrize("allow_new_labels", [False, True])
@pytest.mark.parametrize("label, meant", [("skill-gap", "skill_gap"), ("Arrogance", "arrogance"),
                                          ("fit doubt", "fit_doubt"), ("skil_gap", "skill_gap"),
                                          ("alternate_roles", "alternate_role"), ("Strong Yes", "strong_yes"),
                                          ("Clear", "clear")])
def test_labelled_misspelled_label_suggests_the_known_one(tmp_path, label, meant, allow_new_labels):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": [label]})
    [problem] = problems_of(lambda: read_labelled(path, allow_new_labels=allow_new_labels))
    assert problem.startswith(f"{path}:1: field 'labels': unknown label {label!r}; did you mean {meant!r}?")


def test_labelled_new_label_needs_allow_new_labels(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": ["leadership_gap", "skill_gap"]})
    [problem] = problems_of(lambda: read_labelled(path))
    assert "unknown label 'leadership_gap'" in problem and "--allow-new-labels" in problem
    labelled = read_labelled(path, allow_new_labels=True)
    assert labelled.records[0]["labels"] == ["skill_gap", "leadership_gap"]
    assert labelled.new_labels == ["leadership_gap"]


def test_labelled_new_label_must_be_snake_case(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": ["Team Player"]})
    [problem] = problems_of(lambda: read_labelled(path, allow_new_labels=True))
    assert "not a snake_case name" in problem and "'team_player'" in problem


def test_labelled_known_labels_can_be_extended(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": ["leadership_gap"]})
    labelled = read_labelled(path, known_labels=("skill_gap", "leadership_gap"))
    assert labelled.records[0]["labels"] == ["leadership_gap"] and labelled.new_labels == []


def conflicting_files(tmp_path):
    first = write_jsonl(tmp_path, "a.jsonl", {"id": "n1", "text": "Fine all round.", "labels": []},
                        {"id": "n2", "text": NOTE, "labels": ["skill_gap"]})
    second = write(tmp_path, "b.csv", f'text,labels\nQuick and sharp.,\n"  {NOTE.replace(", ", ",  ")} ",fit_doubt\n')
    return first, second


def test_labelled_conflict_names_both_sources(tmp_path):
    first, second = conflicting_files(tmp_path)
    [problem] = problems_of(lambda: read_labelled([first, second]))
    assert problem.startswith(f"{second}:3: field 'labels': ['fit_doubt'] conflicts with ['skill_gap'] at {first}:2")
    assert "Strong on SQL" in problem and "--on-conflict" in problem


@pytest.mark.parametrize("on_conflict, kept", [("prefer-last", ["fit_doubt"]), ("drop", None)])
def test_labelled_conflict_settled_as_asked_and_still_listed(tmp_path, on_conflict, kept):
    first, second = conflicting_files(tmp_path)
    labelled = read_labelled([first, second], on_conflict=on_conflict)
    survivors = [r["labels"] for r in labelled.records if r["text"].strip().startswith("Strong on SQL")]
    assert survivors == ([kept] if kept else [])
    assert len(labelled.records) == (3 if kept else 2)
    assert labelled.conflicts == [Conflict(NOTE[:57].rstrip() + "...", (f"{first}:2", ["skill_gap"]),
                                           (f"{second}:3", ["fit_doubt"]))]


def test_labelled_differing_recommendations_conflict(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": [], "recommendation": "yes"},
                       {"id": "n2", "text": NOTE, "labels": [], "recommendation": "no"})
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:2: field 'recommendation': 'no' conflicts with 'yes' at {path}:1")


def test_labelled_duplicates_merged_with_both_sources(tmp_path):
    ours = write_jsonl(tmp_path, "ours.jsonl", {"id": "n1", "text": NOTE, "labels": ["skill_gap"],
                                                "recommendation": "no"})
    doccano = write_jsonl(tmp_path, "doccano.jsonl", {"id": 7, "text": f"\n{NOTE}  ", "label": ["skill_gap"]})
    labelled = read_labelled([doccano, ours])
    assert labelled.duplicates_merged == 1 and labelled.conflicts == []
    [record] = labelled.records
    assert record["sources"] == [f"{doccano}:1", f"{ours}:1"] and "source" not in record
    assert record["labels"] == ["skill_gap"] and record["recommendation"] == "no"


@pytest.mark.parametrize("bad_line, expected", [
    ('{"id": "n2", "labels": []}', "field 'text': missing"),
    ('{"id": "n2", "text": "   ", "labels": []}', "field 'text': empty"),
    ('{"id": "n2", "text": 42, "labels": []}', "field 'text': expected the note as a string"),
    ('{"id": "n2", "text": "ok", "labels": "skill_gap"}', "field 'labels': expected a list of labels"),
    ('{"id": "n2", "text": "ok"}', "field 'labels': missing"),
    ('{"id": "n2", "text": "ok", "labels": [3]}', "field 'labels': expected a label name"),
    ('{"id": "n2", "text": "ok", "labels": [], "recommendation": "maybe"}', "field 'recommendation': 'maybe'"),
    ('{"id": "n2", "text": "ok", "labels": [], "kind": "sarcasm"}', "field 'kind': 'sarcasm'"),
    ('{"id": "n2", "text": "ok", "labels": [], "candidate": ["x"]}', "field 'candidate': expected a string"),
    ('{"id": ["n2"], "text": "ok", "labels": []}', "field 'id': expected a string"),
    ('{"id": "n2", "text": "ok", labels: []}', "invalid JSON"),
    ('["ok", "skill_gap"]', "expected a JSON object"),
])
def test_labelled_bad_row_names_file_line_and_field(tmp_path, bad_line, expected):
    path = write(tmp_path, "bad.jsonl", json.dumps({"id": "n1", "text": NOTE, "labels": []}) + "\n" + bad_line + "\n")
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:2: {expected}")


def test_labelled_csv_problem_names_the_line_where_the_row_starts(tmp_path):
    path = write(tmp_path, "bad.csv", f'id,text,labels\nn1,"{NOTE}\nSecond line of the note.",skill_gap\nn2,,\n')
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:4: field 'text': empty")


def test_labelled_json_array_problem_names_the_element_start_line(tmp_path):
    tasks = [{"id": n, "data": {"text": f"{NOTE} ({n})"},
              "annotations": [{"id": n, "result": [{"from_name": "labels", "to_name": "text", "type": "choices",
                                                    "value": {"choices": ["skil_gap" if n == 3 else "skill_gap"]}}]}]}
             for n in (1, 2, 3)]
    content = json.dumps(tasks, indent=2)
    path = write(tmp_path, "project.json", content)
    start = content.splitlines().index('    "id": 3,')  # 0-based index of the id line = 1-based line of the "{"
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:{start}: field 'labels': unknown label 'skil_gap'; did you mean 'skill_gap'?")


def test_labelled_nothing_returned_when_any_row_is_bad(tmp_path):
    good = write_jsonl(tmp_path, "good.jsonl", {"id": "g1", "text": "Sharp and kind.", "labels": []})
    mixed = write_jsonl(tmp_path, "mixed.jsonl", {"id": "n1", "text": NOTE, "labels": ["skill_gap"]},
                        {"id": "n2", "text": "", "labels": []}, {"id": "n3", "text": "Solid.", "labels": []},
                        {"id": "n4", "text": "Late twice.", "labels": ["fit-doubt"]})
    with pytest.raises(LabelledDataError) as caught:
        read_labelled([good, mixed])
    assert [p.split(": field")[0] for p in caught.value.problems] == [f"{mixed}:2", f"{mixed}:4"]
    assert str(caught.value).startswith("2 problems in the labelled notes, so none were read:")


def test_labelled_error_message_caps_the_list(tmp_path):
    path = write_jsonl(tmp_path, "bad.jsonl", *({"id": f"n{n}", "text": "", "labels": []} for n in range(25)))
    with pytest.raises(LabelledDataError) as caught:
        read_labelled(path)
    assert len(caught.value.problems) == 25
    message = str(caught.value)
    assert message.count("field 'text': empty") == 20 and message.endswith("... and 5 more")


def test_labelled_missing_file_is_a_problem_not_a_crash(tmp_path):
    [problem] = problems_of(lambda: read_labelled(tmp_path / "absent.jsonl", input_format="jsonl"))
    assert problem.startswith(f"{tmp_path / 'absent.jsonl'}: cannot be read")


def test_labelled_label_studio_skips_cancelled_and_unannotated():
    labelled = read_labelled(DATA / "label_studio.json")
    path = DATA / "label_studio.json"
    assert labelled.skipped == [
        (f"{path}:364", "every annotation was cancelled (skipped) in Label Studio"),
        (f"{path}:394", "not annotated (it has only predictions, which are never trained on)"),
    ]
    assert not any(r["text"].startswith(("Phone screen", "Duplicate of")) for r in labelled.records)


def test_labelled_label_studio_agreeing_annotators_read_as_one_note():
    labelled = read_labelled(DATA / "label_studio.json")
    assert len(labelled.records) == 6 and labelled.duplicates_merged == 0


def label_studio_task(*choice_sets):
    return [{"id": 9, "data": {"text": NOTE, "interviewer": "Dana"}, "annotations": [
        {"id": n, "was_cancelled": False, "result": [
            {"from_name": "labels", "to_name": "text", "type": "choices", "value": {"choices": choices}}]}
        for n, choices in enumerate(choice_sets, start=1)]}]


def test_labelled_label_studio_disagreeing_annotators_conflict(tmp_path):
    path = write(tmp_path, "project.json", json.dumps(label_studio_task(["skill_gap"], ["fit_doubt"]), indent=1))
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:2 (annotation 2): field 'labels': ['fit_doubt'] conflicts with "
                              f"['skill_gap'] at {path}:2 (annotation 1)")
    assert read_labelled(path, on_conflict="prefer-last").records[0]["labels"] == ["fit_doubt"]


def test_labelled_label_studio_empty_result_is_a_clear_note(tmp_path):
    task = label_studio_task([])
    task[0]["annotations"][0]["result"] = []
    path = write(tmp_path, "project.json", json.dumps(task))
    assert read_labelled(path).records[0]["labels"] == []


def test_labelled_label_studio_span_project_refused(tmp_path):
    task = label_studio_task(["skill_gap"])
    task[0]["annotations"][0]["result"] = [{"from_name": "label", "to_name": "text", "type": "labels",
                                            "value": {"start": 0, "end": 6, "text": "Strong", "labels": ["SKILL"]}}]
    path = write(tmp_path, "project.json", json.dumps(task * 3))
    [problem] = problems_of(lambda: read_labelled(path))
    assert "sequence-labelling project" in problem


def test_labelled_label_studio_min_ignores_task_data(tmp_path):
    record = {"text": NOTE, "note_id": "n-9", "uncertainty": 0.41, "uncertain": "skill_gap, fit_doubt",
              "interviewer": "Dana", "id": 12, "labels": {"choices": ["fit_doubt", "skill_gap"]},
              "annotator": 1, "annotation_id": 30, "lead_time": 12.5}
    path = write(tmp_path, "min.json", json.dumps([record]))
    [read] = read_labelled(path).records
    assert read["labels"] == ["skill_gap", "fit_doubt"] and read["id"] == "n-9" and "recommendation" not in read


def test_labelled_prodigy_reject_and_ignore_skipped():
    path = DATA / "prodigy.jsonl"
    assert read_labelled(path).skipped == [(f"{path}:3", "answer 'ignore' in Prodigy"),
                                           (f"{path}:6", "answer 'reject' in Prodigy")]


def test_labelled_prodigy_binary_export_refused(tmp_path):
    path = write_jsonl(tmp_path, "binary.jsonl", *({"text": f"{NOTE} {n}", "label": "skill_gap", "answer": "accept"}
                                                   for n in range(3)))
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'label': a single label and no 'options'")
    assert "choice interface" in problem


def test_labelled_prodigy_unknown_option_id(tmp_path):
    path = write_jsonl(tmp_path, "choice.jsonl", {"text": NOTE, "options": [{"id": "skill_gap", "text": "Skill"}],
                                                  "accept": ["fit_doubt"], "answer": "accept"})
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'accept': option id 'fit_doubt' is not among the task's options")


def test_labelled_doccano_span_export_refused(tmp_path):
    path = write_jsonl(tmp_path, "spans.jsonl", *({"id": n, "text": NOTE, "label": [[0, 6, "SKILL"]]}
                                                  for n in range(3)))
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'label': holds spans")
    assert "sequence-labelling project" in problem


@pytest.mark.parametrize("labels, recommendation", [(["yes", "skill_gap"], "yes"), (["strong_no"], "strong_no")])
def test_labelled_recommendation_given_as_a_label(tmp_path, labels, recommendation):
    path = write_jsonl(tmp_path, "doccano.jsonl", {"id": 1, "text": NOTE, "label": labels})
    record = read_labelled(path).records[0]
    assert record["recommendation"] == recommendation
    assert record["labels"] == [label for label in labels if label != recommendation]


def test_labelled_two_recommendations_are_an_error(tmp_path):
    path = write_jsonl(tmp_path, "doccano.jsonl", {"id": 1, "text": NOTE, "label": ["yes", "no"]})
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'label': several recommendations ('yes', 'no')")


def test_labelled_recommendation_absent_unless_given(tmp_path):
    external = write_jsonl(tmp_path, "doccano.jsonl", {"id": 1, "text": NOTE, "label": ["skill_gap"]})
    ours = write_jsonl(tmp_path, "ours.jsonl", {"id": "n1", "text": "Calm, precise, kind.", "labels": [],
                                                "recommendation": None})
    by_text = {r["text"]: r for r in read_labelled([external, ours]).records}
    assert "recommendation" not in by_text[NOTE]
    assert by_text["Calm, precise, kind."]["recommendation"] is None


@pytest.mark.parametrize("cell, labels", [("skill_gap;fit_doubt", ["skill_gap", "fit_doubt"]),
                                          ('"fit_doubt, skill_gap"', ["skill_gap", "fit_doubt"]),
                                          ("skill_gap|fit_doubt", ["skill_gap", "fit_doubt"]),
                                          ("", []), ("clear", []), ("none", [])])
def test_labelled_csv_labels_cell(tmp_path, cell, labels):
    path = write(tmp_path, "ours.csv", f"text,labels\nDecent.,{cell}\n")
    assert read_labelled(path).records[0]["labels"] == labels


def test_labelled_clear_with_a_label_is_an_error(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", {"id": "n1", "text": NOTE, "labels": ["clear", "skill_gap"]})
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'labels': says 'clear'")


def test_labelled_undecodable_bytes_name_the_note(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "n1", "text": "Caf\xe9 chain ops lead, solid.", "labels": []}\n')
    [problem] = problems_of(lambda: read_labelled(path))
    assert problem.startswith(f"{path}:1: field 'text': holds bytes that are not valid")
    assert read_labelled(path, encoding="cp1252").records[0]["text"] == "Café chain ops lead, solid."


BASE = [{"id": "b1", "text": NOTE, "labels": ["skill_gap"], "recommendation": "no", "split": "test"},
        {"id": "b2", "text": "Quiet but thorough.", "labels": [], "recommendation": "yes", "split": "train"}]


def test_labelled_merge_with_base_reports_conflict_against_base(tmp_path):
    path = write_jsonl(tmp_path, "new.jsonl", {"id": "n1", "text": NOTE, "labels": ["fit_doubt"]})
    [problem] = problems_of(lambda: merge_with_base(BASE, read_labelled(path)))
    assert problem.startswith(f"{path}:1: field 'labels': ['fit_doubt'] conflicts with ['skill_gap'] at base:b1")
    merged = merge_with_base(BASE, read_labelled(path), on_conflict="prefer-last")
    assert [(r["id"], r["labels"]) for r in merged.records] == [("n1", ["fit_doubt"]), ("b2", [])]
    assert len(merged.conflicts) == 1 and merged.conflicts[0].first == ("base:b1", ["skill_gap"])


def test_labelled_merge_with_base_merges_agreeing_note(tmp_path):
    path = write_jsonl(tmp_path, "new.jsonl", {"id": "n1", "text": f" {NOTE}", "labels": ["skill_gap"]},
                       {"id": "n2", "text": "Eager, a little green on testing.", "labels": ["skill_gap"]})
    merged = merge_with_base(BASE, read_labelled(path))
    assert merged.duplicates_merged == 1 and merged.conflicts == []
    first = merged.records[0]
    assert first["split"] == "test" and first["sources"] == ["base:b1", f"{path}:1"]
    assert [r["id"] for r in merged.records] == ["b1", "b2", "n2"]
    assert BASE[0].get("sources") is None


@pytest.mark.parametrize("options", [{"input_format": "excel"}, {"on_conflict": "average"},
                                     {"encoding": "no-such-codec"}])
def test_labelled_rejects_unknown_options(options):
    with pytest.raises(ValueError):
        read_labelled(DATA / "ours.jsonl", **options)


def test_labelled_drop_leaves_out_every_copy_of_a_disputed_note(tmp_path):
    path = write_jsonl(tmp_path, "team.jsonl", *({"id": f"n{n}", "text": NOTE, "labels": labels}
                                                 for n, labels in enumerate([["skill_gap"], ["fit_doubt"],
                                                                             ["skill_gap"]], start=1)))
    labelled = read_labelled(path, on_conflict="drop")
    assert labelled.records == []
    assert [(c.first[0], c.second[0]) for c in labelled.conflicts] == [(f"{path}:1", f"{path}:2"),
                                                                      (f"{path}:2", f"{path}:3")]


def test_labelled_csv_with_semicolon_delimiter(tmp_path):
    path = write(tmp_path, "excel.csv", '\ufeffid;text;labels;recommendation\nn1;"Good, calm, exact.";;yes\n'
                                        'n2;Vague on tests.;"skill_gap;fit_doubt";no\n')
    assert detect_format(path) == "csv"
    assert [r["labels"] for r in read_labelled(path).records] == [[], ["skill_gap", "fit_doubt"]]


def test_labelled_label_studio_csv_export_refused(tmp_path):
    path = write(tmp_path, "project.csv", 'text,id,labels,annotator,annotation_id,created_at,updated_at,lead_time\n'
                                          f'"{NOTE}",3,"{{""choices"": [""skill_gap"", ""fit_doubt""]}}",1,4,x,y,9.5\n')
    [problem] = problems_of(lambda: read_labelled(path))
    assert "Label Studio's CSV export" in problem and "JSON_MIN" in problem
