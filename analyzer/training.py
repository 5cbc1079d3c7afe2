"""Train on the corpus, score on its test split, compare with baselines: the work behind
``callback-analyzer train`` and ``callback-analyzer evaluate``."""

from dataclasses import replace

from .corpus import default_corpus_dir, fingerprint, read_records
from .errors import CorpusError
from .evaluate import evaluate_predictions

TRAINING_SPLITS = ("train", "dev")


def training_records(corpus_path=None):
    """The notes the shipped model learns from: the train and dev splits."""
    records = [r for r in read_records(corpus_path) if r.get("split") in TRAINING_SPLITS]
    if not records:
        raise CorpusError(f"{corpus_path or default_corpus_dir()}: no notes with split 'train' or 'dev'; "
                          "give each record a 'split' field")
    return records


def evaluate_model(model, corpus_path=None, *, split="test"):
    """Metrics of a loaded model on one corpus split."""
    records = list(read_records(corpus_path, split=split))
    if not records:
        raise CorpusError(f"{corpus_path or default_corpus_dir()}: no notes in the {split!r} split to evaluate on")
    analyses = list(model.analyze_many(r["text"] for r in records))
    return evaluate_predictions(records, [a.labels for a in analyses], [a.recommendation for a in analyses])


def training_settings(seed=None):
    """The shipped model's settings, with another cross-validation seed when one is given."""
    from .model import TrainingSettings

    return TrainingSettings() if seed is None else replace(TrainingSettings(), seed=seed)


def train_and_save(corpus_path=None, output=None, *, seed=None, progress=None):
    """Train on train+dev, score on test, save with a meta.json that records how it was made.

    Returns ``(directory, test_metrics)``.
    """
    from .model import default_model_dir, save_model, train

    corpus_path = corpus_path or default_corpus_dir()
    settings = training_settings(seed)
    model = train(training_records(corpus_path), settings, progress=progress)
    if progress:
        progress("scoring on test", 0, 1)
    metrics = evaluate_model(model, corpus_path, split="test")
    if progress:
        progress("scoring on test", 1, 1)
    meta = {"corpus_fingerprint": fingerprint(corpus_path), "trained_on_splits": list(TRAINING_SPLITS),
            "metrics": {"test": metrics}}
    directory = save_model(model, output or default_model_dir(), extra_meta=meta)
    return directory, metrics


def compare_with_baselines(corpus_path=None, *, split="test", progress=None):
    """Train each baseline on train+dev and score it on ``split``."""
    from .baselines import BASELINES

    train_set = training_records(corpus_path)
    evaluation = list(read_records(corpus_path, split=split))
    results = {}
    for name, baseline in BASELINES.items():
        if progress:
            progress(f"training baseline: {name}", list(BASELINES).index(name), len(BASELINES))
        predicted = baseline().fit(train_set).predict([r["text"] for r in evaluation])
        results[name] = evaluate_predictions(evaluation, predicted)
    return results
