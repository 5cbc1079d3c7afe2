"""Checks a note's text must pass before the model reads it, so that a bad cell in an export
becomes a clear per-row error instead of a confident guess.

Standard library only: the batch checks every row before spaCy sees any.

>>> prepare_note("<p>Great with <b>SQL</b>.</p>").text.split()
['Great', 'with', 'SQL', '.']
>>> prepare_note("Muy buena candidata, pero no tiene experiencia con los clientes.")
Traceback (most recent call last):
...
analyzer.note_checks.NoteRejected: the note looks like Spanish, not English; it was not analysed
"""

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import AnalyzerError

MAX_NOTE_CHARS = 20_000

_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--.*?--)>", re.DOTALL)
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/li|li|p|div|tr|/tr|h[1-6]|/h[1-6])\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# The most frequent short words of each language: a note in English is full of the first set.
STOPWORDS = {
    "English": set("the a an and or but of to in on at for with is was are were be been it he she they "
                   "his her their him them we our i my me you your this that not no very good would could "
                   "should has have had did do does as from by about can will just so if".split()),
    "Spanish": set("el la los las de del que y en un una es por con para no muy pero su lo se al como "
                   "más tiene está fue ser sus le ha".split()),
    "French": set("le la les de des du et en un une est pour que qui pas ne avec sur au aux il elle "
                  "très mais son sa ses ce cette sont été avoir".split()),
    "German": set("der die das und ist nicht ein eine mit zu den von im auf für sich auch es sie er "
                  "sehr aber hat war wir ich dem des".split()),
    "Portuguese": set("o os as de do da dos das que e em um uma é com para não muito mas seu sua ele ela "
                      "foi tem está".split()),
    "Italian": set("il lo gli le di del della che e è un una per con non molto ma suo sua ha sono era "
                   "nel alla".split()),
    "Dutch": set("de het een en van is niet op te met zijn voor hij zij ze maar ook heeft was erg dat "
                 "die wel".split()),
}
MIN_WORDS_FOR_LANGUAGE = 5
LANGUAGE_SAMPLE_CHARS = 600  # the opening of a note is enough to tell its language
_LANGUAGES_OF = {}
for _language, _words in STOPWORDS.items():
    for _word in _words:
        _LANGUAGES_OF.setdefault(_word, []).append(_language)

# Mentions of what no hiring note should weigh: age, family, pregnancy, religion, origin,
# ethnicity, disability, health, accent. A mention is flagged for a person to look at;
# it is never a callback reason.
_PROTECTED = re.compile(
    r"""\b(?=[a-z0-9])(?:\d{2}[- ]years?[- ]old|years?\ old|too\ old|too\ young|older\ (?:candidate|than|lady|man|woman|guy)|
          younger\ (?:team|crowd|candidate)|his\ age|her\ age|their\ age|the\ age\ gap|(?:near|close\ to|nearing|before)\ retirement|retiring\ soon|
          in\ (?:his|her|their)\ (?:late\ |early\ |mid-)?(?:twenties|thirties|forties|fifties|sixties|20s|30s|40s|50s|60s)|(?:he|she)(?:'s|\ is)\ \d\d\b|aged?\ \d\d\b|
          pregnan\w*|maternity|paternity|expecting\ a\ baby|(?:her|his|their|a)\ (?:baby|kids|children|toddler|newborn)|childcare|
          school\ run|married|husband|wife|spouse|family\ plans|start(?:ing)?\ a\ family|
          caring\ for\ (?:her|his|their)\ (?:mother|father|mum|dad|parent)|single\ (?:mum|mom|dad|parent)|
          religio\w*|church|mosque|synagogue|temple|prayers?|praying|ramadan|fasting|hijab|headscarf|turban|
          sabbath|kosher|halal|faith|
          accent|native\ speaker|non-native|first\ language|foreign(?:er)?|immigra\w*|visa|nationality|
          \w+-born|originally\ from|grew\ up\ in|settled\ status|permanent\ resident|sponsorship|
          ethnic\w*|skin\ colou?r|
          disab\w*|wheelchair|hearing\ aid|hard\ of\ hearing|deaf|registered\ blind|visually\ impaired|autis\w*|adhd|dyslexi\w*|stammer|stutter|
          chronic\ (?:illness|pain|condition)|cancer|mental\ health|depression|anxiety\ disorder|
          sick\ leave|medical\ condition|health\ (?:issue|problem|condition)s?)\b""",
    re.VERBOSE,  # matched against the lower-cased note: much faster than IGNORECASE
)
_NATIONAL = re.compile(r"\b[A-Z][a-z]+ national\b")  # "a German national"


class NoteRejected(AnalyzerError, ValueError):
    """A note the model should not read; the message says why."""


@dataclass
class PreparedNote:
    """The text the model reads (same length as the cell, so offsets index the original) and flags."""

    text: str
    flags: list = field(default_factory=list)


def strip_html(text):
    """Blank out HTML tags with spaces of the same length, so offsets into the note still hold;
    block tags become a line break, so bullets and paragraphs stay units of their own."""
    def blank(match):
        tag = match.group(0)
        filler = "\n" if _BLOCK_TAG.match(tag) else " "
        return filler + " " * (len(tag) - 1)

    return _TAG.sub(blank, text)


_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes, kept by errors="surrogateescape"
_ANY_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u024F\u1E00-\u1EFF]")


def script_of(text):
    """The writing system most of the letters are in ("LATIN", "CYRILLIC", "CJK"...)."""
    if text.isascii() or not _NON_LATIN_LETTER.search(text):
        return "LATIN" if _ANY_LETTER.search(text) else None
    others = _NON_LATIN_LETTER.findall(text)
    letters = sum(1 for char in text if char.isalpha())
    if not letters:
        return None
    if len(others) * 2 <= letters:
        return "LATIN"
    counts = {}
    for char in others:
        name = unicodedata.name(char, "")
        script = "CJK" if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) else name.split(" ")[0]
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get)


def guess_language(text):
    """The language a note is written in, by its most frequent short words, or None when too short to tell."""
    script = script_of(text)
    if script and script != "LATIN":
        return f"{script.title()} script" if script != "CJK" else "Chinese, Japanese or Korean"
    words = _WORD.findall(text.lower(), 0, LANGUAGE_SAMPLE_CHARS)
    if len(words) < MIN_WORDS_FOR_LANGUAGE:
        return None
    hits = dict.fromkeys(STOPWORDS, 0)
    for word in words:
        for language in _LANGUAGES_OF.get(word, ()):
            hits[language] += 1
    best = max(hits, key=hits.get)
    if best != "English" and hits[best] >= 3 and hits[best] > 2 * hits["English"]:
        return best
    return "English"


def protected_mentions(text):
    """Spans that mention a protected characteristic, for a person to check.

    >>> text = "Great answers. She mentioned her kids twice, so maybe not keen on travel."
    >>> [text[s:e] for s, e in protected_mentions(text)]
    ['her kids']
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    spans = [match.span() for match in _PROTECTED.finditer(lowered)]
    return sorted(spans + [match.span() for match in _NATIONAL.finditer(text)])


def prepare_note(text, *, max_chars=MAX_NOTE_CHARS):
    """Check a note cell and return the text to analyse, or raise NoteRejected saying why."""
    if text is None:
        raise NoteRejected("the text cell is missing")
    if not isinstance(text, str):
        raise NoteRejected(f"the text is a {type(text).__name__}, not a string")
    if not text.strip():
        raise NoteRejected("the note is empty")
    if len(text) > max_chars:
        raise NoteRejected(f"the note is {len(text):,} characters long, over the limit of {max_chars:,}")
    if "\x00" in text:
        raise NoteRejected("the note contains NUL bytes: binary data, not text")
    if not text.isascii() and _SURROGATE.search(text):
        raise NoteRejected("the note contains bytes that are not valid UTF-8")
    flags = []
    if _TAG.search(text):
        text = strip_html(text)
        flags.append("html_removed")
    if not _WORD.search(text):
        raise NoteRejected("the note has no words to analyse, only numbers, symbols or emoji")
    language = guess_language(text)
    if language not in (None, "English"):
        raise NoteRejected(f"the note looks like {language}, not English; it was not analysed")
    return PreparedNote(text, flags)
