import copy
import io
import json
import random
import xml.etree.ElementTree as ElementTree

import pytest

from analyzer.labelling import (
    AuditResult,
    audit_labels,
    label_studio_config,
    label_uncertainty,
    suggest,
    write_audit,
    write_suggestions,
)
from analyzer.labels import LABELS

FLIPS = 15


def note_uncertainty(model, texts):
    """Each text's highest per-label uncertainty under the model."""
    return [max(label_uncertainty(analysis.scores[label], threshold)
                for label, threshold in zip(model.labels, model.thresholds))
            for analysis in model.analyze_many(texts)]


@pytest.fixture(scope="module")
def test_texts(corpus_records):
    return [r["text"] for r in corpus_records if r["split"] == "test"][:200]


@pytest.fixture(scope="module")
def ranked_texts(small_model, test_texts):
    """Test-split texts, most uncertain first."""
    uncertainty = note_uncertainty(small_model, test_texts)
    return [text for _, text in sorted(zip(uncertainty, test_texts), key=lambda pair: -pair[0])]


@pytest.fixture(scope="module")
def suggestions(small_model, test_texts):
    notes = [{"id": f"n{i}", "text": text} for i, text in enumerate(test_texts)]
    return suggest(small_model, notes, n=12)


def flip_labels(records, seed):
    """A copy of records with one label toggled on each of FLIPS notes, and those (id, label)."""
    rng = random.Random(seed)
    records = copy.deepcopy(records)
    flips = set()
    for record in rng.sample(records, FLIPS):
        label = rng.choice(LABELS)
        if label in record["labels"]:
            record["labels"].remove(label)
        else:
            record["labels"].append(label)
        flips.add((record["id"], label))
    return records, flips


@pytest.fixture(scope="module")
def flipped(small_records):
    return flip_labels(small_records, seed=0)


@pytest.fixture(scope="module")
def flipped_audit(flipped):
    records, _ = flipped
    return audit_labels(records)


# -- suggest ----------------------------------------------------------------------------------
def test_labelling_suggest_returns_n_distinct_texts(suggestions):
    assert len(suggestions) == 12
    assert len({s.text for s in suggestions}) == 12
    assert len({s.id for s in suggestions}) == 12


def test_labelling_suggestion_carries_guess_scores_and_unsure_labels(small_model, suggestions):
    thresholds = dict(zip(small_model.labels, small_model.thresholds))
    for s in suggestions:
        assert set(s.scores) == set(LABELS)
        assert s.guess == [label for label in LABELS if s.scores[label] >= thresholds[label]]
        assert s.uncertain and set(s.uncertain) <= set(LABELS)
        assert s.uncertainty == pytest.approx(label_uncertainty(s.scores[s.uncertain[0]], thresholds[s.uncertain[0]]))
        assert 0.0 <= s.uncertainty <= 1.0


def test_labelling_suggest_prefers_notes_near_thresholds(small_model, ranked_texts):
    near, confident = ranked_texts[:5], ranked_texts[-40:]
    pool = [{"text": text} for text in confident[:20] + near + confident[20:]]
    picks = suggest(small_model, pool, n=5)
    assert sorted(p.text for p in picks) == sorted(near)


def test_labelling_suggest_diversity_keeps_near_copies_from_dominating(small_model, ranked_texts):
    note = ranked_texts[0]
    variants = [f"{note} {tail}" for tail in ("Thanks.", "Will follow up.", "See notes.", "Happy to discuss.",
                                             "Panel agreed.", "More soon.", "End of notes.", "Second round pending.",
                                             "Noted.", "Filed.", "See panel.", "Cheers.", "As discussed.",
                                             "Written up late.", "Typed on the train.", "From the debrief.")]
    pool = [{"text": note}] * 30 + [{"text": text} for text in variants] + [{"text": t} for t in ranked_texts[1:]]
    random.Random(1).shuffle(pool)
    family = {note, *variants}

    plain = suggest(small_model, pool, n=10, diversity=0.0)
    diverse = suggest(small_model, pool, n=10)
    assert sum(p.text == note for p in plain) == 1  # exact copies never twice, even without diversity
    assert sum(p.text in family for p in plain) >= 4  # so the near-copies would crowd the picks...
    assert sum(p.text in family for p in diverse) <= 2  # ...but for diversity


def test_labelling_suggest_keeps_a_bounded_pool(small_model, test_texts):
    uncertainty = note_uncertainty(small_model, test_texts)
    most_uncertain = {text for _, text in sorted(zip(uncertainty, test_texts), key=lambda p: -p[0])[:8]}
    notes = ({"text": text} for text in test_texts)  # a generator: streamed, never listed
    picks = suggest(small_model, notes, n=4, pool_size=8)
    assert len(picks) == 4 and {p.text for p in picks} <= most_uncertain


def test_labelling_suggest_ids_default_to_positions(small_model, test_texts):
    notes = [{"text": "   "}, {"text": test_texts[0]}, {"id": "kept", "text": test_texts[1]}]
    picks = suggest(small_model, notes, n=3, diversity=0.0)
    assert sorted(map(str, (p.id for p in picks))) == ["2", "kept"]  # the blank note is skipped


@pytest.mark.parametrize("options", [{"n": -1}, {"diversity": 1.5}, {"n": 5, "pool_size": 2}])
def test_labelling_suggest_rejects_bad_options(small_model, options):
    with pytest.raises(ValueError):
        suggest(small_model, [{"text": "Weak on SQL."}], **options)


# -- writers ----------------------------------------------------------------------------------
def test_labelling_doccano_lines_round_trip(suggestions):
    stream = io.StringIO()
    assert write_suggestions(suggestions, stream, format="doccano") == len(suggestions)
    rows = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [row["text"] for row in rows] == [s.text for s in suggestions]
    assert [row["label"] for row in rows] == [s.guess for s in suggestions]
    assert [row["note_id"] for row in rows] == [s.id for s in suggestions]
    # doccano's export writes its own "id" over a metadata key of that name.
    assert all("id" not in row and set(row["uncertain"]) <= set(LABELS) for row in rows)


def test_labelling_jsonl_lines_round_trip(suggestions):
    stream = io.StringIO()
    write_suggestions(suggestions, stream, format="jsonl")
    rows = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(row["id"], row["text"], row["labels"]) for row in rows] == [(s.id, s.text, s.guess) for s in suggestions]
    assert all(set(row["scores"]) == set(LABELS) and row["uncertain"] for row in rows)


def test_labelling_label_studio_tasks_match_the_config(suggestions):
    stream = io.StringIO()
    write_suggestions(suggestions, stream, format="label-studio")
    tasks = json.loads(stream.getvalue())
    config = ElementTree.fromstring(label_studio_config(LABELS))
    text_tag, choices_tag = config.find("Text"), config.find("Choices")
    assert choices_tag.get("choice") == "multiple" and choices_tag.get("toName") == text_tag.get("name")
    offered = [choice.get("value") for choice in choices_tag.findall("Choice")]
    assert offered == list(LABELS)

    assert len(tasks) == len(suggestions)
    for task, s in zip(tasks, suggestions):
        assert task["data"][text_tag.get("value").lstrip("$")] == s.text
        assert task["data"]["note_id"] == s.id
        (prediction,) = task["predictions"]
        assert prediction["model_version"] and prediction["score"] == pytest.approx(1 - s.uncertainty, abs=1e-4)
        chosen = [choice for result in prediction["result"] for choice in result["value"]["choices"]]
        assert chosen == s.guess
        for result in prediction["result"]:
            assert (result["from_name"], result["to_name"], result["type"]) == (
                choices_tag.get("name"), text_tag.get("name"), "choices")


def test_labelling_label_studio_writes_an_empty_list():
    stream = io.StringIO()
    assert write_suggestions([], stream, format="label-studio") == 0
    assert json.loads(stream.getvalue()) == []


def test_labelling_writers_reject_unknown_formats(suggestions):
    with pytest.raises(ValueError, match="doccano"):
        write_suggestions(suggestions, io.StringIO(), format="prodigy")
    with pytest.raises(ValueError, match="jsonl"):
        write_audit(AuditResult([], [], {}, {}, 0), io.StringIO(), format="csv")


# -- audit ------------------------------------------------------------------------------------
def test_labelling_audit_finds_flipped_labels(small_records, flipped_audit):
    """Pooled over three draws of flips: which 15 of 800 decisions one draw flips decides much of
    how many a 200-note audit can find."""
    hits_at_k = hits = 0
    for seed in (0, 1, 2):
        records, flips = flip_labels(small_records, seed)  # seed 0 is the `flipped` fixture's draw
        audit = flipped_audit if seed == 0 else audit_labels(records)
        found = [(s.id, s.label) for s in audit.suspects]
        hits_at_k += sum(pair in flips for pair in found[:FLIPS])
        hits += sum(pair in flips for pair in found)
    flip_rate = FLIPS / (len(small_records) * len(LABELS))  # about 2% of the (note, label) decisions
    assert hits_at_k / (3 * FLIPS) >= max(0.2, 8 * flip_rate)
    assert hits / (3 * FLIPS) > 0.5


def test_labelling_audit_ranks_least_self_confident_first(flipped_audit):
    confidence = [s.self_confidence for s in flipped_audit.suspects]
    assert confidence == sorted(confidence)
    for s in flipped_audit.suspects:
        assert s.kind == ("spurious" if s.given else "missing")
        thresholds = flipped_audit.thresholds[s.label]
        if s.given:
            assert 1 - s.probability >= thresholds["absent"] - 1e-4
        else:
            assert s.probability >= thresholds["given"] - 1e-4


def test_labelling_audit_evidence_offsets_index_the_note(flipped, flipped_audit):
    texts = {record["id"]: record["text"] for record in flipped[0]}
    assert flipped_audit.suspects
    for s in flipped_audit.suspects:
        assert 1 <= len(s.evidence) <= 3
        for item in s.evidence:
            assert texts[s.id][item.start:item.end] == item.text and item.text.strip()


def test_labelling_audit_covers_new_labels_and_skips_rare_ones(small_records):
    records = copy.deepcopy(small_records)
    for position, record in enumerate(records):
        record["source"] = "batch-a"
        if position % 2:
            record["annotated_for"] = list(LABELS)  # judged before the new label existed
        elif "team" in record["text"].lower():
            record["labels"].append("mentions_team")
    records[0]["labels"].append("rare_label")
    result = audit_labels(records, folds=3)
    assert result.labels == [*LABELS, "mentions_team"]
    assert set(result.thresholds) == set(result.labels)
    assert "rare_label" in result.skipped_labels and "3" in result.skipped_labels["rare_label"]
    assert all(s.source == "batch-a" for s in result.suspects)
    unjudged = {record["id"] for record in records if "annotated_for" in record}
    assert not any(s.label == "mentions_team" and s.id in unjudged for s in result.suspects)


def test_labelling_audit_rejects_records_without_text(small_records):
    from analyzer.errors import CorpusError

    with pytest.raises(CorpusError, match="text"):
        audit_labels([*small_records[:20], {"id": "x", "labels": []}])


def test_labelling_audit_writers(flipped_audit):
    stream = io.StringIO()
    assert write_audit(flipped_audit, stream, format="jsonl") == len(flipped_audit.suspects)
    rows = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(row["id"], row["label"], row["kind"]) for row in rows] == [
        (s.id, s.label, s.kind) for s in flipped_audit.suspects]
    assert all({"given", "probability", "evidence", "text"} <= set(row) for row in rows)

    listing = io.StringIO()
    write_audit(flipped_audit, listing, format="text")
    first = flipped_audit.suspects[0]
    assert f"1. {first.id}" in listing.getvalue() and first.label in listing.getvalue()
