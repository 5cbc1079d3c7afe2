"""Hashed character n-grams: the same columns in a batch as alone, TF-IDF as scikit-learn's."""

import numpy as np
import pytest

from analyzer.characters import char_matrix, char_ngram_counts


def _row(rows, columns, counts, row):
    return dict(zip(columns[rows == row].tolist(), counts[rows == row].tolist()))


def test_a_note_gets_the_same_ngrams_alone_and_in_a_batch():
    notes = ["Weak on SQL joins.", "Great w/ customers; tbh a bit quiet", "ok"]
    batch = char_ngram_counts(notes)
    for row, note in enumerate(notes):
        alone = char_ngram_counts([note])
        assert _row(*batch, row) == _row(*alone, 0)


def test_ngrams_ignore_case_and_runs_of_white_space():
    assert _row(*char_ngram_counts(["Hello  World\n"]), 0) == _row(*char_ngram_counts(["hello world"]), 0)
    assert _row(*char_ngram_counts(["hello world"]), 0) != _row(*char_ngram_counts(["hello word"]), 0)


def test_ngram_counts_cover_every_length_from_two_to_five():
    # " ab " has three 2-grams, two 3-grams and one 4-gram; no 5-gram fits.
    rows, columns, counts = char_ngram_counts(["ab"])
    assert counts.sum() == 6
    # " aa aa " repeats " a", "aa", "a " and " aa", "aa " twice each.
    assert char_ngram_counts(["aa aa"])[2].sum() == 6 + 5 + 4 + 3


def test_an_empty_batch_and_an_empty_text_give_no_ngrams():
    assert all(len(part) == 0 for part in char_ngram_counts([]))
    rows, _, _ = char_ngram_counts(["", "ab"])
    assert set(rows.tolist()) == {1}


def test_char_matrix_is_scikit_learns_sublinear_tfidf_of_the_counts():
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    notes = ["Couldn't explain a left join.", "Lovely manner, but wants fully remote.", "Strong yes.",
             "couldnt explain left joins", "Talked over the junior interviewer twice."]
    rows, columns, counts = char_ngram_counts(notes, bits=12)
    counts_matrix = csr_matrix((counts.astype(float), (rows, columns)), shape=(len(notes), 1 << 12))
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts_matrix)
    ours, idf = char_matrix(notes, bits=12, chunk=2)
    assert np.allclose(ours.toarray(), expected.toarray(), rtol=0, atol=1e-12)
    again, _ = char_matrix(notes[:2], idf, bits=12)
    assert np.allclose(again.toarray(), ours.toarray()[:2], rtol=0, atol=1e-12)


@pytest.mark.parametrize("typo", ["Couldnt explian a left jion", "couldn't explain a LEFT JOIN!!"])
def test_a_misspelt_note_stays_closer_to_its_source_than_to_another_note(typo):
    source, other = "Couldn't explain a left join.", "Lovely manner, but wants fully remote."
    matrix, _ = char_matrix([source, other, typo], bits=16)
    similarity = (matrix @ matrix.T).toarray()
    # Word n-grams would share only "a" and "left" with the misspelt version.
    assert similarity[2, 0] > 0.3 and similarity[2, 0] > 10 * similarity[2, 1]
