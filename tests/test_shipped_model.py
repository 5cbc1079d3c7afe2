"""The shipped model: what the corpus and settings produce, and above the issue's floors."""

import pytest

from analyzer.model import TrainingSettings, default_model_dir, load_model, train
from analyzer.training import evaluate_model, training_records


@pytest.fixture(scope="module")
def shipped():
    return load_model(default_model_dir())


@pytest.fixture(scope="module")
def test_metrics(shipped):
    return evaluate_model(shipped, split="test")


def test_shipped_model_is_what_the_corpus_produces(shipped, corpus_records):
    settings = TrainingSettings(**shipped.info["settings"])
    rebuilt = train(training_records(), settings)
    assert rebuilt.labels == shipped.labels
    texts = [r["text"] for r in corpus_records if r["split"] == "test"]
    assert [a.labels for a in rebuilt.analyze_many(texts)] == [a.labels for a in shipped.analyze_many(texts)]
    assert [a.recommendation for a in rebuilt.analyze_many(texts)] == [a.recommendation for a in shipped.analyze_many(texts)]


def test_shipped_model_records_the_corpus_fingerprint(shipped):
    from analyzer.corpus import fingerprint

    assert shipped.info["corpus_fingerprint"] == fingerprint()


# What the shipped model achieves today on the test split (README, "Results"). These guard
# against regressions; the issue's own floors, not all met yet, are checked below.
def test_shipped_model_macro_f1_does_not_regress(test_metrics):
    assert test_metrics["macro_f1"] >= 0.78


def test_shipped_model_recommendation_floor(test_metrics):
    assert test_metrics["recommendation"]["accuracy"] >= 0.75


def test_shipped_model_macro_f1_floor(test_metrics):
    assert test_metrics["macro_f1"] >= 0.85


def test_shipped_model_negation_false_positive_floor(test_metrics):
    assert test_metrics["negation"]["rate"] <= 0.10


@pytest.mark.parametrize("text, label", [
    ("No concerns about her SQL; she wrote the window function without a pause.", "skill_gap"),
    ("I expected arrogance given the CV, but he was humble and asked about the team.", "arrogance"),
    ("Worried about her forecasting at first, but she cleared it up in the case study.", "skill_gap"),
])
def test_shipped_model_ignores_negated_concerns(shipped, text, label):
    assert label not in shipped.analyze(text).labels


@pytest.mark.parametrize("text, label", [
    ("Nice person. Might be light on Kubernetes though; I'd want someone to dig into it.", "skill_gap"),
    ("Said our reporting was 'amateur hour' and that he would rebuild it all in month one.", "arrogance"),
])
def test_shipped_model_raises_hedged_and_plain_concerns(shipped, text, label):
    assert label in shipped.analyze(text).labels
