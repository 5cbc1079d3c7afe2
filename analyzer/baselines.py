"""Three baselines the shipped model must beat, trained and scored on the same split.

- ``KeywordRules``: a label fires when one of its cue phrases appears anywhere;
- ``TfidfLogisticBaseline``: scikit-learn's TfidfVectorizer and LogisticRegression with
  default settings, one classifier per label, threshold 0.5;
- ``SpacyTextcatBaseline``: spaCy's ``textcat_multilabel`` with its default architecture.

Each has ``fit(records)`` and ``predict(texts)`` returning one label set per text.
"""

import random

from .labels import LABELS

KEYWORDS = {
    "skill_gap": ("weak on", "lacks", "lacking", "limited experience", "not enough experience",
                  "struggled", "couldn't explain", "could not explain", "gap", "shaky", "rusty",
                  "not deep", "light on", "unfamiliar", "no experience", "superficial"),
    "fit_doubt": ("culture", "fit", "motivation", "communication", "remote", "team player",
                  "not sure she'd", "not sure he'd", "energy", "engaged", "quiet", "pace",
                  "values", "attitude", "commute"),
    "arrogance": ("arrogant", "cocky", "dismissive", "condescending", "interrupted", "talked over",
                  "blamed", "ego", "know-it-all", "rewrite everything", "change everything",
                  "full of himself", "full of herself"),
    "alternate_role": ("another role", "different role", "better suited", "better fit for",
                       "other team", "other position", "more senior", "more junior", "different team",
                       "would suit", "consider for"),
}


class KeywordRules:
    """Fires a label on any of its cue phrases; no learning, no negation."""

    def fit(self, records):
        return self

    def predict(self, texts):
        return [{label for label, cues in KEYWORDS.items() if any(cue in text.lower() for cue in cues)}
                for text in texts]


class TfidfLogisticBaseline:
    """Default TfidfVectorizer + LogisticRegression per label."""

    def fit(self, records):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline

        targets = [[int(label in r["labels"]) for label in LABELS] for r in records]
        self.pipeline_ = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))
        self.pipeline_.fit([r["text"] for r in records], targets)
        return self

    def predict(self, texts):
        rows = self.pipeline_.predict(list(texts))
        return [{label for label, flag in zip(LABELS, row) if flag} for row in rows]


class SpacyTextcatBaseline:
    """spaCy ``textcat_multilabel`` with the default model, trained with ``nlp.update``."""

    def __init__(self, *, epochs=10, seed=0, threshold=0.5):
        self.epochs = epochs
        self.seed = seed
        self.threshold = threshold

    def fit(self, records):
        import spacy
        from spacy.training import Example
        from spacy.util import compounding, fix_random_seed, minibatch

        fix_random_seed(self.seed)
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat_multilabel")
        for label in LABELS:
            textcat.add_label(label)
        examples = [Example.from_dict(nlp.make_doc(r["text"]),
                                      {"cats": {label: float(label in r["labels"]) for label in LABELS}})
                    for r in records]
        optimizer = nlp.initialize(lambda: examples)
        shuffler = random.Random(self.seed)
        for _ in range(self.epochs):
            shuffler.shuffle(examples)
            for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
                nlp.update(batch, sgd=optimizer, drop=0.2)
        self.nlp_ = nlp
        return self

    def predict(self, texts):
        return [{label for label, score in doc.cats.items() if score >= self.threshold}
                for doc in self.nlp_.pipe(texts)]


BASELINES = {
    "keyword rules": KeywordRules,
    "TF-IDF + LogisticRegression (defaults)": TfidfLogisticBaseline,
    "spaCy textcat_multilabel": SpacyTextcatBaseline,
}
