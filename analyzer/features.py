"""Turn notes into the features the classifier reads: n-grams over the spaCy pipeline.

Each note becomes one list of strings: the normalised unigrams of ``text.feature_tokens``
(marked ``NEG_``/``RES_`` inside negated or resolved scopes) and the bigrams inside each
segment, so no bigram spans a bullet or sentence boundary.
"""

from itertools import islice

import numpy as np

from .text import FEATURE_STRINGS, IntegerIndex, segment_texts, segment_tokens


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
    """Stream ``(features, per_segment)`` for texts, as ``doc_features`` gives them for docs of
    the shared pipeline; ``batch_size`` texts are analysed at a time."""
    iterator = iter(texts)
    while chunk := list(islice(iterator, batch_size)):
        batch = segment_texts(chunk)
        for index in range(len(chunk)):
            per_segment = [(span, segment_features(tokens)) for span, tokens in batch.segments_of(index)]
            yield [feature for _, segment in per_segment for feature in segment], per_segment


class VocabularyIndex:
    """A fitted vocabulary's column for each feature ``text.analyse_docs`` emits, by feature id.

    Unigrams map through an array indexed by feature id, bigrams through an ``IntegerIndex``
    of the pair keys ``first << 32 | second`` of the vocabulary's two-word terms; both give
    -1 for a feature the vocabulary lacks. A note's columns so come without its strings.
    The pair index takes a tenth of a second to build for a vocabulary of 50k terms, so
    until a call brings ``PAIR_INDEX_AFTER`` bigrams, bigrams are looked up by their string:
    a cold ``classify`` of one note never builds it.
    """

    PAIR_INDEX_AFTER = 5000

    def __init__(self, vocabulary):
        self.vocabulary = vocabulary
        self._pairs = None
        self._columns = np.zeros(0, dtype=np.int64)

    def _pair_index(self):
        pairs = {}
        number = FEATURE_STRINGS.id
        # Every split of a term at a space is registered: the pair (first, second) of a note
        # is in the vocabulary exactly when "first second" is, whatever spaces the parts hold.
        for term, column in self.vocabulary.items():
            space = term.find(" ")
            while space >= 0:
                pairs[number(term[:space]) << 32 | number(term[space + 1:])] = column
                space = term.find(" ", space + 1)
        index = IntegerIndex()
        index.insert(np.fromiter(pairs.keys(), dtype=np.uint64, count=len(pairs)),
                     np.fromiter(pairs.values(), dtype=np.int64, count=len(pairs)))
        return index

    def unigrams(self, feature_ids):
        """Columns of single features (-1 where not in the vocabulary)."""
        if len(self._columns) < len(FEATURE_STRINGS):
            get = self.vocabulary.get
            new = [get(string, -1) for string in FEATURE_STRINGS.strings[len(self._columns):]]
            self._columns = np.concatenate([self._columns, np.array(new, dtype=np.int64)])
        return self._columns[feature_ids]

    def bigrams(self, first_ids, second_ids):
        """Columns of the bigrams "first second" (-1 where not in the vocabulary)."""
        if self._pairs is None and len(first_ids) < self.PAIR_INDEX_AFTER:
            strings, get = FEATURE_STRINGS.strings, self.vocabulary.get
            return np.array([get(f"{strings[first]} {strings[second]}", -1)
                             for first, second in zip(first_ids.tolist(), second_ids.tolist())], dtype=np.int64)
        if self._pairs is None:
            self._pairs = self._pair_index()
        return self._pairs.find((first_ids.astype(np.uint64) << np.uint64(32)) | second_ids.astype(np.uint64))


def vocabulary_terms(batch, index):
    """The vocabulary columns of a ``NoteSegments`` batch's unigrams and within-segment bigrams.

    Returns ``(segment, column)`` arrays with one entry per occurrence, the features that
    ``segment_features`` would list, less those the vocabulary lacks.
    """
    segment, feature = batch.feature_segment, batch.feature_id
    adjacent = np.flatnonzero(segment[1:] == segment[:-1])
    segments = np.concatenate([segment, segment[adjacent]])
    columns = np.concatenate([index.unigrams(feature), index.bigrams(feature[adjacent], feature[adjacent + 1])])
    known = columns >= 0
    return segments[known], columns[known]


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
