"""One note read from an export, and the reading of interviewers' stated recommendations."""

import re
from dataclasses import dataclass

from ..labels import RECOMMENDATIONS


@dataclass
class NoteRow:
    """A note as read from an export, before any analysis.

    ``row`` counts every note of the input from 1, good or bad, so a report can point
    back to it; ``location`` is the file and line where the note starts. ``error`` is set
    when the row itself is unusable (a missing text cell, bytes that are not valid in the
    file's encoding); empty text is not an error here, the batch layer judges content.
    """

    row: int
    id: str
    text: str | None
    candidate: str | None = None
    interviewer: str | None = None
    role: str | None = None
    requisition: str | None = None
    stated_recommendation: str | None = None
    stated_raw: str | None = None
    location: str = ""
    error: str | None = None


# Each phrase is compared after lower-casing, splitting camelCase and turning every run of
# non-letters into one space, so "STRONG_NO_HIRE", "strongNoHire" and "Strong No-Hire" meet.
_PHRASES = {
    "strong_no": (
        "strong no", "strong no hire", "strongly no", "strong not hire", "strong reject",
        "strongly reject", "definitely not", "definitely no", "definitely not hire", "definitely no hire",
        "absolutely not", "hell no", "strong decline", "strongly do not hire", "strongly not recommended",
        "strongly do not recommend", "double thumbs down", "two thumbs down", "thumbs down thumbs down",
        "strong no go",
    ),
    "no": (
        "no", "no hire", "not hire", "do not hire", "don t hire", "dont hire", "not a hire", "no go",
        "reject", "decline", "thumbs down", "lean no", "leaning no", "lean no hire", "weak no", "no lean",
        "not recommended", "do not recommend", "don t recommend", "not recommend", "no recommend",
        "inclined not to hire", "not yet",
    ),
    "yes": (
        "yes", "hire", "yes hire", "recommend", "recommended", "recommend hire", "thumbs up", "lean yes",
        "leaning yes", "lean hire", "weak yes", "weak hire", "yes lean", "go", "advance", "proceed",
        "move forward", "inclined to hire", "accept",
    ),
    "strong_yes": (
        "strong yes", "strong hire", "strongly hire", "strong yes hire", "strongly yes", "definitely yes",
        "definitely hire", "absolutely", "absolutely yes", "strongly recommend", "strong recommend",
        "strongly recommended", "strong accept", "must hire", "double thumbs up", "two thumbs up",
        "thumbs up thumbs up",
    ),
}
_RECOMMENDATION_BY_PHRASE = {phrase: label for label, phrases in _PHRASES.items() for phrase in phrases}
_EMOJI = {"\N{THUMBS DOWN SIGN}": "no", "\N{THUMBS UP SIGN}": "yes"}
# A 1-4 scale, the form ATS exports use: "4 - Strong Hire", "3: Hire", "2/4", "1".
_SCALE = dict(zip("1234", RECOMMENDATIONS))
_LEADING_SCORE = re.compile(r"^\s*([1-4])(?!\.\d)(?:\s*(?:/|out of)\s*4)?\s*(?:[-\u2013\u2014:.)(]\s*|$)(.*)$", re.S)


def _phrase(value):
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", value)
    return " ".join(re.sub(r"[^a-z]+", " ", spaced.lower()).split())


def normalise_recommendation(value):
    """The recommendation an export states, on our scale, or None when it gives no call.

    Reads the spellings of the ATS vendors and of people ("definitely_not", "1 - Strong No
    Hire", "No Hire", "4 - Strong Hire", "thumbs up"), a 1-4 number, and Ashby's
    ``{"score": 4}``; "mixed", "no_decision", "" and anything unknown give None.

    >>> normalise_recommendation("4 - Strong Hire"), normalise_recommendation("definitely_not")
    ('strong_yes', 'strong_no')
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict):
        for key in ("score", "value", "label"):
            if key in value:
                return normalise_recommendation(value[key])
        return None
    if isinstance(value, (int, float)):
        return _SCALE.get(str(int(value))) if float(value).is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in _EMOJI:
        return _EMOJI[text]
    scored = _LEADING_SCORE.match(text)
    if scored:
        # The words win when they say something ("4 - Strong Hire"); the digit alone is the fallback.
        worded = _RECOMMENDATION_BY_PHRASE.get(_phrase(scored.group(2)))
        return worded or _SCALE[scored.group(1)]
    return _RECOMMENDATION_BY_PHRASE.get(_phrase(text))
