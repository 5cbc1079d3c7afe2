"""The corpus floors: each test fails if the corpus regresses below the issue's bar."""

import pytest

from analyzer.corpus import check_record
from analyzer.corpus_stats import corpus_statistics, near_duplicate_pairs
from analyzer.errors import CorpusError
from analyzer.labels import LABELS


@pytest.fixture(scope="module")
def stats(corpus_records):
    return corpus_statistics(corpus_records)


def test_corpus_size_and_breadth(stats):
    assert stats["notes"] >= 2000
    assert len(stats["industries"]) >= 15
    assert stats["roles"] >= 60


def test_corpus_lengths(stats):
    assert stats["length"]["min"] < 10
    assert stats["length"]["max"] > 200
    assert 40 <= stats["length"]["median"] <= 90


@pytest.mark.parametrize("label", LABELS)
def test_corpus_label_floor(stats, label):
    assert stats["labels"][label] >= 350


def test_corpus_clear_and_multi_label(stats):
    assert stats["clear"] >= 0.25 * stats["notes"]
    assert stats["multi_label"] >= 300


@pytest.mark.parametrize("kind, floor", [("negation", 250), ("hedge", 150), ("mixed", 150)])
def test_corpus_hard_cases(stats, kind, floor):
    assert stats["kinds"].get(kind, 0) >= floor


def test_corpus_formats_all_present(stats):
    for name in ("prose", "bullets", "pros_cons", "scorecard", "one_liner", "shorthand"):
        assert stats["formats"].get(name, 0) >= 50, name


def test_corpus_panels_and_openings(stats):
    assert stats["panels_2_to_5"] >= 300
    assert stats["conflicting_panels"] >= 60
    assert stats["requisitions_3_plus"] >= 40


def test_corpus_protected_flags_spread(stats):
    assert stats["protected_characteristic"] >= 100
    assert stats["protected_by_label"]["clear"] >= 10
    assert sum(stats["protected_by_label"][label] > 0 for label in LABELS) == len(LABELS)


def test_corpus_no_exact_duplicates_and_unique_ids(stats):
    assert stats["exact_duplicates"] == 0
    assert stats["unique_ids"] == stats["notes"]


def test_corpus_near_duplicates_rare(corpus_records):
    pairs = near_duplicate_pairs(corpus_records, n=5, threshold=0.5)
    assert len(pairs) <= 0.005 * len(corpus_records), pairs[:10]


def test_corpus_openings_vary(stats):
    assert stats["max_opening_repeats"] < 4, stats["repeated_openings"]


@pytest.mark.parametrize("label", LABELS)
def test_corpus_label_names_rare(stats, label):
    assert stats["label_name_share"][label] <= 0.35


def test_corpus_splits_grouped_and_sized(stats):
    assert stats["candidates_in_several_splits"] == 0
    assert stats["splits"]["test"]["share"] >= 0.20
    assert stats["splits"]["dev"]["share"] >= 0.10
    for split in ("train", "dev", "test"):
        for label in LABELS:
            share = stats["splits"][split]["labels"][label] / stats["labels"][label]
            assert abs(share - stats["splits"][split]["share"]) < 0.06, (split, label)


def test_corpus_topics_cover_each_label(corpus_records):
    missing = [r["id"] for r in corpus_records if set(r.get("topics", {})) != set(r["labels"])]
    assert not missing, missing[:10]
    for record in corpus_records:
        for phrases in record["topics"].values():
            assert 1 <= len(phrases) <= 3, record["id"]


def test_corpus_check_record_names_field():
    with pytest.raises(CorpusError, match="notes.jsonl:7: field 'labels'"):
        check_record({"id": "x", "text": "fine", "labels": ["skill-gap"]}, where="notes.jsonl:7")


def _annotations(name, annotator="second"):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "corpus" / "annotation" / f"{name}_{annotator}_annotator.jsonl"
    return {item["id"]: set(item["labels"]) for item in map(json.loads, path.read_text().splitlines()) if item}


def _second_annotations(name):
    return _annotations(name, "second")


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("name", ["round2", "round3", "round4", "round5", "round6", "round7", "round8",
                                  "round9"])
def test_corpus_agreement_after_guideline_fixes(name, label):
    from analyzer.agreement import agreement

    result = agreement(_annotations(name, "first"), _annotations(name, "second"))
    assert result["notes"] >= 300
    assert result["labels"][label]["kappa"] >= 0.75


def test_corpus_double_annotation_sample_is_stratified(corpus_records):
    by_id = {r["id"]: r for r in corpus_records}
    for name in ("round1", "round2", "round3", "round4", "round5", "round6", "round7", "round8", "round9"):
        assert set(_annotations(name, "first")) == set(_annotations(name, "second"))
        sample = [by_id[i] for i in _second_annotations(name)]
        assert len(sample) >= 300
        for kind in ("plain", "negation", "hedge", "mixed"):
            assert sum(r["kind"] == kind for r in sample) >= 30, (name, kind)
        for label in LABELS:
            assert sum(label in r["labels"] for r in sample) >= 50, (name, label)


def test_corpus_guidelines_have_worked_examples_per_label():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "corpus" / "GUIDELINES.md").read_text()
    rows = [line for line in guide.splitlines() if line.startswith("| \"") or line.startswith("| *Near miss")]
    for label in LABELS:
        assert sum(f"`{label}`" in row for row in rows) >= 3, label
    assert sum("Near miss" in row for row in rows) >= 4


def test_cohen_kappa_known_values():
    from analyzer.agreement import cohen_kappa

    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]) == 0.5
    assert cohen_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == -1.0
