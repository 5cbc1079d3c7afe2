import json

import numpy as np
import pytest

from analyzer.errors import EmptyNoteError, ModelIntegrityError, ModelNotFoundError
from analyzer.labels import LABELS, RECOMMENDATIONS
from analyzer.model import MODEL_FILE, ModelVersionWarning, TrainingSettings, load_model, train


def test_model_round_trip_gives_identical_predictions(small_model, small_model_dir, corpus_records):
    texts = [r["text"] for r in corpus_records if r["split"] == "test"][:60]
    reloaded = load_model(small_model_dir)
    before = [a.to_dict() for a in small_model.analyze_many(texts)]
    after = [a.to_dict() for a in reloaded.analyze_many(texts)]
    assert before == after


def test_model_training_is_reproducible(small_records, small_model, corpus_records):
    again = train(small_records, TrainingSettings(folds=3))
    texts = [r["text"] for r in corpus_records if r["split"] == "dev"][:40]
    assert [a.to_dict() for a in again.analyze_many(texts)] == [a.to_dict() for a in small_model.analyze_many(texts)]


def test_model_arrays_match_scikit_learn(small_records):
    """Our numpy scoring reproduces scikit-learn's TF-IDF + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from sklearn.pipeline import make_pipeline

    from analyzer.features import NaiveBayesScaler, featurize, passthrough

    records = small_records[:80]
    features = [f for f, _ in featurize([r["text"] for r in records])]
    settings = TrainingSettings(folds=3)
    model = train(records, settings)
    vectorizer = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, min_df=settings.min_df)
    matrix = vectorizer.fit_transform(features)
    target = [int("skill_gap" in r["labels"]) for r in records]
    weight = [settings.negation_weight if r["kind"] == "negation" and not t else 1.0 for r, t in zip(records, target)]
    assert max(weight) > 1
    reference = LogisticRegression(C=settings.C, class_weight=settings.class_weight,
                                   max_iter=settings.max_iter).fit(matrix, target, sample_weight=weight)
    nb_reference = make_pipeline(NaiveBayesScaler(alpha=settings.nb_alpha),
                                 LogisticRegression(C=settings.nb_C, class_weight=settings.class_weight,
                                                    max_iter=settings.max_iter))
    nb_reference.fit(matrix, target, logisticregression__sample_weight=weight)
    ours = np.array([model.decision_values(f)[:, 0] for f in features])
    assert np.allclose(ours[:, 0], reference.decision_function(matrix), atol=1e-8)
    assert np.allclose(ours[:, 1], nb_reference.decision_function(matrix), atol=1e-8)


def test_model_result_fields(small_model):
    result = small_model.analyze("Couldn't explain a left join, and talked over the junior on the panel.")
    assert set(result.scores) == set(LABELS)
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert result.recommendation in (*RECOMMENDATIONS, None)
    assert set(result.labels) <= set(LABELS)


def test_model_evidence_offsets_slice_the_text(small_model, corpus_records):
    texts = [r["text"] for r in corpus_records if r["labels"] and r["split"] == "test"][:80]
    checked = 0
    for text, result in zip(texts, small_model.analyze_many(texts)):
        assert set(result.evidence) == set(result.labels)
        for items in result.evidence.values():
            assert 1 <= len(items) <= 3
            for item in items:
                assert text[item.start:item.end] == item.text
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_model_refuses_empty_note(small_model, text):
    with pytest.raises(EmptyNoteError):
        small_model.analyze(text)


def test_model_analyze_many_streams_in_order_and_stops_at_bad_note(small_model):
    texts = ["Great with customers.", "Weak on forecasting.", "", "never reached"]
    results = []
    with pytest.raises(EmptyNoteError):
        for result in small_model.analyze_many(texts):
            results.append(result.text)
    assert results == texts[:2]


def test_model_tampered_file_is_refused(small_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(small_model_dir, copy)
    with open(copy / MODEL_FILE, "ab") as handle:
        handle.write(b"\x00")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_model(copy)


def test_model_missing_directory_says_how_to_build(tmp_path):
    with pytest.raises(ModelNotFoundError, match="callback-analyzer train"):
        load_model(tmp_path / "nowhere")


def test_model_other_library_version_warns(small_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(small_model_dir, copy)
    meta = json.loads((copy / "meta.json").read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(ModelVersionWarning, match="callback-analyzer train"):
        load_model(copy)


def test_model_meta_records_how_it_was_made(small_model_dir):
    meta = json.loads((small_model_dir / "meta.json").read_text())
    assert meta["labels"] == list(LABELS)
    assert set(meta["thresholds"]) == set(LABELS)
    assert {"python", "scikit-learn", "spacy"} <= set(meta["versions"])
    assert len(meta["files"][MODEL_FILE]) == 64
    assert meta["settings"]["seed"] == TrainingSettings().seed


def test_model_thresholds_maximise_f1_per_label():
    from analyzer.model import joint_thresholds

    truth = np.array([[0, 1], [0, 0], [0, 1], [1, 0], [1, 1], [1, 0]])
    probabilities = np.array([[0.05, 0.7], [0.2, 0.1], [0.3, 0.65], [0.35, 0.2], [0.6, 0.8], [0.8, 0.3]])
    thresholds, f1 = joint_thresholds(truth, probabilities)
    assert 0.30 < thresholds[0] <= 0.35 and 0.30 < thresholds[1] <= 0.65
    assert f1.tolist() == [1.0, 1.0]


def test_model_thresholds_stored_per_label(small_model):
    assert small_model.thresholds.shape == (len(LABELS),)
    assert all(0.1 <= t <= 0.9 for t in small_model.thresholds)


def test_model_naive_bayes_scaler_favours_class_words():
    from scipy.sparse import csr_matrix

    from analyzer.features import NaiveBayesScaler

    X = csr_matrix(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]))
    scaler = NaiveBayesScaler().fit(X, [1, 1, 0, 0])
    assert scaler.ratios_[0] > 0 > scaler.ratios_[1]
    assert abs(scaler.ratios_[2]) < 1e-9
    assert np.allclose(scaler.transform(X).toarray()[0], [scaler.ratios_[0], 0.0, scaler.ratios_[2]])


def test_model_analyze_many_matches_the_per_note_arithmetic(small_model, corpus_records):
    """The batched scoring gives what the per-note scoring of featurize's strings gives."""
    from analyzer.features import featurize

    texts = [r["text"] for r in corpus_records if r["split"] == "test"][:120]
    for text, (features, per_segment), result in zip(texts, featurize(texts), small_model.analyze_many(texts)):
        expected = small_model.probabilities(text, features, per_segment)
        assert np.allclose([result.scores[label] for label in small_model.labels], expected, rtol=0, atol=1e-12)


def test_vocabulary_index_finds_the_same_ngrams_by_string_and_by_pair_index(small_model, corpus_records):
    """A few notes look bigrams and trigrams up by string; a big batch builds the pair indexes:
    same columns."""
    from analyzer.features import VocabularyIndex
    from analyzer.text import segment_texts

    batch = segment_texts([r["text"] for r in corpus_records if r["split"] == "test"][:40])
    same_segment = np.flatnonzero(batch.feature_segment[1:] == batch.feature_segment[:-1])
    first, second = batch.feature_id[same_segment], batch.feature_id[same_segment + 1]
    by_string = VocabularyIndex(small_model.vocabulary)
    by_pairs = VocabularyIndex(small_model.vocabulary)
    by_pairs.PAIR_INDEX_AFTER = 0
    found = by_string.bigrams(first, second)
    assert by_string._pairs is None and by_pairs.bigrams(first, second).tolist() == found.tolist()
    assert (found >= 0).sum() > 100
    run = same_segment[np.flatnonzero(same_segment[1:] == same_segment[:-1] + 1)]
    third = batch.feature_id[run + 2]
    found = by_string.trigrams(batch.feature_id[run], batch.feature_id[run + 1], third)
    assert by_pairs.trigrams(batch.feature_id[run], batch.feature_id[run + 1], third).tolist() == found.tolist()
    assert (found >= 0).sum() > 20 and (found < 0).sum() > 20


def test_platt_scaling_never_turns_scores_upside_down():
    from analyzer.model import platt_scaling

    target = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    (slope, offset), probabilities = platt_scaling(np.array([2.0, 1.5, 0.4, 0.1, -0.3, -1.0, 0.2, -0.5]), target)
    assert slope > 0 and probabilities[0] > probabilities[2]
    (slope, offset), probabilities = platt_scaling(np.array([-2.0, -1.5, 0.4, 0.1, 0.3, 1.0, 0.2, 0.5]), target)
    assert slope == 0 and np.allclose(probabilities, 0.25)


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_model_analyze_many_results_do_not_depend_on_batch_size(small_model, corpus_records, batch_size):
    texts = [r["text"] for r in corpus_records if r["split"] == "dev"][:50]
    expected = [a.to_dict() for a in small_model.analyze_many(texts)]
    assert [a.to_dict() for a in small_model.analyze_many(texts, batch_size=batch_size)] == expected


def test_model_threshold_keeps_within_the_negation_budget():
    from analyzer.model import joint_thresholds

    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0])[:, None]
    probabilities = np.array([0.9, 0.6, 0.35, 0.4, 0.3, 0.1, 0.1, 0.1])[:, None]
    negated = np.array([False, False, False, True, True, False, False, False])
    free, _ = joint_thresholds(truth, probabilities)
    kept, _ = joint_thresholds(truth, probabilities, negated=negated, negation_fp_budget=0.0)
    assert free[0] <= 0.35 and kept[0] > 0.4
    assert not np.any(probabilities[negated & (truth[:, 0] == 0), 0] >= kept[0])


def test_model_threshold_budget_always_allows_one_ruled_out_note():
    from analyzer.model import joint_thresholds

    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0])[:, None]
    probabilities = np.array([0.9, 0.6, 0.35, 0.4, 0.3, 0.1, 0.1, 0.1])[:, None]
    negated = np.array([False, False, False, True, True, False, False, False])
    # 3% of two ruled-out notes would allow none; one of them may be raised, not both.
    thresholds, _ = joint_thresholds(truth, probabilities, negated=negated, negation_fp_budget=0.03)
    assert 0.3 < thresholds[0] <= 0.35


def test_model_thresholds_spend_the_negation_budget_where_it_buys_most_f1():
    """One budget for all labels: the label that loses more F1 by staying clear of ruled-out
    notes keeps its cut-off, and the cheap one moves."""
    from analyzer.model import joint_thresholds

    # Label 0 needs 0.5 to find its four notes; label 1 loses one of five notes above 0.5.
    truth = np.array([[1, 0], [1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 0], [0, 0],
                      [0, 0], [0, 0]])
    probabilities = np.array([[0.9, 0.1], [0.8, 0.1], [0.7, 0.1], [0.5, 0.1], [0.1, 0.9], [0.1, 0.8], [0.1, 0.8],
                              [0.1, 0.7], [0.1, 0.45], [0.55, 0.1], [0.1, 0.5], [0.1, 0.1], [0.1, 0.1]])
    negated = np.array([False] * 9 + [True] * 4)
    thresholds, f1 = joint_thresholds(truth, probabilities, negated=negated, negation_fp_budget=0.25)
    assert thresholds[0] <= 0.5 and thresholds[1] > 0.5  # label 1 gives up one note, not label 0 its fourth
    raised = probabilities >= thresholds
    assert (raised[negated] & (truth[negated] == 0)).any(axis=1).mean() <= 0.25
    assert f1[0] > 0.8 and f1[1] == pytest.approx(2 * 4 / (2 * 4 + 1))


def test_model_thresholds_never_raise_a_label_marked_so():
    from analyzer.model import NEVER_RAISED, joint_thresholds

    truth = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    probabilities = np.array([[0.9, 0.3], [0.1, 0.3], [0.8, 0.3], [0.2, 0.3]])
    thresholds, f1 = joint_thresholds(truth, probabilities, never_raised={1})
    assert thresholds[1] == NEVER_RAISED and f1[1] == 0.0 and thresholds[0] < 0.8


def test_model_weighs_ruled_out_concerns_as_negatives(small_records, small_model):
    unweighted = train(small_records, TrainingSettings(folds=3, negation_weight=1.0))
    ruled_out = [r for r in small_records if r["kind"] == "negation"]
    assert len(ruled_out) >= 20

    def mean_score_on_dismissed_labels(model):
        scores = [a.scores for a in model.analyze_many(r["text"] for r in ruled_out)]
        return np.mean([s[label] for r, s in zip(ruled_out, scores) for label in LABELS if label not in r["labels"]])

    assert mean_score_on_dismissed_labels(small_model) < mean_score_on_dismissed_labels(unweighted)


def test_model_ruled_out_head_reads_settled_concerns(small_model, corpus_records):
    """Notes that raise a concern only to settle it read as such more than plain notes do."""
    from analyzer.features import featurize
    from analyzer.model import _sigmoid

    dev = [r for r in corpus_records if r["split"] == "dev"]

    def ruled_out(kind):
        notes = [r["text"] for r in dev if r["kind"] == kind][:60]
        return np.mean([_sigmoid(small_model.ruled_out_coef[columns] @ weights + small_model.ruled_out_intercept)
                        for columns, weights in (small_model.tfidf_weights(f) for f, _ in featurize(notes))])

    assert ruled_out("negation") > ruled_out("plain") + 0.1


def test_model_without_negation_notes_still_trains_and_stacks(small_records):
    """A team's labelled export has no `kind`: the ruled-out head stays silent, the stackers
    still learn from the heads."""
    plain = [{key: value for key, value in record.items() if key != "kind"} for record in small_records]
    model = train(plain, TrainingSettings(folds=3))
    assert not model.ruled_out_coef.any()
    assert (model.stack_coef[:, :3] > 0).any(axis=1).all()
    weak = "Couldn't explain a left join and guessed at indexes; SQL is well below what the role needs."
    assert "skill_gap" in model.analyze(weak).labels
