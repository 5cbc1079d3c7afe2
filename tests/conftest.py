import os
import random

import pytest

from analyzer.corpus import default_corpus_dir, read_records


@pytest.fixture(scope="session", autouse=True)
def isolated_user_data(tmp_path_factory):
    """Point the model registry at an empty directory, so a developer's own trained versions
    never change what the tests load."""
    from analyzer.registry import HOME_ENV

    saved = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(tmp_path_factory.mktemp("callback-analyzer-home"))
    yield
    if saved is None:
        os.environ.pop(HOME_ENV, None)
    else:
        os.environ[HOME_ENV] = saved


@pytest.fixture(scope="session")
def corpus_records():
    return list(read_records(default_corpus_dir()))


@pytest.fixture(scope="session")
def small_records(corpus_records):
    """A small, label-balanced sample of real training notes for fast unit tests."""
    train = [r for r in corpus_records if r["split"] == "train"]
    rng = random.Random(7)
    rng.shuffle(train)
    chosen, seen = [], {}
    for record in train:
        keys = record["labels"] or ["clear"]
        if any(seen.get(k, 0) < 45 for k in keys):
            chosen.append(record)
            for k in keys:
                seen[k] = seen.get(k, 0) + 1
    return chosen


@pytest.fixture(scope="session")
def small_model(small_records):
    from analyzer.model import TrainingSettings, train

    return train(small_records, TrainingSettings(folds=3))


@pytest.fixture(scope="session")
def small_model_dir(small_model, tmp_path_factory):
    from analyzer.model import save_model

    return save_model(small_model, tmp_path_factory.mktemp("models") / "small")
