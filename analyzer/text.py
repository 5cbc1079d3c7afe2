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

import spacy
from spacy.language import Language
from spacy.symbols import NORM, ORTH
from spacy.tokens import Token

Token.set_extension("negated", default=False, force=True)
Token.set_extension("resolved", default=False, force=True)

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
                   "satisfied", "rest", "solid"}

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


@Language.component("shorthand_normalizer")
def shorthand_normalizer(doc):
    """Expand shorthand and unify spelling in ``token.norm_``."""
    for token in doc:
        lower = token.lower_
        if lower in TOKENIZER_SHORTHAND:
            continue
        normalised = normalise_word(lower)
        # Only our own rewrites replace the norm: spaCy's exceptions ("n't" → "not") stay.
        if normalised != lower:
            token.norm_ = normalised
    return doc


def _is_section_header(doc, i):
    """A header word followed by a colon: "Pros:", "Areas to develop:", "Red flags -"."""
    token = doc[i]
    if token.lower_ not in SECTION_HEADERS:
        return False
    for j in range(i + 1, min(i + 4, len(doc))):
        if doc[j].text in (":", "-", "–"):
            return True
        if not doc[j].is_alpha:
            return False
    return False


@Language.component("note_segmenter")
def note_segmenter(doc):
    """Sentence starts at line breaks, bullets, section headers and sentence punctuation."""
    if len(doc) == 0:
        return doc
    previous = None
    for i, token in enumerate(doc):
        start = False
        if i == 0:
            start = True
        elif "\n" in doc[i - 1].text or "\n" in doc[i - 1].whitespace_:
            start = True
        elif previous is not None and previous.text in {".", "!", "?", ";", "..."}:
            start = not token.is_punct
        elif previous is not None and previous.text.endswith((".", "!", "?")) and len(previous.text) > 1 \
                and previous.text not in {"e.g.", "i.e.", "etc.", "vs.", "approx."} and token.is_title:
            start = True
        elif token.text in {"•", "·", "▪"}:
            start = True
        elif _is_section_header(doc, i) and previous is not None and previous.text in {".", ",", ")", "|"}:
            start = True
        if not token.is_space:
            if i > 0:
                token.is_sent_start = start
            previous = token
        elif i > 0:
            token.is_sent_start = False
    return doc


def _is_negation_cue(token):
    norm = token.norm_
    if norm in NEGATION_CUES or token.lower_ in NEGATION_CUES:
        return True
    return token.lower_ in _GLUED_NEGATIONS


@Language.component("negation_marker")
def negation_marker(doc):
    """Mark tokens in a negation's scope, and concerns the note goes on to resolve."""
    previous = []
    for sentence in doc.sents:
        tokens = [t for t in sentence if not t.is_space]
        _mark_negation_scope(tokens)
        _mark_resolved_concerns(tokens)
        if previous and _states_resolution(tokens):
            # "I'd been warned the rota might be a problem. That concern is closed."
            for earlier in previous[-2:]:
                if any(t.lower_ in CONCERN_CUES for t in earlier):
                    for token in earlier:
                        token._.resolved = True
        previous.append(tokens)
    return doc


def _states_resolution(tokens):
    """Does this sentence say an earlier concern is settled ("not at all", "it doesn't worry me")?"""
    words = " ".join(t.lower_ for t in tokens)
    return any(phrase in words for phrase in RESOLUTION_PHRASES)


def _mark_negation_scope(tokens):
    remaining = 0
    for token in tokens:
        if _is_negation_cue(token):
            remaining = MAX_SCOPE
            continue
        if remaining:
            if token.is_punct or token.lower_ in SCOPE_ENDS or token.norm_ in SCOPE_ENDS:
                remaining = 0
                continue
            token._.negated = True
            remaining -= 1


def _mark_resolved_concerns(tokens):
    """"Worried about X, but she cleared it up": X's clause is marked resolved."""
    for index, token in enumerate(tokens):
        if token.lower_ not in CONTRAST_WORDS or index == 0:
            continue
        before, after = tokens[:index], tokens[index + 1:index + 12]
        if not any(t.lower_ in CONCERN_CUES for t in before):
            continue
        if any(t.lower_ in RESOLUTION_CUES or _is_negation_cue(t) for t in after):
            for earlier in before:
                earlier._.resolved = True
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


def feature_tokens(doc):
    """Unigram features of a doc: normalised words, marked NEG_ or RES_ where in scope."""
    return [feature for token in doc if (feature := token_feature(token)) is not None]


def token_feature(token):
    if token.is_space:
        return None
    rating = rating_token(token.text)
    if rating is not None:
        return rating
    if token.is_punct and token.text not in {"?", "!"}:
        return None
    norm = token.norm_
    if token.like_num:
        norm = "NUM"
    if token._.resolved:
        return "RES_" + norm
    if token._.negated:
        return "NEG_" + norm
    return norm


def _strip_bullets(tokens):
    """Drop leading bullet markers: "-", "•", "1.", "2)", "a)"."""
    while tokens:
        first = tokens[0]
        if first.text in BULLETS or _NUMBERED.match(first.text):
            tokens = tokens[1:]
        elif len(tokens) > 1 and tokens[1].text in {")", "."} and _NUMBERED.match(first.text + tokens[1].text):
            tokens = tokens[2:]
        else:
            break
    return tokens


def segment_tokens(doc):
    """For each segment, its ``(start, end)`` character span and its feature tokens.

    Spans are offsets into ``doc.text`` with bullets and surrounding whitespace trimmed.
    """
    result = []
    for sentence in doc.sents:
        tokens = _strip_bullets([t for t in sentence if not t.is_space])
        if not tokens or all(t.is_punct for t in tokens):
            continue
        features = [f for t in tokens if (f := token_feature(t)) is not None]
        result.append(((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)), features))
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
