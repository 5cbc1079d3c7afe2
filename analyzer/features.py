"""Turn notes into the features the classifier reads: n-grams over the spaCy pipeline.

Each note becomes one list of strings: the normalised unigrams of ``text.feature_tokens``
(marked ``NEG_``/``RES_`` inside negated or resolved scopes) and the bigrams and trigrams
inside each segment, so no n-gram spans a bullet or sentence boundary. Trigrams carry the
short phrases that wave a gap through ("can teach that", "pick it up") or rule one out.
"""

from itertools import islice

import numpy as np

from .text import FEATURE_STRINGS, IntegerIndex, segment_texts, segment_tokens


def segment_features(tokens):
    """Unigrams, bigrams and trigrams of one segment's feature tokens."""
    features = list(tokens)
    features.extend(f"{first} {second}" for first, second in zip(tokens, tokens[1:]))
    features.extend(f"{first} {second} {third}" for first, second, third in zip(tokens, tokens[1:], tokens[2:]))
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


def _integer_index(mapping):
    index = IntegerIndex()
    index.insert(np.fromiter(mapping.keys(), dtype=np.uint64, count=len(mapping)),
                 np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping)))
    return index


def _pair_keys(first_ids, second_ids):
    return (np.asarray(first_ids).astype(np.uint64) << np.uint64(32)) | np.asarray(second_ids).astype(np.uint64)


class VocabularyIndex:
    """A fitted vocabulary's column for each feature ``text.analyse_docs`` emits, by feature id.

    Unigrams map through an array indexed by feature id, bigrams through an ``IntegerIndex``
    of the pair keys ``first << 32 | second`` of the vocabulary's multi-word terms, and
    trigrams in two steps: their first two words' pair key to a prefix number, then
    ``prefix << 32 | third`` to the column. All give -1 for a feature the vocabulary lacks, so
    a note's columns come without its strings. The indexes take a few tenths of a second to
    build for a vocabulary of 200k terms, so until a call brings ``PAIR_INDEX_AFTER`` n-grams,
    they are looked up by their string: a cold ``classify`` of one note never builds them.
    """

    PAIR_INDEX_AFTER = 5000

    def __init__(self, vocabulary):
        self.vocabulary = vocabulary
        self._pairs = self._prefixes = self._triples = None
        self._columns = np.zeros(0, dtype=np.int64)

    def _build_indexes(self):
        pairs, prefixes, triples = {}, {}, {}
        number = FEATURE_STRINGS.id
        # Every split of a term at its spaces is registered: the n-gram of a note is in the
        # vocabulary exactly when its words joined by spaces are, whatever spaces they hold.
        for term, column in self.vocabulary.items():
            spaces = [at for at, character in enumerate(term) if character == " "]
            for space in spaces:
                pairs[number(term[:space]) << 32 | number(term[space + 1:])] = column
            for position, first in enumerate(spaces):
                for second in spaces[position + 1:]:
                    prefix = prefixes.setdefault(number(term[:first]) << 32 | number(term[first + 1:second]),
                                                 len(prefixes))
                    triples[prefix << 32 | number(term[second + 1:])] = column
        self._pairs, self._prefixes, self._triples = (
            _integer_index(pairs), _integer_index(prefixes), _integer_index(triples))

    def unigrams(self, feature_ids):
        """Columns of single features (-1 where not in the vocabulary)."""
        if len(self._columns) < len(FEATURE_STRINGS):
            get = self.vocabulary.get
            new = [get(string, -1) for string in FEATURE_STRINGS.strings[len(self._columns):]]
            self._columns = np.concatenate([self._columns, np.array(new, dtype=np.int64)])
        return self._columns[feature_ids]

    def _by_string(self, *id_arrays):
        strings, get = FEATURE_STRINGS.strings, self.vocabulary.get
        return np.array([get(" ".join(strings[i] for i in ids), -1) for ids in zip(*(a.tolist() for a in id_arrays))],
                        dtype=np.int64)

    def bigrams(self, first_ids, second_ids):
        """Columns of the bigrams "first second" (-1 where not in the vocabulary)."""
        if self._pairs is None and len(first_ids) < self.PAIR_INDEX_AFTER:
            return self._by_string(first_ids, second_ids)
        if self._pairs is None:
            self._build_indexes()
        return self._pairs.find(_pair_keys(first_ids, second_ids))

    def trigrams(self, first_ids, second_ids, third_ids):
        """Columns of the trigrams "first second third" (-1 where not in the vocabulary)."""
        if self._pairs is None and len(first_ids) < self.PAIR_INDEX_AFTER:
            return self._by_string(first_ids, second_ids, third_ids)
        if self._pairs is None:
            self._build_indexes()
        prefix = self._prefixes.find(_pair_keys(first_ids, second_ids))
        columns = np.full(len(prefix), -1, dtype=np.int64)
        known = prefix >= 0
        columns[known] = self._triples.find(_pair_keys(prefix[known], third_ids[known]))
        return columns


def vocabulary_terms(batch, index):
    """The vocabulary columns of a ``NoteSegments`` batch's within-segment 1-, 2- and 3-grams.

    Returns ``(segment, column)`` arrays with one entry per occurrence, the features that
    ``segment_features`` would list, less those the vocabulary lacks.
    """
    segment, feature = batch.feature_segment, batch.feature_id
    adjacent = np.flatnonzero(segment[1:] == segment[:-1])
    runs = adjacent[np.flatnonzero(adjacent[1:] == adjacent[:-1] + 1)]  # three words in one segment
    segments = np.concatenate([segment, segment[adjacent], segment[runs]])
    columns = np.concatenate([index.unigrams(feature), index.bigrams(feature[adjacent], feature[adjacent + 1]),
                              index.trigrams(feature[runs], feature[runs + 1], feature[runs + 2])])
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
