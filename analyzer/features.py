"""Turn notes into the features the classifier reads: n-grams over the spaCy pipeline.

Each note becomes one list of strings: the normalised unigrams of ``text.feature_tokens``
(marked ``NEG_``/``RES_`` inside negated or resolved scopes) and the bigrams inside each
segment, so no bigram spans a bullet or sentence boundary.
"""

from .text import get_nlp, segment_tokens


def segment_features(tokens):
    """Unigrams and within-segment bigrams of one segment's feature tokens."""
    features = list(tokens)
    features.extend(f"{first} {second}" for first, second in zip(tokens, tokens[1:]))
    return features


def doc_features(doc):
    """All features of a doc, and per segment its span and features (for evidence)."""
    per_segment = [(span, segment_features(tokens)) for span, tokens in segment_tokens(doc)]
    features = [feature for _, segment in per_segment for feature in segment]
    return features, per_segment


def featurize(texts, *, batch_size=256):
    """Stream ``(features, per_segment)`` for texts, through one shared pipeline."""
    nlp = get_nlp()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield doc_features(doc)


class NaiveBayesScaler:
    """Scale features by their naive-Bayes log-count ratio for a binary target (NB-LR).

    ``fit(X, y)`` learns ``ratios_`` = log of (feature share in positives) over (share in
    negatives), smoothed by ``alpha``; ``transform`` multiplies each column by its ratio.
    Used as the first step of a Pipeline before LogisticRegression.
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def get_params(self, deep=True):
        return {"alpha": self.alpha}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X, y):
        import numpy as np

        y = np.asarray(y)
        if X.shape[0] != len(y):
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} values")
        positive = np.asarray(X[y == 1].sum(axis=0)).ravel() + self.alpha
        negative = np.asarray(X[y != 1].sum(axis=0)).ravel() + self.alpha
        self.ratios_ = np.log((positive / positive.sum()) / (negative / negative.sum()))
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        import scipy.sparse

        if not hasattr(self, "ratios_"):
            raise ValueError("NaiveBayesScaler is not fitted yet; call fit(X, y) first")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the scaler was fitted on {self.n_features_in_}")
        if scipy.sparse.issparse(X):
            return X.multiply(self.ratios_).tocsr()
        return X * self.ratios_

    def fit_transform(self, X, y):
        return self.fit(X, y).transform(X)


def passthrough(features):
    """Analyzer for TfidfVectorizer: the features are already computed."""
    return features
