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

Those components serve spaCy users of ``get_nlp()``. Featurising and scoring many notes
skip them: ``analyse_docs`` does their work for a whole batch of tokenised docs at once,
with numpy over tables computed once per lexeme, and both paths run the same code.

>>> from analyzer.text import get_nlp, feature_tokens
>>> doc = get_nlp()("No concerns about her SQL.")
>>> feature_tokens(doc)[:3]
['no', 'NEG_concerns', 'NEG_about']
"""

import re

import numpy
import spacy
from spacy.attrs import IDX, NORM, ORTH, SENT_START
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


# -- phrase tests over a unit's lowercased words ---------------------------------------
_RAISING_PATTERNS = tuple(f" {cue} " for cue in RAISING_CUES)
# " phrase " in the text implies " phrase", so the open-ended pattern alone decides.
_DECLINE_PATTERNS = tuple(f" {phrase}" for phrase in DECLINE_PHRASES)


def _states_resolution(lowers):
    """Does this unit say an earlier concern is settled ("not at all", "it doesn't worry me")?"""
    words = " ".join(lowers)
    return any(phrase in words for phrase in RESOLUTION_PHRASES)


def _raises(lowers):
    """Does this unit raise a question for discussion ("we talked about whether…")?"""
    words = " " + " ".join(lowers) + " "
    return any(pattern in words for pattern in _RAISING_PATTERNS)


def _declines(lowers):
    """Does this unit rule the raised move out ("she was clear: she wants the bedside")?"""
    words = " " + " ".join(lowers) + " "
    return any(pattern in words for pattern in _DECLINE_PATTERNS)


class _PhraseFilter:
    """A quick test that a unit cannot hold any of ``phrases``, so that the phrase tests above
    run only on the few units that might.

    A unit's text joins its words with single spaces, and no word holds a space. So a phrase
    word with a space on both sides is a whole word of the unit; the first word of a phrase
    with no space before it may be the end of a word, the last word of one with no space after
    it the start of a word, and a lone word any part of one. Each such condition gets one of 63
    bits (shared when there are more conditions, which only lets more units through); a word's
    signature holds the bits of the conditions it meets, and a unit can hold a phrase only if
    the union of its words' signatures covers all the phrase's bits.
    """

    def __init__(self, phrases, *, space_before, space_after):
        bit_of = {}
        requirements = []
        for phrase in phrases:
            words = phrase.split(" ")
            required = 0
            for position, word in enumerate(words):
                open_start = position == 0 and not space_before
                open_end = position == len(words) - 1 and not space_after
                bit = bit_of.setdefault((open_start, open_end, word), 1 << (len(bit_of) % 63))
                required |= bit
            requirements.append(required)
        self.requirements = numpy.array(requirements, dtype=numpy.int64)
        self._whole, self._starts, self._ends, self._inside = {}, {}, {}, []
        for (open_start, open_end, word), bit in bit_of.items():
            if open_start and open_end:
                self._inside.append((word, bit))
            elif open_start:
                self._ends.setdefault(word[-1], []).append((word, bit))
            elif open_end:
                self._starts.setdefault(word[0], []).append((word, bit))
            else:
                self._whole[word] = self._whole.get(word, 0) | bit

    def signature(self, lower):
        """The bits of the conditions a (lowercased) word meets."""
        if not lower:
            return 0
        if " " in lower:
            return (1 << 63) - 1
        bits = self._whole.get(lower, 0)
        for word, bit in self._starts.get(lower[0], ()):
            if lower.startswith(word):
                bits |= bit
        for word, bit in self._ends.get(lower[-1], ()):
            if lower.endswith(word):
                bits |= bit
        for word, bit in self._inside:
            if word in lower:
                bits |= bit
        return bits

    def units(self, signatures, unit_first):
        """The units (by number) whose words' ``signatures`` could hold one of the phrases."""
        held = numpy.bitwise_or.reduceat(signatures, unit_first)
        return numpy.flatnonzero(((held[:, None] & self.requirements) == self.requirements).any(axis=1))


_RESOLUTION_FILTER = _PhraseFilter(RESOLUTION_PHRASES, space_before=False, space_after=False)
_RAISING_FILTER = _PhraseFilter(RAISING_CUES, space_before=True, space_after=True)
_DECLINE_FILTER = _PhraseFilter(DECLINE_PHRASES, space_before=True, space_after=False)


# -- what the pipeline reads about each word -------------------------------------------
class FeatureStrings:
    """Feature strings ("skills", "NEG_sql", "RATING_low") numbered in order of first sight.

    The pipeline emits features as these numbers, so a model maps each number to its
    vocabulary once rather than looking up strings for every note.
    """

    def __init__(self):
        self.ids = {}
        self.strings = []

    def __len__(self):
        return len(self.strings)

    def id(self, string):
        number = self.ids.get(string)
        if number is None:
            number = self.ids[string] = len(self.strings)
            self.strings.append(string)
        return number


FEATURE_STRINGS = FeatureStrings()


class IntegerIndex:
    """A map from 64-bit integer keys (lexeme hashes, pairs of feature ids) to row numbers
    that looks up a whole array of keys in a few numpy passes.

    Open addressing with linear probing in a power-of-two table kept at most a quarter full; the
    slot of a key is its Fibonacci hash, so keys that differ only in their high bits spread.
    """

    _MULTIPLIER = numpy.uint64(0x9E3779B97F4A7C15)

    def __init__(self):
        self._keys = numpy.zeros(1024, dtype=numpy.uint64)
        self._rows = numpy.full(1024, -1, dtype=numpy.int64)
        self._count = 0

    def __len__(self):
        return self._count

    def _slots(self, keys):
        shift = numpy.uint64(64 - (len(self._rows).bit_length() - 1))
        return ((keys * self._MULTIPLIER) >> shift).astype(numpy.int64)

    def find(self, keys):
        """The row of each key (a uint64 array), -1 where the key is absent."""
        mask = len(self._rows) - 1
        slots = self._slots(keys)
        found = numpy.full(len(keys), -1, dtype=numpy.int64)
        pending = numpy.arange(len(keys))
        while len(pending):
            at = slots[pending]
            rows = self._rows[at]
            occupied = rows >= 0
            hit = occupied & (self._keys[at] == keys[pending])
            found[pending[hit]] = rows[hit]
            pending = pending[occupied & ~hit]
            slots[pending] = (slots[pending] + 1) & mask
        return found

    def insert(self, keys, rows):
        """Add ``keys`` (distinct, absent, a uint64 array) with their ``rows``."""
        if 4 * (self._count + len(keys)) > len(self._rows):
            present = self._rows >= 0
            old_keys, old_rows = self._keys[present], self._rows[present]
            size = len(self._rows)
            while 4 * (self._count + len(keys)) > size:
                size *= 2
            self._keys = numpy.zeros(size, dtype=numpy.uint64)
            self._rows = numpy.full(size, -1, dtype=numpy.int64)
            self._place(old_keys, old_rows)
        self._place(keys, rows)
        self._count += len(keys)

    def _place(self, keys, rows):
        mask = len(self._rows) - 1
        slots = self._slots(keys)
        pending = numpy.arange(len(keys))
        while len(pending):
            at = slots[pending]
            free = self._rows[at] < 0
            # Keys wanting the same free slot: the first takes it, the others probe on.
            taken, first = numpy.unique(at[free], return_index=True)
            placed = pending[free][first]
            self._keys[taken] = keys[placed]
            self._rows[taken] = rows[placed]
            waiting = numpy.ones(len(keys), dtype=bool)
            waiting[placed] = False
            pending = pending[waiting[pending]]
            blocked = pending[self._rows[slots[pending]] >= 0]
            slots[blocked] = (slots[blocked] + 1) & mask


_SENTENCE_ENDS = {".", "!", "?", ";", "..."}
_ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "vs.", "approx."}
_UNIT_BREAKS = {"•", "·", "▪"}
_HEADER_MARKS = {":", "-", "–"}
_BEFORE_INLINE_HEADER = {".", ",", ")", "|"}
_KEPT_PUNCT = {"?", "!"}

# Columns of _Lexicon.flags.
(_SPACE, _PUNCT, _TITLE, _ALPHA, _NUM, _NEWLINE, _SENTENCE_END, _DOTTED_END, _UNIT_BREAK, _HEADER_WORD,
 _HEADER_MARK, _BEFORE_HEADER, _BULLET, _NUMBERED_PAREN, _NUMBERED_DOT, _PAREN, _DOT, _CONCERN, _CONTRAST,
 _RESOLUTION_CUE, _NEGATION_WORD, _SCOPE_END_WORD, _KEPT) = range(23)
_FLAG_COUNT = 23
# Rows of _Lexicon.values, which has a column per lexeme: the feature id of its rating bucket
# (or -1), the entry of our rewrite of its norm (or -1), the entry of its own norm, the length
# of its text, and its signatures for the three phrase filters.
_RATING_FEATURE, _REWRITE, _OWN_NORM, _LENGTH, _RESOLUTION_BITS, _RAISING_BITS, _DECLINE_BITS = range(7)
_VALUE_COUNT = 7


class _Lexicon:
    """What the pipeline reads about each word of a vocab, worked out once per lexeme.

    A lexeme gets a row; a doc's tokens become row numbers, and a pass over a batch of docs
    is numpy indexing into these columns rather than Python work per token. A token's norm
    can differ from its lexeme's (a tokenizer exception makes "n't" "not"), so normalised
    words get rows of their own, "entries", with their feature ids plain, NEG_ and RES_.
    """

    def __init__(self, vocab):
        self.vocab = vocab
        self.index = IntegerIndex()
        self.lowers = []
        self.flags = numpy.zeros((0, _FLAG_COUNT), dtype=bool)
        self.values = numpy.zeros((_VALUE_COUNT, 0), dtype=numpy.int64)
        self.norm_hash = numpy.zeros(0, dtype=numpy.uint64)
        self.entry_of_string = {}
        self.entry_of_hash = {}
        self.entry_strings = []
        self.entry_negation = numpy.zeros(0, dtype=bool)
        self.entry_scope_end = numpy.zeros(0, dtype=bool)
        self.entry_features = numpy.zeros((0, 3), dtype=numpy.int64)
        self.num_features = numpy.array([FEATURE_STRINGS.id(prefix + "NUM") for prefix in ("", "NEG_", "RES_")])
        self._new_rows, self._new_entries = [], []

    def rows(self, orths):
        """Row numbers for an array of lexeme hashes, adding the lexemes not seen before."""
        rows = self.index.find(orths)
        missing = numpy.flatnonzero(rows < 0)
        if len(missing):
            new = list(dict.fromkeys(orths[missing].tolist()))
            added = [self._add(orth) for orth in new]
            self._commit()
            self.index.insert(numpy.array(new, dtype=numpy.uint64), numpy.array(added, dtype=numpy.int64))
            rows[missing] = self.index.find(orths[missing])
        return rows

    def entries(self, norm_hashes):
        """Entries for a list of norm hashes: the few tokens whose norm is not their lexeme's."""
        get = self.entry_of_hash.get
        entries = [get(norm) for norm in norm_hashes]
        if None in entries:
            for position, norm in enumerate(norm_hashes):
                if entries[position] is None:
                    entries[position] = self.entry_of_hash[norm] = self._entry(self.vocab.strings[norm])
            self._commit()
        return numpy.array(entries, dtype=numpy.int64)

    def _entry(self, norm):
        entry = self.entry_of_string.get(norm)
        if entry is None:
            entry = self.entry_of_string[norm] = len(self.entry_strings)
            self.entry_strings.append(norm)
            self._new_entries.append((norm in NEGATION_CUES, norm in SCOPE_ENDS, FEATURE_STRINGS.id(norm),
                                      FEATURE_STRINGS.id("NEG_" + norm), FEATURE_STRINGS.id("RES_" + norm)))
        return entry

    def _add(self, orth):
        lexeme = self.vocab[orth]
        text, lower, punct = lexeme.orth_, lexeme.lower_, lexeme.is_punct
        rating = rating_token(text)
        rewrite = -1
        # Only our own rewrites replace the norm: spaCy's exceptions ("n't" → "not") and the
        # tokenizer's slash shorthand keep theirs.
        if lower not in TOKENIZER_SHORTHAND:
            normalised = normalise_word(lower)
            if normalised != lower:
                rewrite = self._entry(normalised)
        flags = (
            lexeme.is_space, punct, lexeme.is_title, lexeme.is_alpha, lexeme.like_num, "\n" in text,
            text in _SENTENCE_ENDS, text.endswith((".", "!", "?")) and len(text) > 1 and text not in _ABBREVIATIONS,
            text in _UNIT_BREAKS, lower in SECTION_HEADERS, text in _HEADER_MARKS, text in _BEFORE_INLINE_HEADER,
            text in BULLETS or bool(_NUMBERED.match(text)),
            bool(_NUMBERED.match(text + ")")), bool(_NUMBERED.match(text + ".")), text == ")", text == ".",
            lower in CONCERN_CUES, lower in CONTRAST_WORDS, lower in RESOLUTION_CUES,
            lower in NEGATION_CUES or lower in _GLUED_NEGATIONS, lower in SCOPE_ENDS,
            rating is not None or not punct or text in _KEPT_PUNCT,
        )
        row = len(self.lowers)
        self.lowers.append(lower)
        values = (-1 if rating is None else FEATURE_STRINGS.id(rating), rewrite, self._entry(lexeme.norm_), len(text),
                  _RESOLUTION_FILTER.signature(lower), _RAISING_FILTER.signature(lower),
                  _DECLINE_FILTER.signature(lower))
        self._new_rows.append((flags, values, lexeme.norm))
        return row

    def _commit(self):
        if self._new_entries:
            negation, scope_end, *features = zip(*self._new_entries)
            self.entry_negation = numpy.concatenate([self.entry_negation, numpy.array(negation, dtype=bool)])
            self.entry_scope_end = numpy.concatenate([self.entry_scope_end, numpy.array(scope_end, dtype=bool)])
            self.entry_features = numpy.concatenate([self.entry_features,
                                                     numpy.array(features, dtype=numpy.int64).T])
            self._new_entries = []
        if self._new_rows:
            flags, values, norm_hashes = zip(*self._new_rows)
            self.flags = numpy.concatenate([self.flags, numpy.array(flags, dtype=bool)])
            self.values = numpy.concatenate([self.values, numpy.array(values, dtype=numpy.int64).T], axis=1)
            self.norm_hash = numpy.concatenate([self.norm_hash, numpy.array(norm_hashes, dtype=numpy.uint64)])
            self._new_rows = []


_LEXICONS = {}


def _lexicon(vocab):
    lexicon = _LEXICONS.get(id(vocab))
    if lexicon is None or lexicon.vocab is not vocab:
        lexicon = _LEXICONS[id(vocab)] = _Lexicon(vocab)
    return lexicon


# -- segments, negation scope and resolved concerns, for a batch of docs at once -------
class NoteSegments:
    """The segments of a batch of docs and their feature tokens, as flat numpy arrays.

    Per segment: ``segment_doc``, the doc's position in the batch, and ``segment_start`` /
    ``segment_end``, its character span in that doc's text (bullets and whitespace trimmed).
    Per feature token, in text order: ``feature_segment`` and ``feature_id``, its
    ``FEATURE_STRINGS`` number. ``token_marks``, only when asked for: per doc, the lists
    ``(sentence_starts, negated, resolved)`` with one value per token.
    """

    __slots__ = ("feature_id", "feature_segment", "segment_doc", "segment_end", "segment_start", "token_marks")

    def segments_of(self, doc_index):
        """``[((start, end), [feature, ...]), ...]`` for one doc of the batch."""
        low, high = numpy.searchsorted(self.segment_doc, [doc_index, doc_index + 1]).tolist()
        bounds = numpy.searchsorted(self.feature_segment, numpy.arange(low, high + 1)).tolist()
        strings = FEATURE_STRINGS.strings
        features = self.feature_id[bounds[0]:bounds[-1]].tolist()
        spans = zip(self.segment_start[low:high].tolist(), self.segment_end[low:high].tolist())
        return [(span, [strings[f] for f in features[bounds[k] - bounds[0]:bounds[k + 1] - bounds[0]]])
                for k, span in enumerate(spans)]


def _first_per_unit(mask, unit_of):
    """The units holding a word where ``mask`` is set, and the position of the first such word."""
    positions = numpy.flatnonzero(mask)
    units = unit_of[positions]
    first = numpy.ones(len(units), dtype=bool)
    numpy.not_equal(units[1:], units[:-1], out=first[1:])
    return units[first], positions[first]


def _shifted_within_doc(flags, unit_doc, distance):
    """Per unit, ``flags`` of the unit ``distance`` places on (back, if negative) in the same doc."""
    shifted = numpy.zeros(len(flags), dtype=bool)
    if len(flags) > abs(distance):
        if distance > 0:
            shifted[:-distance] = flags[distance:] & (unit_doc[distance:] == unit_doc[:-distance])
        else:
            shifted[-distance:] = flags[:distance] & (unit_doc[:distance] == unit_doc[-distance:])
    return shifted


def _units_passing(test, units, unit_first, unit_end, word_rows, lowers):
    passed = numpy.zeros(len(unit_first), dtype=bool)
    for unit in units.tolist():
        passed[unit] = test([lowers[row] for row in word_rows[unit_first[unit]:unit_end[unit]].tolist()])
    return passed


def _is_section_header(flags, rows, i, doc_end):
    """A header word followed by a colon: "Pros:", "Areas to develop:", "Red flags -"."""
    for j in range(i + 1, min(i + 4, doc_end)):
        if flags[rows[j], _HEADER_MARK]:
            return True
        if not flags[rows[j], _ALPHA]:
            return False
    return False


_TOKEN_ATTRS = [ORTH, NORM, IDX]


def analyse_docs(docs, *, token_marks=False):
    """Segments and feature tokens of a batch of docs made by the tokenizer alone: a ``NoteSegments``.

    This does the work of our three components for the whole batch at once, with numpy over
    lexeme tables, so ``featurize`` and the model need no per-token Python.
    """
    result = NoteSegments()
    lengths = numpy.fromiter((len(doc) for doc in docs), dtype=numpy.int64, count=len(docs))
    doc_first = numpy.cumsum(lengths) - lengths
    arrays = [doc.to_array(_TOKEN_ATTRS) for doc in docs if len(doc)]
    if not arrays:
        return _empty(result, lengths, token_marks)
    tokens = numpy.concatenate(arrays)
    lexicon = _lexicon(docs[0].vocab)
    rows = lexicon.rows(numpy.ascontiguousarray(tokens[:, 0]))

    # Units are runs of words (tokens other than whitespace); line breaks, bullets, section
    # headers and sentence punctuation start one.
    words = numpy.flatnonzero(~lexicon.flags[rows, _SPACE])
    word_count = len(words)
    if not word_count:
        return _empty(result, lengths, token_marks)
    word_rows = rows[words]
    word_flags = lexicon.flags[word_rows]
    word_doc = numpy.repeat(numpy.arange(len(docs)), lengths)[words]
    first = numpy.ones(word_count, dtype=bool)
    numpy.not_equal(word_doc[1:], word_doc[:-1], out=first[1:])
    previous_flags = numpy.empty_like(word_flags)
    previous_flags[1:] = word_flags[:-1]
    previous_flags[:1] = word_flags[:1]
    header = word_flags[:, _HEADER_WORD] & previous_flags[:, _BEFORE_HEADER]
    for word in numpy.flatnonzero(header).tolist():
        doc = word_doc[word]
        header[word] = _is_section_header(lexicon.flags, rows, words[word], doc_first[doc] + lengths[doc])
    starts = first | lexicon.flags[rows[words - 1], _NEWLINE] | numpy.where(
        previous_flags[:, _SENTENCE_END], ~word_flags[:, _PUNCT],
        (previous_flags[:, _DOTTED_END] & word_flags[:, _TITLE]) | word_flags[:, _UNIT_BREAK] | header)
    unit_first = numpy.flatnonzero(starts)
    unit_count = len(unit_first)
    unit_end = numpy.append(unit_first[1:], word_count)
    unit_of = numpy.cumsum(starts) - 1
    unit_doc = word_doc[unit_first]
    position = numpy.arange(word_count)

    # Norms: our rewrite, else the word's own (a tokenizer exception's, or its lexeme's).
    word_entry = lexicon.values[_REWRITE][word_rows]
    plain = word_entry < 0
    word_entry[plain] = lexicon.values[_OWN_NORM][word_rows[plain]]
    special = numpy.flatnonzero(plain & (tokens[words, 1] != lexicon.norm_hash[word_rows]))
    if len(special):
        word_entry[special] = lexicon.entries(tokens[words[special], 1].tolist())

    # Negation: a cue opens a scope over the next MAX_SCOPE words of its unit, which
    # punctuation or a clause word ("but", "and") closes.
    cue = word_flags[:, _NEGATION_WORD] | lexicon.entry_negation[word_entry]
    scope_end = word_flags[:, _PUNCT] | word_flags[:, _SCOPE_END_WORD] | lexicon.entry_scope_end[word_entry]
    last_cue = numpy.concatenate([[-1], numpy.maximum.accumulate(numpy.where(cue, position, -1))[:-1]])
    last_end = numpy.maximum.accumulate(numpy.where(scope_end, position, -1))
    negated = ~cue & (last_cue >= unit_first[unit_of]) & (last_end <= last_cue) & (position - last_cue <= MAX_SCOPE)

    # "Worried about X, but she cleared it up": the words before the first contrast word after
    # a concern are resolved when a resolution or a negation follows within 11 words.
    concern_units, concern_first = _first_per_unit(word_flags[:, _CONCERN], unit_of)
    first_concern = numpy.full(unit_count, word_count)
    first_concern[concern_units] = concern_first
    contrast_units, contrast_first = _first_per_unit(
        word_flags[:, _CONTRAST] & (position > first_concern[unit_of]), unit_of)
    answers = numpy.zeros(word_count + 1, dtype=numpy.int64)
    numpy.cumsum(word_flags[:, _RESOLUTION_CUE] | cue, out=answers[1:])
    window_end = numpy.minimum(contrast_first + 11, unit_end[contrast_units] - 1)
    answered = answers[window_end + 1] > answers[contrast_first + 1]
    resolved_before = numpy.zeros(unit_count, dtype=numpy.int64)
    resolved_before[contrast_units[answered]] = contrast_first[answered]

    # A unit that settles a concern raised in one of the two units before it, and a move
    # raised then ruled out ("she was clear: she wants the bedside"), resolve the earlier unit.
    has_concern = first_concern < word_count
    concern_before = _shifted_within_doc(has_concern, unit_doc, -1) | _shifted_within_doc(has_concern, unit_doc, -2)
    units = _RESOLUTION_FILTER.units(lexicon.values[_RESOLUTION_BITS][word_rows], unit_first)
    settles = _units_passing(_states_resolution, units[concern_before[units]], unit_first, unit_end, word_rows,
                             lexicon.lowers)
    units = _RAISING_FILTER.units(lexicon.values[_RAISING_BITS][word_rows], unit_first)
    raises = _units_passing(_raises, units, unit_first, unit_end, word_rows, lexicon.lowers)
    raised = raises | _shifted_within_doc(raises, unit_doc, -1) | _shifted_within_doc(raises, unit_doc, -2)
    units = _DECLINE_FILTER.units(lexicon.values[_DECLINE_BITS][word_rows], unit_first)
    declines = _units_passing(_declines, units[raised[units]], unit_first, unit_end, word_rows, lexicon.lowers)
    settled = has_concern & (_shifted_within_doc(settles, unit_doc, 1) | _shifted_within_doc(settles, unit_doc, 2))
    ruled_out = raises & (declines | _shifted_within_doc(declines, unit_doc, 1)
                          | _shifted_within_doc(declines, unit_doc, 2))
    resolved = (settled | ruled_out)[unit_of] | (position < resolved_before[unit_of])

    # Segments: units without their leading bullets ("-", "•", "1.", "2)", "a)"), unless
    # nothing but punctuation is left.
    begin = unit_first.copy()
    active = numpy.arange(unit_count)
    while len(active):
        at = begin[active]
        here = word_flags[at]
        after = word_flags[numpy.minimum(at + 1, word_count - 1)]
        pair = (at + 1 < unit_end[active]) & ((after[:, _PAREN] & here[:, _NUMBERED_PAREN])
                                               | (after[:, _DOT] & here[:, _NUMBERED_DOT]))
        step = numpy.where(here[:, _BULLET], 1, numpy.where(pair, 2, 0))
        begin[active] = at + step
        active = active[(step > 0) & (at + step < unit_end[active])]
    not_punct = numpy.zeros(word_count + 1, dtype=numpy.int64)
    numpy.cumsum(~word_flags[:, _PUNCT], out=not_punct[1:])
    kept = (begin < unit_end) & (not_punct[unit_end] > not_punct[begin])
    segment_units = numpy.flatnonzero(kept)
    last = words[unit_end[segment_units] - 1]
    result.segment_doc = unit_doc[segment_units]
    result.segment_start = tokens[words[begin[segment_units]], 2].astype(numpy.int64)
    result.segment_end = tokens[last, 2].astype(numpy.int64) + lexicon.values[_LENGTH][rows[last]]

    # Feature tokens: a rating's bucket, else the norm ("NUM" for numbers), marked RES_ or NEG_
    # where in scope; punctuation other than "?" and "!" is dropped.
    chosen = numpy.flatnonzero(kept[unit_of] & (position >= begin[unit_of]) & word_flags[:, _KEPT])
    mark = numpy.where(resolved[chosen], 2, negated[chosen].astype(numpy.int64))
    feature_id = numpy.where(word_flags[chosen, _NUM], lexicon.num_features[mark],
                             lexicon.entry_features[word_entry[chosen], mark])
    rating = lexicon.values[_RATING_FEATURE][word_rows[chosen]]
    result.feature_id = numpy.where(rating >= 0, rating, feature_id)
    result.feature_segment = (numpy.cumsum(kept) - 1)[unit_of[chosen]]
    if token_marks:
        marks = numpy.zeros((3, len(tokens)), dtype=bool)
        marks[0, words] = starts
        marks[0, doc_first[lengths > 0]] = True
        marks[1, words] = negated
        marks[2, words] = resolved
        result.token_marks = [tuple(marks[:, start:start + length].tolist())
                              for start, length in zip(doc_first.tolist(), lengths.tolist())]
    return result


def _empty(result, lengths, token_marks):
    empty = numpy.zeros(0, dtype=numpy.int64)
    result.segment_doc = result.segment_start = result.segment_end = empty
    result.feature_segment = result.feature_id = empty
    if token_marks:
        result.token_marks = [([length > 0] + [False] * (length - 1), [False] * length, [False] * length)
                              for length in lengths.tolist()]
    return result


def segment_texts(texts):
    """``analyse_docs`` over texts, tokenised by the shared pipeline's tokenizer."""
    nlp = get_nlp()
    return analyse_docs([nlp.make_doc(text) for text in texts])


# -- the pipeline components, for spaCy users of get_nlp() ----------------------------
_ANALYSIS_KEY = "callback_analyzer.tokens"
_MARKS_KEY = "callback_analyzer.marks"


def _doc_marks(doc):
    """The doc's analysis, worked out once and shared by the components that follow."""
    marks = doc.user_data.get(_MARKS_KEY)
    if marks is None or len(marks["negated"]) != len(doc):
        analysis = analyse_docs([doc], token_marks=True)
        starts, negated, resolved = analysis.token_marks[0]
        marks = doc.user_data[_MARKS_KEY] = {"starts": starts, "negated": negated, "resolved": resolved,
                                             "segments": analysis.segments_of(0)}
    return marks


@Language.component("note_segmenter")
def note_segmenter(doc):
    """Set sentence starts so that ``doc.sents`` yields a note's units."""
    if len(doc) == 0:
        return doc
    starts = _doc_marks(doc)["starts"]
    values = numpy.array([1 if start else -1 for start in starts], dtype="int64").astype("uint64")
    doc.from_array([SENT_START], values.reshape(-1, 1))
    return doc


@Language.component("shorthand_normalizer")
def shorthand_normalizer(doc):
    """Expand shorthand and unify spelling in ``token.norm_``."""
    if len(doc) == 0:
        return doc
    lexicon = _lexicon(doc.vocab)
    rewrites = lexicon.values[_REWRITE][lexicon.rows(doc.to_array(ORTH))]
    for i in numpy.flatnonzero(rewrites >= 0).tolist():
        doc[i].norm_ = lexicon.entry_strings[rewrites[i]]
    return doc


@Language.component("negation_marker")
def negation_marker(doc):
    """Mark tokens in a negation's scope, and concerns the note goes on to resolve.

    The marks live in ``doc.user_data`` and read as ``token._.negated`` / ``token._.resolved``.
    """
    doc.user_data[_ANALYSIS_KEY] = _doc_marks(doc)
    return doc


Token.set_extension("negated", getter=lambda t: t.doc.user_data[_ANALYSIS_KEY]["negated"][t.i], force=True)
Token.set_extension("resolved", getter=lambda t: t.doc.user_data[_ANALYSIS_KEY]["resolved"][t.i], force=True)


def _analysed(doc):
    if _ANALYSIS_KEY not in doc.user_data:
        raise ValueError("this doc was not made by analyzer.text.get_nlp(); its pipeline lacks negation_marker")
    return doc.user_data[_ANALYSIS_KEY]


def feature_tokens(doc):
    """Unigram features of a doc: normalised words, marked NEG_ or RES_ where in scope."""
    return [feature for _, features in segment_tokens(doc) for feature in features]


def segment_tokens(doc):
    """For each segment, its ``(start, end)`` character span and its feature tokens.

    Spans are offsets into ``doc.text`` with bullets and surrounding whitespace trimmed.
    """
    return [(tuple(span), list(features)) for span, features in _analysed(doc)["segments"]]


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
