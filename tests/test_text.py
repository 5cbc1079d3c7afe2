import pytest

from analyzer.text import feature_tokens, get_nlp, normalise_word, rating_token, segments


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
