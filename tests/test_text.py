import numpy as np
import pytest

from analyzer.text import (
    _DECLINE_FILTER,
    _RAISING_FILTER,
    _RESOLUTION_FILTER,
    DECLINE_PHRASES,
    RAISING_CUES,
    RESOLUTION_PHRASES,
    IntegerIndex,
    _declines,
    _raises,
    _states_resolution,
    analyse_docs,
    feature_tokens,
    get_nlp,
    normalise_word,
    rating_token,
    segment_tokens,
    segments,
)


def spans(text):
    doc = get_nlp()(text)
    return [text[start:end] for start, end in segments(doc)]


def test_text_segments_bullets_sections_and_scorecards():
    note = ("Pros:\n- Clear on reconciliations\n* Good with the team\n"
            "Cons: slow on Excel. Needs prompting\nTechnical: 2/4 – weak on IFRS 16")
    assert spans(note) == ["Pros:", "Clear on reconciliations", "Good with the team",
                           "Cons: slow on Excel.", "Needs prompting", "Technical: 2/4 – weak on IFRS 16"]


def test_text_segments_inline_sections():
    assert spans("Strengths: calm, organised. Concerns: no HACCP exp") == [
        "Strengths: calm, organised.", "Concerns: no HACCP exp"]


def test_text_segment_offsets_slice_the_original():
    note = "  • first point\n\n2) second point.  Third one!"
    doc = get_nlp()(note)
    assert [note[s:e] for s, e in segments(doc)] == ["first point", "second point.", "Third one!"]


@pytest.mark.parametrize("word, expected", [
    ("cand", "candidate"), ("mgr", "manager"), ("exp", "experience"), ("tbh", "honestly"),
    ("swe", "engineer"), ("organisation", "organization"), ("prioritised", "prioritized"),
    ("behaviour", "behavior"), ("expertise", "expertise"), ("supervise", "supervise"),
])
def test_text_normalises_shorthand_and_spelling(word, expected):
    assert normalise_word(word) == expected


def test_text_tokenizer_keeps_slash_shorthand():
    assert feature_tokens(get_nlp()("w/ 5 yrs exp b/c cand")) == [
        "with", "NUM", "years", "experience", "because", "candidate"]


@pytest.mark.parametrize("text, marked", [
    ("No concerns about her SQL.", "NEG_sql"),
    ("He didnt know the pricing model", "NEG_pricing"),
    ("I expected arrogance but he was humble.", "RES_arrogance"),
    ("Worried about the Kafka gap, but she cleared it up.", "RES_kafka"),
])
def test_text_marks_negated_and_resolved_scope(text, marked):
    assert marked in feature_tokens(get_nlp()(text))


def test_text_negation_scope_ends_at_contrast():
    tokens = feature_tokens(get_nlp()("No issues with Python but shaky on SQL"))
    assert "NEG_python" in tokens
    assert "sql" in tokens and "NEG_sql" not in tokens


def test_text_hedge_is_not_negated():
    tokens = feature_tokens(get_nlp()("Might be light on stakeholder management."))
    assert not any(t.startswith(("NEG_", "RES_")) for t in tokens)


@pytest.mark.parametrize("rating, bucket", [("1/4", "RATING_low"), ("3/5", "RATING_mid"),
                                            ("4.5/5", "RATING_high"), ("9/10", "RATING_high"),
                                            ("12/4", None), ("2024", None)])
def test_text_rating_buckets(rating, bucket):
    assert rating_token(rating) == bucket


NOTES = [
    "Pros:\n- Clear on reconciliations\n* Good with the team\nCons: slow on Excel. Needs prompting",
    "No concerns about her SQL. Worried about the Kafka gap, but she cleared it up.",
    "  • first point\n\n2) second point.  Third one!",
    "We talked about whether she'd be happier in outreach. She was clear: she wants the bedside.",
    "I'd been warned the rota might be a problem. That concern is closed. Technical: 2/4",
    "   ",
    "w/ 5 yrs exp b/c cand didnt know the pricing model, tho he can't say why",
]


def test_text_batch_analysis_matches_pipeline_components():
    nlp = get_nlp()
    batch = analyse_docs([nlp.make_doc(note) for note in NOTES])
    assert [batch.segments_of(i) for i in range(len(NOTES))] == [segment_tokens(doc) for doc in nlp.pipe(NOTES)]


def _glued(phrase, *, before, after):
    """A unit holding ``phrase`` with its first word glued to what precedes it and its last to
    what follows, where the phrase test allows it."""
    words = phrase.split(" ")
    words[0] = before + words[0]
    words[-1] = words[-1] + after
    return ["and", *words, "."]


@pytest.mark.parametrize("phrases, phrase_filter, test, before, after", [
    (RESOLUTION_PHRASES, _RESOLUTION_FILTER, _states_resolution, "x", "y"),
    (RAISING_CUES, _RAISING_FILTER, _raises, "", ""),
    (DECLINE_PHRASES, _DECLINE_FILTER, _declines, "", "y"),
])
def test_text_phrase_filters_pass_every_unit_holding_a_phrase(phrases, phrase_filter, test, before, after):
    for phrase in phrases:
        words = _glued(phrase, before=before, after=after)
        assert test(words), phrase
        signatures = np.array([phrase_filter.signature(word) for word in words], dtype=np.int64)
        assert phrase_filter.units(signatures, np.array([0])).tolist() == [0], phrase


def test_text_phrase_filters_reject_plain_units():
    words = ["solid", "on", "the", "fundamentals", "of", "cost", "accounting"]
    signatures = np.array([_RESOLUTION_FILTER.signature(word) for word in words], dtype=np.int64)
    assert len(_RESOLUTION_FILTER.units(signatures, np.array([0]))) == 0


def test_text_integer_index_finds_what_was_inserted():
    index = IntegerIndex()
    keys = np.arange(5000, dtype=np.uint64) << np.uint64(32)  # low bits equal: a hard case for hashing
    index.insert(keys[:3000], np.arange(3000))
    index.insert(keys[3000:4000], np.arange(3000, 4000))
    assert len(index) == 4000
    assert index.find(keys[::-1][1000:]).tolist() == list(range(3999, -1, -1))
    assert set(index.find(keys[4000:]).tolist()) == {-1}
