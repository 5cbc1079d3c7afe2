"""Build, fit, save and load the callback classifier: the only module that calls joblib.

Each label has four linear heads, three over TF-IDF vectors of the same word vocabulary:
- a logistic regression over the note;
- one over naive-Bayes-scaled features (NB-LR, Wang & Manning 2012), which leans on the
  words that separate the classes and so is harder to fool with a topic only mentioned;
- a segment head, trained on the segments that hold the note's annotated topics; a note's
  score is its best segment's, so one clear sentence is not drowned by a page of praise;
and a character head, a logistic regression over the note's hashed character 2-5-grams
(``characters``), which reads the misspellings, shorthand and word forms the word
vocabulary has not met.
Each head is Platt-calibrated on out-of-fold scores. A ruled-out head reads how much a note
sounds like one that raises a concern only to settle it ("worried about X, but she cleared
it up"). Per label, a small stacker (a logistic regression over the heads' calibrated
log-odds, the ruled-out probability and their products) gives the label's probability:
the heads' say is discounted where a note settles what it raises, which no linear head
over words can do. The thresholds are tuned together on the same cross-validation. A
multinomial logistic regression reads the recommendation, with "none" for notes that give
no call.

Training uses scikit-learn. The fitted model is then kept as plain numpy arrays
(vocabulary, idf weights, coefficients, calibration, stackers, thresholds): predicting from them gives
the same numbers as the scikit-learn objects, and a cold ``classify`` never pays
scikit-learn's one-second import.
"""

import hashlib
import json
import math
import os
import platform
import re
import shutil
import tempfile
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import metadata
from itertools import islice
from pathlib import Path

import numpy as np

from .characters import char_matrix, char_scores, sublinear_tfidf
from .errors import EmptyNoteError, ModelIntegrityError, ModelNotFoundError, ModelVersionError, TrainingError
from .labels import LABELS

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
FORMAT_VERSION = 7
MAX_EVIDENCE = 3
NO_SEGMENT = -5.0  # the segment score of a note with no segments
TERM_SEPARATOR = "\x1f"  # between the vocabulary's terms in a saved model
NO_RECOMMENDATION = "none"  # the recommendation head's class for notes that give no call
# A label below its threshold but at least this likely is "possible". The stackers score
# sub-threshold labels lower than the old mean of heads did: on grouped cross-validation,
# 0.17 gives as many raised or possible labels as 0.25 gave then, covering as many annotated ones.
POSSIBLE_SCORE = 0.17
PASSAGE_MIN_SCORE = -1.0  # segments the segment head scores above this may support a plan
NEVER_RAISED = 1.0  # the threshold of a label training could not learn: no probability reaches it
NO_RULED_OUT_HEAD = -30.0  # the ruled-out head's intercept when training has too few negation notes
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)  # the cut-offs threshold tuning considers


class ModelVersionWarning(UserWarning):
    """The model was saved under other library versions than the ones installed."""


@dataclass(frozen=True)
class TrainingSettings:
    """Every knob of training; the saved meta.json records them all."""

    # Weak regularisation: with 5,375 training notes, C=16 beat 4 and 8 on grouped 5-fold
    # cross-validation over train and dev, by candidate and by writer slice alike.
    C: float = 16.0
    nb_C: float = 64.0
    nb_alpha: float = 1.0
    segment_C: float = 16.0
    min_df: int = 2
    class_weight: str = "balanced"
    folds: int = 5
    seed: int = 13
    recommendation_C: float = 8.0
    # The character n-gram head: hashed 2-5-grams read shorthand and misspellings the word
    # vocabulary has not met. 4 kept its weights small enough to add to the word heads.
    char_C: float = 4.0
    # The largest share of negation notes (a concern ruled out) that may get a label they
    # lack, in cross-validation; the thresholds are the macro-F1-best ones within it. One
    # budget over all labels, not one each, lets the labels whose recall it costs most
    # spend more of it. 5% in training has given 5.9-7.3% on held-out notes.
    negation_fp_budget: float = 0.05
    # A note that rules a concern out, and lacks that label, counts this many times over as
    # the label's negative: "worried about X, but she cleared it up" shares its words with
    # notes that carry X, and the heads must learn what settles it.
    negation_weight: float = 3.0
    max_iter: int = 3000
    # The stackers have 2 * heads + 1 inputs and thousands of notes: strong regularisation
    # keeps their weights near a calibrated mean of the heads. 0.1 and 1 gave the same
    # grouped cross-validation F1.
    stack_C: float = 0.1


@dataclass
class Evidence:
    """A span of the note that supports a label; ``text == note[start:end]``."""

    text: str
    start: int
    end: int
    weight: float

    def to_dict(self):
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class NoteAnalysis:
    """What the model reads in one note."""

    text: str
    labels: list
    scores: dict
    evidence: dict
    recommendation: str | None
    recommendation_scores: dict = field(default_factory=dict)
    #: For each label raised or possible (see POSSIBLE_SCORE), the segments the segment head
    #: rates highest, best first: what a next-round plan quotes. Not part of ``to_dict``.
    passages: dict = field(default_factory=dict)

    def to_dict(self):
        return {
            "labels": list(self.labels),
            "scores": {label: round(score, 4) for label, score in self.scores.items()},
            "evidence": {label: [item.to_dict() for item in items] for label, items in self.evidence.items()},
            "recommendation": self.recommendation,
            "recommendation_scores": {k: round(v, 4) for k, v in self.recommendation_scores.items()},
        }


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def _softmax(values):
    """Softmax along the last axis."""
    exp = np.exp(values - values.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


class CallbackModel:
    """A fitted classifier: four calibrated label heads and a recommendation head.

    >>> model = load_model()  # doctest: +SKIP
    >>> model.analyze("Couldn't explain a left join; otherwise pleasant.").labels  # doctest: +SKIP
    ['skill_gap']
    """

    def __init__(self, *, labels, vocabulary, idf, coef, intercept, calibration,
                 segment_idf, segment_coef, segment_intercept, segment_calibration,
                 char_idf, char_coef, char_intercept, char_calibration,
                 ruled_out_coef, ruled_out_intercept, stack_coef, stack_intercept, thresholds,
                 recommendation_classes, recommendation_coef, recommendation_intercept, info=None):
        self.labels = tuple(labels)
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)
        # coef: (heads, labels, features); intercept: (heads, labels); calibration: (heads, labels, 2)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.calibration = np.asarray(calibration, dtype=np.float64)
        # The segment head scores each segment; a note's score is its best segment's.
        self.segment_idf = np.asarray(segment_idf, dtype=np.float64)
        self.segment_coef = np.asarray(segment_coef, dtype=np.float64)
        self.segment_intercept = np.asarray(segment_intercept, dtype=np.float64)
        self.segment_calibration = np.asarray(segment_calibration, dtype=np.float64)
        # The character n-gram head: (labels, 2 ** bits) weights over hashed n-grams.
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.char_coef = np.asarray(char_coef, dtype=np.float64)
        self.char_intercept = np.asarray(char_intercept, dtype=np.float64)
        self.char_calibration = np.asarray(char_calibration, dtype=np.float64)
        # How much a note reads as raising a concern only to rule it out, as log-odds.
        self.ruled_out_coef = np.asarray(ruled_out_coef, dtype=np.float64)
        self.ruled_out_intercept = float(ruled_out_intercept)
        # stack_coef: (labels, 2 * (heads + 1) + 1), over ``stack_inputs``.
        self.stack_coef = np.asarray(stack_coef, dtype=np.float64)
        self.stack_intercept = np.asarray(stack_intercept, dtype=np.float64)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.recommendation_classes = tuple(recommendation_classes)
        self.recommendation_coef = np.asarray(recommendation_coef, dtype=np.float64)
        self.recommendation_intercept = np.asarray(recommendation_intercept, dtype=np.float64)
        self.info = dict(info or {})
        # For evidence, each head's words count in proportion to its calibration slope.
        self._evidence_coef = (self.calibration[:, :, 0:1] * self.coef).sum(axis=0)
        # analyze_many gathers one row per vocabulary column: the note heads', the ruled-out
        # head's and the recommendation head's coefficients side by side.
        self._note_rows = np.ascontiguousarray(np.concatenate([
            self.coef.reshape(-1, self.coef.shape[-1]), self.ruled_out_coef[None], self.recommendation_coef]).T)
        self._vocabulary_index = None  # built on first use: a cold classify of one note pays little

    # -- features -------------------------------------------------------------------
    def _weights(self, features, idf=None):
        """TF-IDF weights of a note, as TfidfVectorizer(sublinear_tf=True) computes them."""
        idf = self.idf if idf is None else idf
        counts = Counter(index for feature in features
                         if (index := self.vocabulary.get(feature)) is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * idf[indices]
        norm = math.sqrt(float(weights @ weights))
        return indices, weights / norm if norm else weights

    def tfidf_weights(self, features):
        """A note's TF-IDF vector over the model's vocabulary, as ``(columns, weights)``: what
        the note heads score, and what ``labelling`` compares notes by."""
        return self._weights(features)

    def decision_values(self, features):
        """Raw linear scores, one row per head and one column per label."""
        return self._decision_values(*self._weights(features))

    def _decision_values(self, indices, weights):
        return self.coef[:, :, indices] @ weights + self.intercept

    def probabilities(self, text, features, per_segment):
        """Probability per label: each label's stacker over its note heads, character head and
        segment head, for a text and its ``featurize`` output."""
        segment_scores = self._segment_decisions(per_segment)
        return self._probabilities(*self._weights(features), segment_scores, self._char_scores([text])[0])

    def _char_scores(self, texts):
        return char_scores(texts, self.char_idf, self.char_coef, self.char_intercept)

    def _segment_decisions(self, per_segment):
        """Segment head scores, one row per segment and one column per label."""
        rows = [self.segment_coef[:, indices] @ weights + self.segment_intercept
                for indices, weights in (self._weights(segment, self.segment_idf) for _, segment in per_segment)]
        return np.array(rows) if rows else np.zeros((0, len(self.labels)))

    def _probabilities(self, indices, weights, segment_scores, char_raw):
        raw = self._decision_values(indices, weights)
        best_segment = segment_scores.max(axis=0) if len(segment_scores) else np.full(len(self.labels), NO_SEGMENT)
        ruled_out = _sigmoid(self.ruled_out_coef[indices] @ weights + self.ruled_out_intercept)
        return self._stacked(raw[None], char_raw[None], best_segment[None], np.array([ruled_out]))[0]

    def _stacked(self, raw, char_raw, best_segment, ruled_out):
        """Label probabilities of notes from their note heads' raw scores (notes, heads, labels),
        character head and best segment scores (notes, labels) and ruled-out probabilities (notes,)."""
        log_odds = np.concatenate([
            self.calibration[:, :, 0] * raw + self.calibration[:, :, 1],
            (self.char_calibration[:, 0] * char_raw + self.char_calibration[:, 1])[:, None],
            (self.segment_calibration[:, 0] * best_segment + self.segment_calibration[:, 1])[:, None]], axis=1)
        inputs = stack_inputs(log_odds.transpose(0, 2, 1), np.broadcast_to(ruled_out[:, None], best_segment.shape))
        return _sigmoid((inputs * self.stack_coef).sum(axis=-1) + self.stack_intercept)

    # -- analysis -------------------------------------------------------------------
    def analyze(self, text):
        """Analyse one note: labels, calibrated scores, evidence spans, recommendation."""
        return next(self.analyze_many([text]))

    def analyze_many(self, texts, *, batch_size=256):
        """Stream one NoteAnalysis per text, in order; a chunk of ``batch_size`` texts is
        tokenised and scored at a time.

        A bad text (empty, not a string) raises after the results before it are yielded.
        """
        from .text import segment_texts

        iterator = iter(texts)
        while chunk := list(islice(iterator, batch_size)):
            checked, error = [], None
            for text in chunk:
                try:
                    checked.append(_check_text(text))
                except (EmptyNoteError, TypeError) as problem:
                    error = problem
                    break
            if checked:
                yield from self._analyses(checked, segment_texts(checked))
            if error is not None:
                raise error

    def _analyses(self, texts, batch):
        """NoteAnalysis of each text of a chunk, from its ``text.NoteSegments``.

        The numbers ``probabilities`` gives for ``featurize``'s strings, computed for the whole
        chunk at once: TF-IDF weights as (segment or note, column, weight) entries, and each
        head's scores as sums of the coefficient rows of those columns.
        """
        from .features import VocabularyIndex, vocabulary_terms

        if self._vocabulary_index is None:
            self._vocabulary_index = VocabularyIndex(self.vocabulary)
        term_segment, term_column = vocabulary_terms(batch, self._vocabulary_index)
        notes, segments, columns = len(texts), len(batch.segment_doc), len(self.idf)
        heads, labels = self.coef.shape[:2]

        # One sort orders the terms by note, column and segment: runs of equal keys are a
        # segment's counts of a column, runs of equal key // segments a note's.
        span = max(segments, 1)
        keys = np.sort((batch.segment_doc[term_segment] * columns + term_column) * span + term_segment)
        entry_first = _run_starts(keys)
        note_column, segment_of = np.divmod(keys[entry_first], span)
        counts = np.diff(np.append(entry_first, len(keys)))
        segment_column = note_column % columns
        segment_weights = sublinear_tfidf(counts, self.segment_idf[segment_column], segment_of, segments)
        segment_scores = np.stack([np.bincount(segment_of, weights=row[segment_column] * segment_weights,
                                               minlength=segments) for row in self.segment_coef], axis=1)
        segment_scores += self.segment_intercept

        note_first = _run_starts(note_column)
        note_of, column_of = np.divmod(note_column[note_first], columns)
        note_weights = sublinear_tfidf(np.add.reduceat(counts, note_first) if len(counts) else counts,
                                        self.idf[column_of], note_of, notes)
        sums = _sum_by_group(self._note_rows[column_of], note_weights, note_of, notes)

        decisions = sums[:, :heads * labels].reshape(notes, heads, labels) + self.intercept
        ruled_out = _sigmoid(sums[:, heads * labels] + self.ruled_out_intercept)
        best_segment = np.full((notes, labels), NO_SEGMENT)
        if segments:
            firsts = _run_starts(batch.segment_doc)
            best_segment[batch.segment_doc[firsts]] = np.maximum.reduceat(segment_scores, firsts, axis=0)
        probabilities = self._stacked(decisions, self._char_scores(texts), best_segment, ruled_out)

        recommendation_probabilities = _softmax(sums[:, heads * labels + 1:] + self.recommendation_intercept)
        best_recommendation = recommendation_probabilities.argmax(axis=1)

        raised = probabilities >= self.thresholds
        # Evidence weighs segments by the segment head's score, or, for a raised label whose
        # every segment it scores at or below zero, by the note heads' word contributions.
        by_score = best_segment > 0
        weights = segment_scores
        fallback = (raised & ~by_score).any(axis=1)
        if fallback.any():
            note_weight = note_weights[np.cumsum(_starts_mask(note_column)) - 1]
            wanted = np.flatnonzero(fallback[batch.segment_doc[segment_of]])
            contributions = np.stack([np.bincount(segment_of[wanted], minlength=segments,
                                                  weights=row[segment_column[wanted]] * note_weight[wanted])
                                      for row in self._evidence_coef], axis=1)
            weights = np.where(by_score[batch.segment_doc], segment_scores, contributions)
        evidence = _evidence(texts, batch, weights, raised)
        passages = _passages(texts, batch, segment_scores, raised | (probabilities >= POSSIBLE_SCORE))

        labels_raised = [[index for index, up in enumerate(row) if up] for row in raised.tolist()]
        for note, (text, scores, recommendation_scores, best, raised_labels) in enumerate(zip(
                texts, probabilities.tolist(), recommendation_probabilities.tolist(), best_recommendation.tolist(),
                labels_raised)):
            recommendation = self.recommendation_classes[best]
            yield NoteAnalysis(
                text=text,
                labels=[self.labels[index] for index in raised_labels],
                scores=dict(zip(self.labels, scores)),
                evidence={self.labels[index]: evidence.get((note, index), []) for index in raised_labels},
                recommendation=None if recommendation == NO_RECOMMENDATION else recommendation,
                recommendation_scores=dict(zip(self.recommendation_classes, recommendation_scores)),
                passages={self.labels[index]: items for index, items in passages.get(note, {}).items()},
            )

    # -- persistence ----------------------------------------------------------------
    def state(self):
        """Everything needed to rebuild the model: plain arrays, lists and dicts."""
        return {
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            # One string, not a dict: joblib unpickles a dict of 30k terms ten times slower.
            "vocabulary": _join_terms(self.vocabulary),
            "idf": self.idf,
            "coef": self.coef,
            "intercept": self.intercept,
            "calibration": self.calibration,
            "segment_idf": self.segment_idf,
            "segment_coef": self.segment_coef,
            "segment_intercept": self.segment_intercept,
            "segment_calibration": self.segment_calibration,
            "char_idf": self.char_idf,
            "char_coef": self.char_coef,
            "char_intercept": self.char_intercept,
            "char_calibration": self.char_calibration,
            "ruled_out_coef": self.ruled_out_coef,
            "ruled_out_intercept": self.ruled_out_intercept,
            "stack_coef": self.stack_coef,
            "stack_intercept": self.stack_intercept,
            "thresholds": self.thresholds,
            "recommendation_classes": list(self.recommendation_classes),
            "recommendation_coef": self.recommendation_coef,
            "recommendation_intercept": self.recommendation_intercept,
        }


def stack_inputs(log_odds, ruled_out):
    """A stacker's inputs: each head's calibrated log-odds (..., heads), the note's ruled-out
    probability (...), and their products, so a settled concern can discount each head."""
    ruled_out = ruled_out[..., None]
    return np.concatenate([log_odds, ruled_out, log_odds * ruled_out], axis=-1)


def _starts_mask(values):
    """True where a run of equal values starts."""
    starts = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def _run_starts(values):
    """Where each run of equal values starts."""
    return np.flatnonzero(_starts_mask(values))


def _sum_by_group(rows, weights, group, groups):
    """Per group, the sum of ``rows`` scaled by ``weights`` (in place), for ``group`` ascending."""
    sums = np.zeros((groups, rows.shape[1]))
    if len(group):
        rows *= weights[:, None]
        starts = _run_starts(group)
        sums[group[starts]] = np.add.reduceat(rows, starts, axis=0)
    return sums


def _evidence(texts, batch, weights, raised):
    """Evidence per ``(note, label index)``: of the note's segments with a positive weight for a
    raised label, the (up to) MAX_EVIDENCE heaviest, less those under a quarter of the heaviest,
    in text order."""
    segments, labels = np.nonzero(raised[batch.segment_doc] & (weights > 0))
    starts = batch.segment_start[segments]
    groups = batch.segment_doc[segments] * raised.shape[1] + labels
    # Heaviest first within each (note, label), the earlier segment first on a tie.
    order = np.lexsort((starts, -weights[segments, labels], groups))
    ordered = weights[segments[order], labels[order]]
    first = _run_starts(groups[order])
    heaviest = np.repeat(first, np.diff(np.append(first, len(order))))
    keep = (np.arange(len(order)) - heaviest < MAX_EVIDENCE) & (ordered >= 0.25 * ordered[heaviest])
    chosen = order[keep]
    chosen = chosen[np.lexsort((starts[chosen], groups[chosen]))]
    evidence = {}
    for note, label, weight, start, end in zip(
            batch.segment_doc[segments[chosen]].tolist(), labels[chosen].tolist(),
            weights[segments[chosen], labels[chosen]].tolist(), starts[chosen].tolist(),
            batch.segment_end[segments[chosen]].tolist()):
        text = texts[note]
        evidence.setdefault((note, label), []).append(Evidence(text[start:end], start, end, round(weight, 4)))
    return evidence


def _passages(texts, batch, segment_scores, wanted):
    """For each note, per label index wanted: the (up to) MAX_EVIDENCE segments the segment
    head scores highest, above PASSAGE_MIN_SCORE, best first."""
    segments, labels = np.nonzero(wanted[batch.segment_doc] & (segment_scores > PASSAGE_MIN_SCORE))
    groups = batch.segment_doc[segments] * wanted.shape[1] + labels
    order = np.lexsort((batch.segment_start[segments], -segment_scores[segments, labels], groups))
    first = _run_starts(groups[order])
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.append(first, len(order))))
    chosen = order[rank < MAX_EVIDENCE]
    passages = {}
    for note, label, score, segment in zip(batch.segment_doc[segments[chosen]].tolist(), labels[chosen].tolist(),
                                           segment_scores[segments[chosen], labels[chosen]].tolist(),
                                           segments[chosen].tolist()):
        start, end = int(batch.segment_start[segment]), int(batch.segment_end[segment])
        passages.setdefault(note, {}).setdefault(label, []).append(
            Evidence(texts[note][start:end], start, end, round(score, 4)))
    return passages


def _check_text(text):
    if not isinstance(text, str):
        raise TypeError(f"a note must be a string, got {type(text).__name__}")
    if not text.strip():
        raise EmptyNoteError("the note is empty or only whitespace; give the interviewer's text")
    return text


# -- training --------------------------------------------------------------------------
def label_matrix(records, labels=LABELS):
    return np.array([[int(label in record["labels"]) for label in labels] for record in records])


def annotated_matrix(records, labels=LABELS):
    """True where a record was annotated for a label. A record's ``annotated_for`` lists the
    labels its annotators judged; without it, every label was. Base-corpus notes were never
    judged for a category a team adds, so they are neither its positives nor its negatives."""
    return np.array([[label in record.get("annotated_for", labels) for label in labels] for record in records],
                    dtype=bool).reshape(-1, len(labels))


def _words(text):
    return " ".join(re.findall(r"\w+", text.lower()))


def segment_targets(records, per_segment, labels=LABELS):
    """Segment-level labels from the notes' topics: 1 where a segment holds one of the note's
    topic phrases for the label, 0 where the note lacks the label, -1 (unknown) otherwise."""
    rows = []
    for record, segments in zip(records, per_segment):
        topics = {label: [_words(p) for p in record.get("topics", {}).get(label, []) if _words(p)]
                  for label in labels}
        for (start, end), _ in segments:
            words = _words(record["text"][start:end])
            rows.append([0 if label not in record["labels"]
                         else 1 if any(p in words or (len(p) > 20 and p[:20] in words) for p in topics[label])
                         else -1 for label in labels])
    return np.array(rows, dtype=np.int64).reshape(-1, len(labels))


def joint_thresholds(targets, probabilities, *, annotated=None, negated=None, negation_fp_budget=None,
                     never_raised=()):
    """Per-label probability cut-offs with the best F1 on out-of-fold predictions, within a
    shared budget for ruled-out concerns.

    ``targets`` and ``probabilities`` are (notes, labels); ``annotated`` marks the notes
    judged for each label. When ``negated`` marks the notes where a concern is mentioned but
    ruled out, at most ``negation_fp_budget`` of them may be raised a label they lack: a tool
    that raises concerns the interviewer dismissed is not trusted. Each label starts at its
    F1-best cut-off; while too many of those notes are raised, the label whose next higher
    cut-off gives up the least F1 for each note it stops raising moves up. A non-zero budget
    always allows one such note, so that a few dozen of them need not be perfect. Labels in
    ``never_raised`` get NEVER_RAISED. Returns ``(thresholds, f1s)``, one per label.
    """
    targets, probabilities = np.asarray(targets), np.asarray(probabilities)
    labels = targets.shape[1]
    annotated = np.ones_like(targets, dtype=bool) if annotated is None else np.asarray(annotated, dtype=bool)
    raised = probabilities[:, :, None] >= THRESHOLD_GRID  # (notes, labels, cut-offs)
    f1 = np.zeros((labels, len(THRESHOLD_GRID)))
    for label in range(labels):
        truth, predicted = targets[annotated[:, label], label] == 1, raised[annotated[:, label], label]
        true_positives = (predicted & truth[:, None]).sum(axis=0)
        f1[label] = 2 * true_positives / np.maximum(predicted.sum(axis=0) + truth.sum(), 1)
    chosen = f1.argmax(axis=1)
    learnable = np.array([label not in never_raised for label in range(labels)])
    if negated is not None and negation_fp_budget is not None and np.any(negated):
        dismissed = (targets[negated] == 0) & annotated[negated] & learnable
        # the highest cut-off index at which each ruled-out note is wrongly raised, or -1
        last_wrong = np.where(dismissed, raised[negated].sum(axis=2) - 1, -1)
        allowed = max(negation_fp_budget, 1 / len(last_wrong)) if negation_fp_budget > 0 else 0.0

        def wrong_notes(cutoffs):
            return (cutoffs <= last_wrong).any(axis=1)

        wrong = wrong_notes(chosen).sum()
        while wrong / len(last_wrong) > allowed:
            best_move, best_cost = None, np.inf
            for label in np.flatnonzero(learnable):
                moved = chosen.copy()
                for cutoff in range(chosen[label] + 1, len(THRESHOLD_GRID)):
                    moved[label] = cutoff
                    fewer = wrong - wrong_notes(moved).sum()
                    if fewer > 0:
                        cost = (f1[label, chosen[label]] - f1[label, cutoff]) / fewer
                        if cost < best_cost:
                            best_move, best_cost = moved.copy(), cost
                        break
            if best_move is None:
                break
            chosen, wrong = best_move, wrong_notes(best_move).sum()
    thresholds = np.where(learnable, THRESHOLD_GRID[chosen], NEVER_RAISED)
    scores = np.where(learnable, f1[np.arange(labels), chosen], 0.0)
    return thresholds.astype(float), scores.astype(float)


def platt_scaling(scores, target):
    """Fit p = sigmoid(slope * score + offset) on out-of-fold scores (Platt, 1999).

    A head whose out-of-fold scores rank the label's notes below the others (slope <= 0,
    as with a team's category of a handful of notes) has learnt nothing it can use on new
    notes; it gets slope 0 and the label's base rate, rather than a map that turns its
    scores upside down. Returns ``((slope, offset), calibrated out-of-fold probabilities)``.
    """
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=1e4, max_iter=3000).fit(scores.reshape(-1, 1), target)
    slope, offset = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
    if slope <= 0:
        rate = float(np.clip(np.mean(target), 1e-6, 1 - 1e-6))
        slope, offset = 0.0, math.log(rate / (1 - rate))
    return (slope, offset), _sigmoid(slope * scores + offset)


def _fit_weighted(head, X, y, weight):
    """Fit a head (a LogisticRegression, or a Pipeline ending in one) with sample weights."""
    if hasattr(head, "steps"):
        return head.fit(X, y, **{f"{head.steps[-1][0]}__sample_weight": weight})
    return head.fit(X, y, sample_weight=weight)


def _linear_weights(fitted):
    """Coefficients and intercept of a fitted head over the raw TF-IDF features."""
    if hasattr(fitted, "steps"):
        scaler, classifier = fitted.steps[0][1], fitted.steps[-1][1]
        return classifier.coef_[0] * scaler.ratios_, classifier.intercept_[0]
    return fitted.coef_[0], fitted.intercept_[0]


MIN_LOCATED_SEGMENTS = 20  # fewer topic-located segments than this, and a label's segment head learns from whole notes
FEATURISE_STEP = 250  # notes between progress updates while featurising


def train(records, settings=None, *, labels=LABELS, progress=None):
    """Fit a CallbackModel on labelled records (dicts with ``text``, ``labels``, ``recommendation``).

    ``labels`` may add categories of a team's own to ours. A record lacking the
    ``recommendation`` key (not ``None``: the note gives no call) does not train the
    recommendation head; see ``annotated_matrix`` for records not judged on every label.
    ``progress(stage, done, total)`` is called as each long stage advances.

    >>> model = train(records, TrainingSettings(folds=3))  # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    from .features import NaiveBayesScaler, featurize, passthrough

    settings = settings or TrainingSettings()
    report = progress or (lambda stage, done, total: None)
    records, labels = list(records), tuple(labels)
    if not records:
        raise TrainingError("no training notes; check the corpus path and its 'split' fields")
    texts = [record["text"] for record in records]
    targets = label_matrix(records, labels)
    annotated = annotated_matrix(records, labels)
    for index, label in enumerate(labels):
        positives = int(targets[annotated[:, index], index].sum())
        negatives = int(annotated[:, index].sum()) - positives
        if min(positives, negatives) < settings.folds:
            raise TrainingError(f"label {label!r} has {positives} notes with it and {negatives} without among the "
                                f"notes annotated for it; cross-validation needs at least {settings.folds} of each. "
                                "Label more notes, or drop the label")

    featurized = []
    for note in featurize(texts):
        featurized.append(note)
        if len(featurized) % FEATURISE_STEP == 0 or len(featurized) == len(texts):
            report("featurising", len(featurized), len(texts))
    features = [note_features for note_features, _ in featurized]
    per_segment = [segments for _, segments in featurized]
    vectorizer = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, min_df=settings.min_df,
                                 dtype=np.float64)
    matrix = vectorizer.fit_transform(features)
    # Segments get idf weights of their own: a word common across a note's sentences is not
    # common across notes.
    segment_vectorizer = TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, dtype=np.float64,
                                         vocabulary=vectorizer.vocabulary_)
    segment_matrix = segment_vectorizer.fit_transform([segment for segments in per_segment for _, segment in segments])
    segment_note = np.array([n for n, segments in enumerate(per_segment) for _ in segments], dtype=np.int64)
    segment_target = segment_targets(records, per_segment, labels)
    for index in range(len(labels)):
        # A category a team adds comes without topic phrases: every segment of a note that
        # carries it stands in for the passage that does.
        if (segment_target[:, index] == 1).sum() < MIN_LOCATED_SEGMENTS:
            located = targets[segment_note, index] == 1
            segment_target[located, index] = 1
    segment_annotated = annotated[segment_note]
    report("reading characters", 0, 1)
    characters, char_idf = char_matrix(texts)
    report("reading characters", 1, 1)
    negated = np.array([record.get("kind") == "negation" for record in records])
    weights = np.where(negated[:, None] & (targets == 0), settings.negation_weight, 1.0)
    segment_coef = np.zeros((len(labels), matrix.shape[1]))
    segment_intercept = np.zeros(len(labels))
    segment_calibration = np.zeros((len(labels), 2))

    def fit_segment_head(label_index, notes):
        rows = (np.isin(segment_note, notes) & (segment_target[:, label_index] >= 0)
                & segment_annotated[:, label_index])
        return LogisticRegression(C=settings.segment_C, class_weight=settings.class_weight,
                                  max_iter=settings.max_iter).fit(segment_matrix[rows], segment_target[rows, label_index],
                                                                  sample_weight=weights[segment_note[rows], label_index])

    def best_segment_scores(classifier, notes):
        rows = np.flatnonzero(np.isin(segment_note, notes))
        best = np.full(len(records), -np.inf)
        np.maximum.at(best, segment_note[rows], classifier.decision_function(segment_matrix[rows]))
        best = best[notes]
        best[np.isinf(best)] = NO_SEGMENT
        return best

    heads = [
        lambda: LogisticRegression(C=settings.C, class_weight=settings.class_weight, max_iter=settings.max_iter),
        lambda: make_pipeline(NaiveBayesScaler(alpha=settings.nb_alpha),
                              LogisticRegression(C=settings.nb_C, class_weight=settings.class_weight,
                                                 max_iter=settings.max_iter)),
    ]
    coefs = np.zeros((len(heads), len(labels), matrix.shape[1]))
    intercepts = np.zeros((len(heads), len(labels)))
    calibration = np.zeros((len(heads), len(labels), 2))
    char_coef = np.zeros((len(labels), characters.shape[1]))
    char_intercept = np.zeros(len(labels))
    char_calibration = np.zeros((len(labels), 2))

    def make_char_head():
        return LogisticRegression(C=settings.char_C, class_weight=settings.class_weight, max_iter=settings.max_iter)

    stack_coef = np.zeros((len(labels), 2 * (len(heads) + 2) + 1))
    stack_intercept = np.zeros(len(labels))
    stacked = np.zeros((len(records), len(labels)))  # out-of-fold stacked probabilities
    not_learned = {}  # label -> its notes, for labels no head could rank on held-out notes
    folds = StratifiedKFold(n_splits=settings.folds, shuffle=True, random_state=settings.seed)
    steps = len(labels) * (len(heads) + 2) + 1

    report("cross-validating", 0, steps)
    ruled_out_oof = np.full(len(records), _sigmoid(NO_RULED_OUT_HEAD))
    ruled_out_coef, ruled_out_intercept = np.zeros(matrix.shape[1]), NO_RULED_OUT_HEAD
    if min(negated.sum(), (~negated).sum()) >= settings.folds:
        def make_ruled_out_head():
            return LogisticRegression(C=settings.C, class_weight="balanced", max_iter=settings.max_iter)

        for train_rows, held_out in folds.split(matrix, negated):
            fitted = make_ruled_out_head().fit(matrix[train_rows], negated[train_rows])
            ruled_out_oof[held_out] = _sigmoid(fitted.decision_function(matrix[held_out]))
        fitted = make_ruled_out_head().fit(matrix, negated)
        ruled_out_coef, ruled_out_intercept = fitted.coef_[0], float(fitted.intercept_[0])

    def out_of_fold_scores(make_head, rows, target, sample_weight):
        scores = np.zeros(len(target))
        for train_rows, held_out in folds.split(rows, target):
            fitted = _fit_weighted(make_head(), rows[train_rows], target[train_rows], sample_weight[train_rows])
            scores[held_out] = fitted.decision_function(rows[held_out])
        return scores

    for index, label in enumerate(labels):
        notes = np.flatnonzero(annotated[:, index])
        label_matrix_rows, target = matrix[notes], targets[notes, index]
        log_odds = np.zeros((len(notes), len(heads) + 2))  # calibrated, out of fold: note, character, segment
        for head, make_head in enumerate(heads):
            report("cross-validating", 1 + index * (len(heads) + 2) + head, steps)
            out_of_fold = out_of_fold_scores(make_head, label_matrix_rows, target, weights[notes, index])
            calibration[head, index], _ = platt_scaling(out_of_fold, target)
            log_odds[:, head] = calibration[head, index, 0] * out_of_fold + calibration[head, index, 1]
        report("cross-validating", 1 + index * (len(heads) + 2) + len(heads), steps)
        out_of_fold = out_of_fold_scores(make_char_head, characters[notes], target, weights[notes, index])
        char_calibration[index], _ = platt_scaling(out_of_fold, target)
        log_odds[:, -2] = char_calibration[index, 0] * out_of_fold + char_calibration[index, 1]
        report("cross-validating", 1 + index * (len(heads) + 2) + len(heads) + 1, steps)
        out_of_fold = np.zeros(len(notes))
        for train_rows, held_out in folds.split(label_matrix_rows, target):
            out_of_fold[held_out] = best_segment_scores(fit_segment_head(index, notes[train_rows]), notes[held_out])
        segment_calibration[index], _ = platt_scaling(out_of_fold, target)
        log_odds[:, -1] = segment_calibration[index, 0] * out_of_fold + segment_calibration[index, 1]
        inputs = stack_inputs(log_odds, ruled_out_oof[notes])
        if calibration[:, index, 0].max() == 0 and segment_calibration[index, 0] == 0 and char_calibration[index, 0] == 0:
            # Every head gives the base rate: raising the label would raise it on every note.
            not_learned[label] = int(target.sum())
            stack_intercept[index] = log_odds[0, -1]
        else:
            stacker = LogisticRegression(C=settings.stack_C, max_iter=settings.max_iter).fit(
                inputs, target, sample_weight=weights[notes, index])
            stack_coef[index], stack_intercept[index] = stacker.coef_[0], stacker.intercept_[0]
        stacked[notes, index] = _sigmoid(inputs @ stack_coef[index] + stack_intercept[index])
    thresholds, f1s = joint_thresholds(targets, stacked, annotated=annotated, negated=negated,
                                       negation_fp_budget=settings.negation_fp_budget,
                                       never_raised={labels.index(label) for label in not_learned})
    cv_f1 = {label: round(float(f1), 4) for label, f1 in zip(labels, f1s)}
    report("cross-validating", steps, steps)

    for index, label in enumerate(labels):
        report("fitting", index, len(labels) + 1)
        notes = np.flatnonzero(annotated[:, index])
        for head, make_head in enumerate(heads):
            coefs[head, index], intercepts[head, index] = _linear_weights(
                _fit_weighted(make_head(), matrix[notes], targets[notes, index], weights[notes, index]))
        char_head = make_char_head().fit(characters[notes], targets[notes, index], sample_weight=weights[notes, index])
        char_coef[index], char_intercept[index] = char_head.coef_[0], char_head.intercept_[0]
        segment_head = fit_segment_head(index, notes)
        segment_coef[index], segment_intercept[index] = segment_head.coef_[0], segment_head.intercept_[0]

    report("fitting", len(labels), len(labels) + 1)
    # Notes that give no call are a class of their own, so a note without one reads as none
    # rather than as whichever call its words lean towards.
    rated = [n for n, record in enumerate(records) if "recommendation" in record]
    calls = [records[n]["recommendation"] or NO_RECOMMENDATION for n in rated]
    if len(set(calls)) >= 2:
        recommender = LogisticRegression(C=settings.recommendation_C, max_iter=settings.max_iter)
        recommender.fit(matrix[rated], calls)
        recommendation_classes, recommendation_coef = [str(c) for c in recommender.classes_], recommender.coef_
        recommendation_intercept = recommender.intercept_
    else:
        # Labels exported from an annotation tool rarely carry the interviewer's call: without
        # two kinds of call to learn from, the head reads every note as giving none.
        recommendation_classes = [NO_RECOMMENDATION]
        recommendation_coef, recommendation_intercept = np.zeros((1, matrix.shape[1])), np.zeros(1)
    report("fitting", len(labels) + 1, len(labels) + 1)

    return CallbackModel(
        labels=labels,
        vocabulary={term: int(i) for term, i in sorted(vectorizer.vocabulary_.items())},
        idf=vectorizer.idf_,
        coef=coefs,
        intercept=intercepts,
        calibration=calibration,
        segment_idf=segment_vectorizer.idf_,
        segment_coef=segment_coef,
        segment_intercept=segment_intercept,
        segment_calibration=segment_calibration,
        char_idf=char_idf,
        char_coef=char_coef,
        char_intercept=char_intercept,
        char_calibration=char_calibration,
        ruled_out_coef=ruled_out_coef,
        ruled_out_intercept=ruled_out_intercept,
        stack_coef=stack_coef,
        stack_intercept=stack_intercept,
        thresholds=thresholds,
        recommendation_classes=recommendation_classes,
        recommendation_coef=recommendation_coef,
        recommendation_intercept=recommendation_intercept,
        info={"settings": asdict(settings), "training_notes": len(records), "recommendation_notes": len(rated),
              "cross_validated_f1": cv_f1, "features": len(vectorizer.vocabulary_),
              **({"labels_not_learned": not_learned} if not_learned else {})},
    )


# -- saving and loading ----------------------------------------------------------------
def default_model_dir():
    """The shipped model: inside the installed package, or ``models/default`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models" / "default", here.parent / "models" / "default"):
        if (candidate / META_FILE).exists():
            return candidate
    return here.parent / "models" / "default"


def library_versions():
    versions = {"python": platform.python_version()}
    for name in ("callback-analyzer", "scikit-learn", "spacy", "numpy", "joblib"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model, directory, *, extra_meta=None):
    """Write the model directory atomically: a temporary sibling, then a rename."""
    import joblib

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        joblib.dump(model.state(), staging / MODEL_FILE)  # uncompressed: loads four times faster
        meta = {
            "name": "callback-classifier",
            "format_version": FORMAT_VERSION,
            "labels": list(model.labels),
            "thresholds": {label: float(t) for label, t in zip(model.labels, model.thresholds)},
            "recommendation_classes": list(model.recommendation_classes),
            "versions": library_versions(),
            "files": {MODEL_FILE: sha256_file(staging / MODEL_FILE)},
            **model.info,
            **(extra_meta or {}),
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        if directory.exists():
            for keep in directory.iterdir():
                if keep.name not in (MODEL_FILE, META_FILE) and not (staging / keep.name).exists():
                    shutil.copy2(keep, staging / keep.name)
            retired = directory.with_name(f".{directory.name}-retired-{os.getpid()}")
            os.replace(directory, retired)
            os.replace(staging, directory)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def read_meta(directory):
    meta_path = Path(directory) / META_FILE
    if not meta_path.exists():
        raise ModelNotFoundError(f"{directory}: no {META_FILE}; is this a model directory? "
                                 "To build one, run: callback-analyzer train")
    return json.loads(meta_path.read_text())


def load_model(directory=None):
    """Load a model directory, verifying each file's sha256 before unpickling it.

    Without a directory, the current version: the shipped model until a retrained one is
    promoted (see ``registry``).
    """
    import joblib

    from .registry import resolve_model_dir

    directory = resolve_model_dir(directory)
    meta = read_meta(directory)
    model_path = directory / MODEL_FILE
    if not model_path.exists():
        raise ModelNotFoundError(f"{model_path}: model file missing; to rebuild, run: callback-analyzer train")
    expected = meta.get("files", {}).get(MODEL_FILE)
    actual = sha256_file(model_path)
    if expected != actual:
        raise ModelIntegrityError(
            f"{model_path}: sha256 {actual[:12]}… does not match {str(expected)[:12]}… recorded in "
            f"{META_FILE}; the file was changed or corrupted, so it is not loaded. "
            "To rebuild it, run: callback-analyzer train")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelVersionError(f"{directory}: model format {meta.get('format_version')} is not {FORMAT_VERSION}, "
                                "the one this version reads; to rebuild it, run: callback-analyzer train")
    _warn_on_version_drift(directory, meta.get("versions", {}))
    state = joblib.load(model_path)
    state.pop("format_version", None)
    state["vocabulary"] = {term: column for column, term in enumerate(state["vocabulary"].split(TERM_SEPARATOR))}
    return CallbackModel(**state, info=meta)


def _join_terms(vocabulary):
    """The vocabulary's terms in column order, joined by TERM_SEPARATOR."""
    terms = sorted(vocabulary, key=vocabulary.get)
    if any(TERM_SEPARATOR in term for term in terms) or [vocabulary[t] for t in terms] != list(range(len(terms))):
        raise TrainingError("the vocabulary cannot be saved: its columns are not 0..n-1 or a term holds U+001F")
    return TERM_SEPARATOR.join(terms)


def _warn_on_version_drift(directory, saved):
    installed = library_versions()
    drift = [f"{name} {saved.get(name)} (installed: {installed.get(name)})"
             for name in ("scikit-learn", "numpy") if saved.get(name) and saved.get(name) != installed.get(name)]
    if drift:
        warnings.warn(f"{directory}: model saved under {', '.join(drift)}. Predictions use the saved arrays, "
                      "but to rebuild the model under this install, run: callback-analyzer train",
                      ModelVersionWarning, stacklevel=3)
