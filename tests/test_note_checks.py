import pytest

from analyzer.note_checks import NoteRejected, guess_language, prepare_note, protected_mentions, strip_html


@pytest.mark.parametrize("text, reason", [
    (None, "missing"),
    ("   \n\t ", "empty"),
    ("x" * 30, "over the limit"),
    ("Good\x00candidate with SQL", "NUL"),
    ("🔥🔥👍 💯", "no words"),
    ("4/5 3/5 12 99.5", "no words"),
    ("Muy buena candidata, pero no tiene experiencia con los clientes y es un poco lenta.", "Spanish"),
    ("Très bon candidat, mais il ne connaît pas le SQL et il est un peu arrogant.", "French"),
    ("Sehr gute Kandidatin, aber sie hat keine Erfahrung mit Kunden und ist nicht teamfähig.", "German"),
    ("很好的候选人，但是SQL不太好，沟通也一般。", "Chinese"),
    ("Good on SQL, bad \udcff bytes", "UTF-8"),
])
def test_note_checks_reject_bad_cells_with_a_reason(text, reason):
    with pytest.raises(NoteRejected, match=reason):
        prepare_note(text, max_chars=25 if reason == "over the limit" else 20_000)


@pytest.mark.parametrize("text", [
    "Strong hire.",
    "cand v good w/ SQL tbh, mgr exp thin",
    "Technical: 2/4 – struggled with joins",
    "Ana was great; she's from Madrid and said 'vale' a lot, which the team loved.",
])
def test_note_checks_accept_english_notes_short_or_shorthand(text):
    assert prepare_note(text).text == text


def test_note_checks_strip_html_keeping_offsets():
    text = "<p>Great with <b>SQL</b>.</p><p>Weak on <i>pandas</i>.</p>"
    prepared = prepare_note(text)
    assert len(prepared.text) == len(text)
    assert prepared.flags == ["html_removed"]
    assert "<" not in prepared.text and "\n" in prepared.text
    start = prepared.text.index("pandas")
    assert text[start:start + 6] == "pandas"


def test_note_checks_strip_html_leaves_comparisons_alone():
    assert strip_html("latency < 200ms and p99 > 1s") == "latency < 200ms and p99 > 1s"


def test_note_checks_guess_language_needs_enough_words():
    assert guess_language("Sí, muy bien.") is None
    assert guess_language("She was calm and the team liked her a lot.") == "English"


def test_note_checks_protected_mentions_found_and_not_invented():
    assert protected_mentions("Mentioned her kids twice and her husband's job.")
    assert protected_mentions("She's 58 and wants one more big role.")
    assert protected_mentions("Strong on race conditions and the kids' app launch.") == []
