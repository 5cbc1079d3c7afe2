"""The spaCy text pipeline for interview notes: segments, normalised tokens, negation scope.

Everything runs on ``spacy.blank("en")`` plus three small components of ours, so a fresh
machine needs no model download:

- ``note_segmenter`` makes bullet lines, section headers ("Pros:", "Concerns:") and
  scorecard lines units of their own, as well as sentences;
- ``shorthand_normalizer`` maps interviewer shorthand and British spellings onto one
  form in ``token.norm_`` ("cand" → "candidate", "behaviour" → "behavior");
- ``negation_marker`` sets ``token._.negated`` inside the scope of a negation cue and
  ``token._.resolved`` inside a concern the note then resolves ("worried about X, but
  she cleared it up").

>>> from analyzer.text import get_nlp, feature_tokens
>>> doc = get_nlp()("No concerns about her SQL.")
>>> feature_tokens(doc)[:3]
['no', 'NEG_concerns', 'NEG_about']
"""

import re

import numpy
import spacy
from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_TITLE, LIKE_NUM, LOWER, NORM, ORTH, SENT_START
from spacy.tokens import Token
from spacy.language import Language

# Shorthand that the tokenizer would split apart ("b/c" → "b", "/", "c").
TOKENIZER_SHORTHAND = {
    "b/c": "because",
    "w/": "with",
    "w/o": "without",
    "b/w": "between",
    "w/e": "whatever",
    "n/a": "n/a",
}

SHORTHAND = {
    "cand": "candidate", "cands": "candidates", "candiate": "candidate", "canidate": "candidate",
    "exp": "experience", "expr": "experience", "experiance": "experience",
    "yrs": "years", "yr": "year", "mos": "months", "mths": "months", "hrs": "hours",
    "tbh": "honestly", "ngl": "honestly", "imo": "opinion", "imho": "opinion",
    "mgr": "manager", "mngr": "manager", "mgrs": "managers", "mgmt": "management",
    "swe": "engineer", "sde": "engineer", "eng": "engineer", "engg": "engineering",
    "bc": "because", "bcoz": "because", "coz": "because", "cuz": "because", "cos": "because",
    "prob": "probably", "prolly": "probably", "def": "definitely", "defo": "definitely",
    "deffo": "definitely", "defintely": "definitely", "definately": "definitely",
    "ppl": "people", "govt": "government", "dept": "department", "org": "organization",
    "reqs": "requirements", "req": "requirement", "comms": "communication",
    "convo": "conversation", "abt": "about", "tho": "though", "thru": "through",
    "gonna": "going", "kinda": "somewhat", "sorta": "somewhat", "dunno": "unsure",
    "ofc": "course", "wrt": "regarding", "re": "regarding", "approx": "approximately",
    "k8s": "kubernetes", "js": "javascript", "hm": "hiring_manager", "tl": "lead",
    "jr": "junior", "snr": "senior", "sr": "senior", "lvl": "level", "mid-lvl": "mid-level",
    "pls": "please", "thx": "thanks", "v": "very", "rly": "really", "realy": "really",
    "defn": "definitely", "dont": "do", "didnt": "did", "wasnt": "was", "isnt": "is",
    "doesnt": "does", "cant": "can", "wont": "will", "couldnt": "could", "wouldnt": "would",
    "shouldnt": "should", "havent": "have", "hasnt": "has", "arent": "are", "werent": "were",
}

# Negation glued onto a word by a hurried writer ("didnt") still negates.
_GLUED_NEGATIONS = {
    "dont", "didnt", "wasnt", "isnt", "doesnt", "cant", "wont", "couldnt", "wouldnt",
    "shouldnt", "havent", "hasnt", "arent", "werent",
}

BRITISH_TO_AMERICAN = {
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral",
    "colour": "color", "favour": "favor", "favourite": "favorite", "honour": "honor",
    "labour": "labor", "neighbour": "neighbor", "humour": "humor", "endeavour": "endeavor",
    "analyse": "analyze", "analysed": "analyzed", "analysing": "analyzing",
    "centre": "center", "centres": "centers", "programme": "program",
    "programmes": "programs", "licence": "license", "defence": "defense",
    "travelling": "traveling", "travelled": "traveled", "modelling": "modeling",
    "cancelled": "canceled", "judgement": "judgment", "enrol": "enroll", "catalogue": "catalog",
    "grey": "gray", "cheque": "check", "tyre": "tire", "aluminium": "aluminum",
    "maths": "math", "whilst": "while", "amongst": "among", "learnt": "learned",
}

# -ise words that are spelled -ise in American English too.
_ISE_EXCEPTIONS = {
    "advise", "advised", "advising", "comprise", "comprised", "compromise", "compromised",
    "despise", "devise", "devised", "disguise", "disguised", "enterprise", "exercise",
    "exercised", "expertise", "franchise", "improvise", "improvised", "merchandise",
    "premise", "promise", "promised", "promising", "revise", "revised", "revising",
    "supervise", "supervised", "supervising", "surprise", "surprised", "surprising",
    "televise", "otherwise", "concise", "precise", "noise", "raise", "raised", "raising",
    "praise", "praised", "cruise", "clockwise", "likewise", "wise", "rise", "arise",
    "arising", "bruised", "poise", "poised", "chastise", "excise", "incise", "demise",
}
_ISE_PATTERN = re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations|ational)$")

NEGATION_CUES = {"no", "not", "n't", "never", "without", "nothing", "none", "neither", "nor",
                 "nobody", "hardly", "barely", "cannot", "lacks", "lacking"}
# Tokens that close a negation's scope.
SCOPE_ENDS = {"but", "however", "though", "although", "yet", "except", "apart", "whereas",
              "while", "still", "and", "so", "because", "which", "who"}
MAX_SCOPE = 6

CONTRAST_WORDS = {"but", "however", "though", "although", "yet", "actually", "turned",
                  "instead", "fortunately", "thankfully"}
CONCERN_CUES = {"worried", "worry", "worrying", "concern", "concerns", "concerned", "expected",
                "expecting", "feared", "fear", "braced", "thought", "assumed", "suspected",
                "wondered", "doubt", "doubts", "doubted", "unsure", "skeptical", "sceptical",
                "nervous", "hesitant", "apprehensive", "flagged", "flag", "warned", "heard",
                "suspicion", "initially", "going", "reservation", "reservations", "question",
                "questions", "queried", "risk", "cv", "resume", "résumé", "paper", "half"}
RESOLUTION_CUES = {"cleared", "resolved", "unfounded", "allayed", "dispelled", "reassured",
                   "reassuring", "non-issue", "needn't", "needless", "addressed", "answered",
                   "convinced", "proved", "disproved", "settled", "eased", "evaporated",
                   "misplaced", "humble", "fine", "relieved", "wrong", "covered", "explained",
                   "satisfied", "rest", "solid", "prefers", "preferred", "keen"}

# Sentences that settle the concern raised just before them.
RESOLUTION_PHRASES = (
    "not at all", "there was n't one", "there wasn't one", "was n't an issue", "not an issue",
    "no issue", "non-issue", "not a problem", "no problem", "does n't worry me", "does not worry me",
    "did n't worry me", "did not worry me", "not worried", "not a concern", "no concern",
    "concern is closed", "mind at rest", "cleared it up", "cleared that up", "cleared up",
    "that 's resolved", "is resolved", "that 's sorted", "is sorted", "does n't matter",
    "does not matter", "can be learnt", "can be learned", "can be taught", "can learn",
    "at face value", "i believe her", "i believe him", "i believe them", "right about herself",
    "right about himself", "unfounded", "need n't have worried", "needn't have worried",
    "turned out fine", "proved me wrong", "was wrong about", "makes sense to me", "fair enough",
    "no red flags", "nothing that worried", "nothing to worry", "put that to rest", "put it to rest",
    "dispelled", "allayed", "not a worry", "no longer a concern", "nothing in it", "that 's fine",
)

# A move to another role raised, then ruled out: "we talked about whether she'd be happier in
# outreach. She was clear: she wants two more years at the bedside." The raising sentence
# is marked resolved, like a concern the note settles.
RAISING_CUES = ("whether", "wondered", "asked if", "asked her if", "asked him if", "asked them if",
                "asked whether", "talked about", "discussed", "raised", "touched on", "spent a while on",
                "spent some time on", "suggested", "floated", "mentioned the", "put to her", "put to him")
DECLINE_PHRASES = (
    "she was clear", "he was clear", "they were clear", "was firm", "she wants", "he wants",
    "they want", "she'd rather", "he'd rather", "prefers", "said no", "not interested",
    "no interest in", "turned it down", "turned down", "declined", "right call", "suits this",
    "suit this", "what we need here", "she 's right", "he 's right", "right about herself",
    "right about himself", "sensible plan", "stay hands-on", "happy to stay", "does n't want",
    "does not want", "did n't want", "did not want", "not for her", "not for him", "rather stay",
    "wants to stay", "wants to be", "wants to keep", "makes sense", "take that at face value",
)

SECTION_HEADERS = {
    "pros", "cons", "strengths", "strength", "concerns", "concern", "weaknesses", "weakness",
    "positives", "negatives", "risks", "risk", "summary", "overall", "recommendation",
    "verdict", "notes", "questions", "next", "development", "areas", "red", "green",
    "flags", "highlights", "lowlights", "decision", "rating", "score", "outcome", "follow",
}
BULLETS = {"-", "*", "•", "·", "–", "—", "+", ">", "o", "‣", "▪"}
_NUMBERED = re.compile(r"^(\d{1,2}|[a-z])[.)]$")
_RATING = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+)$")


def _add_tokenizer_shorthand(nlp):
    for text, norm in TOKENIZER_SHORTHAND.items():
        for variant in {text, text.upper(), text.capitalize()}:
            nlp.tokenizer.add_special_case(variant, [{ORTH: variant, NORM: norm}])


def normalise_word(lower):
    """One spelling for a lowercased word: shorthand expanded, British → American.

    >>> normalise_word("organisation"), normalise_word("cand"), normalise_word("exercise")
    ('organization', 'candidate', 'exercise')
    """
    if lower in SHORTHAND:
        return SHORTHAND[lower]
    if lower in BRITISH_TO_AMERICAN:
        return BRITISH_TO_AMERICAN[lower]
    if lower not in _ISE_EXCEPTIONS:
        match = _ISE_PATTERN.match(lower)
        if match:
            return f"{match.group(1)}iz{match.group(2)}"
    return lower


class TokenTable:
    """A doc's token attributes as plain Python lists, read once through ``Doc.to_array``.

    Creating a spaCy ``Token`` object per access dominates the cost of pure-Python passes
    over a doc, so every component and feature function works on these lists instead.
    """

    __slots__ = ("text", "lower", "norm", "space", "punct", "num", "title", "alpha", "idx")

    def __init__(self, doc):
        strings = doc.vocab.strings
        array = doc.to_array([ORTH, LOWER, NORM, IS_SPACE, IS_PUNCT, LIKE_NUM, IS_TITLE, IS_ALPHA, IDX])
        self.text = [strings[int(h)] for h in array[:, 0]]
        self.lower = [strings[int(h)] for h in array[:, 1]]
        self.norm = [strings[int(h)] for h in array[:, 2]]
        self.space = array[:, 3].astype(bool).tolist()
        self.punct = array[:, 4].astype(bool).tolist()
        self.num = array[:, 5].astype(bool).tolist()
        self.title = array[:, 6].astype(bool).tolist()
        self.alpha = array[:, 7].astype(bool).tolist()
        self.idx = array[:, 8].tolist()


def token_table(doc):
    """The doc's TokenTable, built once and shared by the components that follow."""
    table = doc.user_data.get(_TABLE_KEY)
    if table is None or len(table.text) != len(doc):
        table = doc.user_data[_TABLE_KEY] = TokenTable(doc)
    return table


@Language.component("shorthand_normalizer")
def shorthand_normalizer(doc):
    """Expand shorthand and unify spelling in ``token.norm_``."""
    table = token_table(doc)
    for i, lower in enumerate(table.lower):
        if lower in TOKENIZER_SHORTHAND:
            continue
        normalised = normalise_word(lower)
        # Only our own rewrites replace the norm: spaCy's exceptions ("n't" → "not") stay.
        if normalised != lower:
            doc[i].norm_ = normalised
            table.norm[i] = normalised
    return doc


def _is_section_header(table, i):
    """A header word followed by a colon: "Pros:", "Areas to develop:", "Red flags -"."""
    if table.lower[i] not in SECTION_HEADERS:
        return False
    for j in range(i + 1, min(i + 4, len(table.text))):
        if table.text[j] in (":", "-", "–"):
            return True
        if not table.alpha[j]:
            return False
    return False


def sentence_starts(table):
    """Where units start: line breaks, bullets, section headers and sentence punctuation."""
    starts = [False] * len(table.text)
    previous = None
    for i, text in enumerate(table.text):
        if table.space[i]:
            continue
        if previous is None:
            start = True
        elif "\n" in table.text[i - 1]:
            start = True
        elif table.text[previous] in {".", "!", "?", ";", "..."}:
            start = not table.punct[i]
        elif table.text[previous].endswith((".", "!", "?")) and len(table.text[previous]) > 1 \
                and table.text[previous] not in {"e.g.", "i.e.", "etc.", "vs.", "approx."} and table.title[i]:
            start = True
        elif text in {"•", "·", "▪"}:
            start = True
        else:
            start = _is_section_header(table, i) and table.text[previous] in {".", ",", ")", "|"}
        starts[i] = start
        previous = i
    return starts


@Language.component("note_segmenter")
def note_segmenter(doc):
    """Set sentence starts so that ``doc.sents`` yields a note's units."""
    if len(doc) == 0:
        return doc
    starts = sentence_starts(token_table(doc))
    starts[0] = True
    values = numpy.array([1 if start else -1 for start in starts], dtype="int64").astype("uint64")
    doc.from_array([SENT_START], values.reshape(-1, 1))
    doc.user_data[_STARTS_KEY] = starts
    return doc


def _sentences(table, starts):
    """Token indices of each unit, spaces dropped."""
    units, current = [], []
    for i in range(len(table.text)):
        if starts[i] and current:
            units.append(current)
            current = []
        if not table.space[i]:
            current.append(i)
    if current:
        units.append(current)
    return units


def _is_negation_cue(table, i):
    return (table.norm[i] in NEGATION_CUES or table.lower[i] in NEGATION_CUES
            or table.lower[i] in _GLUED_NEGATIONS)


@Language.component("negation_marker")
def negation_marker(doc):
    """Mark tokens in a negation's scope, and concerns the note goes on to resolve.

    The marks live in ``doc.user_data`` and read as ``token._.negated`` / ``token._.resolved``.
    """
    table = token_table(doc)
    starts = doc.user_data.get(_STARTS_KEY) or sentence_starts(table)
    negated = [False] * len(table.text)
    resolved = [False] * len(table.text)
    previous = []
    for unit in _sentences(table, starts):
        _mark_negation_scope(table, unit, negated)
        _mark_resolved_concerns(table, unit, resolved)
        if previous and _states_resolution(table, unit):
            # "I'd been warned the rota might be a problem. That concern is closed."
            for earlier in previous[-2:]:
                if any(table.lower[i] in CONCERN_CUES for i in earlier):
                    for i in earlier:
                        resolved[i] = True
        if _declines(table, unit):
            for earlier in [*previous[-2:], unit]:
                if _raises(table, earlier):
                    for i in earlier:
                        resolved[i] = True
        previous.append(unit)
    doc.user_data[_ANALYSIS_KEY] = (table, starts, negated, resolved)
    return doc


_ANALYSIS_KEY = "callback_analyzer.tokens"
_STARTS_KEY = "callback_analyzer.starts"
_TABLE_KEY = "callback_analyzer.table"

Token.set_extension("negated", getter=lambda t: t.doc.user_data[_ANALYSIS_KEY][2][t.i], force=True)
Token.set_extension("resolved", getter=lambda t: t.doc.user_data[_ANALYSIS_KEY][3][t.i], force=True)


def _states_resolution(table, unit):
    """Does this unit say an earlier concern is settled ("not at all", "it doesn't worry me")?"""
    words = " ".join(table.lower[i] for i in unit)
    return any(phrase in words for phrase in RESOLUTION_PHRASES)


def _text_of(table, unit):
    return " " + " ".join(table.lower[i] for i in unit) + " "


def _raises(table, unit):
    """Does this unit raise a question for discussion ("we talked about whether…")?"""
    words = _text_of(table, unit)
    return any(f" {cue} " in words for cue in RAISING_CUES)


def _declines(table, unit):
    """Does this unit rule the raised move out ("she was clear: she wants the bedside")?"""
    words = _text_of(table, unit)
    return any(f" {phrase} " in words or f" {phrase}" in words for phrase in DECLINE_PHRASES)


def _mark_negation_scope(table, unit, negated):
    remaining = 0
    for i in unit:
        if _is_negation_cue(table, i):
            remaining = MAX_SCOPE
            continue
        if remaining:
            if table.punct[i] or table.lower[i] in SCOPE_ENDS or table.norm[i] in SCOPE_ENDS:
                remaining = 0
                continue
            negated[i] = True
            remaining -= 1


def _mark_resolved_concerns(table, unit, resolved):
    """"Worried about X, but she cleared it up": X's clause is marked resolved."""
    for position, i in enumerate(unit):
        if table.lower[i] not in CONTRAST_WORDS or position == 0:
            continue
        before, after = unit[:position], unit[position + 1:position + 12]
        if not any(table.lower[j] in CONCERN_CUES for j in before):
            continue
        if any(table.lower[j] in RESOLUTION_CUES or _is_negation_cue(table, j) for j in after):
            for j in before:
                resolved[j] = True
        break


def rating_token(text):
    """A bucketed token for a score such as "2/4" or "4.5/5", so ratings on any scale align."""
    match = _RATING.match(text)
    if not match:
        return None
    value, scale = float(match.group(1)), float(match.group(2))
    if scale <= 0 or value > scale or scale > 100:
        return None
    ratio = value / scale
    if ratio <= 0.45:
        return "RATING_low"
    if ratio < 0.7:
        return "RATING_mid"
    return "RATING_high"


def _feature(table, negated, resolved, i):
    rating = rating_token(table.text[i])
    if rating is not None:
        return rating
    if table.punct[i] and table.text[i] not in {"?", "!"}:
        return None
    norm = "NUM" if table.num[i] else table.norm[i]
    if resolved[i]:
        return "RES_" + norm
    if negated[i]:
        return "NEG_" + norm
    return norm


def _analysed(doc):
    if _ANALYSIS_KEY not in doc.user_data:
        raise ValueError("this doc was not made by analyzer.text.get_nlp(); its pipeline lacks negation_marker")
    return doc.user_data[_ANALYSIS_KEY]


def feature_tokens(doc):
    """Unigram features of a doc: normalised words, marked NEG_ or RES_ where in scope."""
    return [feature for _, features in segment_tokens(doc) for feature in features]


def _strip_bullets(table, unit):
    """Drop leading bullet markers: "-", "•", "1.", "2)", "a)"."""
    while unit:
        first = table.text[unit[0]]
        if first in BULLETS or _NUMBERED.match(first):
            unit = unit[1:]
        elif len(unit) > 1 and table.text[unit[1]] in {")", "."} and _NUMBERED.match(first + table.text[unit[1]]):
            unit = unit[2:]
        else:
            break
    return unit


def segment_tokens(doc):
    """For each segment, its ``(start, end)`` character span and its feature tokens.

    Spans are offsets into ``doc.text`` with bullets and surrounding whitespace trimmed.
    """
    table, starts, negated, resolved = _analysed(doc)
    result = []
    for unit in _sentences(table, starts):
        unit = _strip_bullets(table, unit)
        if not unit or all(table.punct[i] for i in unit):
            continue
        features = [f for i in unit if (f := _feature(table, negated, resolved, i)) is not None]
        last = unit[-1]
        result.append(((table.idx[unit[0]], table.idx[last] + len(table.text[last])), features))
    return result


def segments(doc):
    """Character spans of a note's units: sentences, bullet lines, sections, scorecard lines."""
    return [span for span, _ in segment_tokens(doc)]


PIPE_NAMES = ("note_segmenter", "shorthand_normalizer", "negation_marker")


def build_nlp():
    """A fresh blank English pipeline with our three components."""
    nlp = spacy.blank("en")
    _add_tokenizer_shorthand(nlp)
    for name in PIPE_NAMES:
        nlp.add_pipe(name)
    return nlp


_NLP = None


def get_nlp():
    """The shared pipeline, built once per process."""
    global _NLP
    if _NLP is None:
        _NLP = build_nlp()
    return _NLP
