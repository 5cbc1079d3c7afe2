from analyzer.evaluate import evaluate_predictions, label_metrics, negation_false_positive_rate, recommendation_accuracy


def test_evaluate_label_metrics_counts():
    gold = [{"skill_gap"}, set(), {"arrogance", "fit_doubt"}]
    predicted = [{"skill_gap"}, {"skill_gap"}, {"arrogance"}]
    metrics = label_metrics(gold, predicted)
    assert metrics["per_label"]["skill_gap"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert metrics["per_label"]["fit_doubt"]["recall"] == 0.0
    assert metrics["per_label"]["arrogance"]["f1"] == 1.0


def test_evaluate_negation_rate_counts_only_negation_notes():
    rate = negation_false_positive_rate([set(), set(), set()], [{"skill_gap"}, set(), {"arrogance"}],
                                        ["negation", "negation", "plain"])
    assert rate == {"notes": 2, "with_false_positive": 1, "rate": 0.5}


def test_evaluate_recommendation_skips_null_gold():
    result = recommendation_accuracy(["yes", None, "strong_no", "no"], ["strong_yes", "no", "strong_no", None])
    assert result == {"notes": 3, "accuracy": 0.3333, "direction_accuracy": 0.6667,
                      "unrated_notes": 1, "unrated_read_as_none": 0.0}


def test_evaluate_predictions_bundles_everything():
    records = [{"labels": ["skill_gap"], "kind": "plain", "recommendation": "no"}]
    result = evaluate_predictions(records, [["skill_gap"]], ["no"])
    assert result["macro_f1"] == 0.25 and result["recommendation"]["accuracy"] == 1.0
