"""Character n-grams of notes, hashed into a fixed number of columns, with numpy alone.

Words split differently by different writers ("follow-up", "followup", "folow up") and
misspelt ones share most of their character n-grams, so a head over them reads the
shorthand and typos of writers the word vocabulary has not met. The hash is computed over
each text's code points in one vectorised pass, so training and prediction give the same
columns, and neither needs scikit-learn's hashing vectoriser.
"""

import re

import numpy as np

SHORTEST, LONGEST = 2, 5  # the n-gram lengths
BITS = 18  # 2 ** BITS columns
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing spreads the keys over the columns
_BASE = np.uint64(1_000_003)
_SEPARATOR = "\x00"
_SPACES = re.compile(r"\s+")


def _normalised(text):
    """Lowercased, runs of white space made one space, and a space at each end so that
    word starts and ends have n-grams of their own; an empty text stays empty."""
    words = _SPACES.sub(" ", text.lower()).strip()
    return f" {words} " if words else ""


def char_ngram_counts(texts, *, bits=BITS):
    """Counts of hashed character n-grams: ``(row, column, count)`` arrays, rows in order,
    columns ascending within a row. Texts are lowercased and their runs of white space
    made one space; no n-gram spans two texts."""
    joined = _SEPARATOR.join(_normalised(text) for text in texts) + _SEPARATOR
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    separators = np.concatenate([[0], np.cumsum(codes == 0)])
    keys = []
    with np.errstate(over="ignore"):
        for length in range(SHORTEST, LONGEST + 1):
            count = len(codes) - length + 1
            if count <= 0:
                continue
            hashed = np.full(count, np.uint64(length))
            for offset in range(length):
                hashed = hashed * _BASE + codes[offset:offset + count]
            inside = separators[length:length + count] == separators[:count]
            columns = (hashed[inside] * _MULTIPLIER) >> np.uint64(64 - bits)
            rows = separators[:count][inside].astype(np.uint64)
            keys.append(rows << np.uint64(bits) | columns)
    unique, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64), return_counts=True)
    return (unique >> np.uint64(bits)).astype(np.int64), (unique & np.uint64((1 << bits) - 1)).astype(np.int64), counts


def smooth_idf(columns, documents, *, bits=BITS):
    """Inverse document frequency of each column over ``documents`` texts, as
    TfidfVectorizer(smooth_idf=True) gives it."""
    frequency = np.bincount(columns, minlength=1 << bits)
    return np.log((1 + documents) / (1 + frequency)) + 1.0


def char_matrix(texts, idf=None, *, bits=BITS, chunk=1000):
    """The sublinear, L2-normalised TF-IDF matrix of texts' hashed character n-grams, and the
    idf it used (computed from these texts when none is given)."""
    import scipy.sparse

    parts = []
    for start in range(0, len(texts), chunk):
        rows, columns, counts = char_ngram_counts(texts[start:start + chunk], bits=bits)
        parts.append((rows + start, columns, counts))
    rows, columns, counts = (np.concatenate(arrays) for arrays in zip(*parts)) if parts else (np.zeros(0, np.int64),) * 3
    if idf is None:
        idf = smooth_idf(columns, len(texts), bits=bits)
    weights = sublinear_tfidf(counts, idf[columns], rows, len(texts))
    return scipy.sparse.csr_matrix((weights, (rows, columns)), shape=(len(texts), 1 << bits)), idf


def sublinear_tfidf(counts, idf, group, groups):
    """L2-normalised (1 + log tf) * idf weights per group, as TfidfVectorizer(sublinear_tf=True)."""
    weights = (1.0 + np.log(counts)) * idf
    norms = np.sqrt(np.bincount(group, weights=weights * weights, minlength=groups))
    norms[norms == 0] = 1.0
    return weights / norms[group]


def char_scores(texts, idf, coef, intercept):
    """Each text's linear score per row of ``coef`` (rows, 2 ** bits): (texts, rows)."""
    bits = int(coef.shape[1]).bit_length() - 1
    rows, columns, counts = char_ngram_counts(texts, bits=bits)
    weights = sublinear_tfidf(counts, idf[columns], rows, len(texts))
    return np.stack([np.bincount(rows, weights=row[columns] * weights, minlength=len(texts)) for row in coef],
                    axis=1) + intercept
