"""Label where it helps most, and find likely label errors.

- ``suggest`` picks the notes the model is least sure about, spread over different wordings
  (maximal marginal relevance over TF-IDF vectors), for a person to label next;
  ``write_suggestions`` writes them for doccano, Label Studio or as our own JSON Lines.
- ``audit_labels`` flags labels in a labelled set that look wrong, in the manner of
  confident learning (Northcutt, Jiang & Chuang, 2021): out-of-fold probabilities from a light
  model, per-class confidence thresholds, the notes whose given label falls on the wrong side;
  ``write_audit`` writes the suspects as JSON Lines or a readable listing.
"""

import heapq
import json
from dataclasses import dataclass, field
from itertools import islice

from .errors import CorpusError, InputFormatError
from .labelled import text_key
from .labels import LABELS

SUGGESTION_FORMATS = ("doccano", "label-studio", "jsonl")
AUDIT_FORMATS = ("jsonl", "text")
POOL_FACTOR = 20  # suggest keeps the POOL_FACTOR * n most uncertain notes for the diversity pass
UNSURE_UNCERTAINTY = 0.75  # a label this uncertain or more is one the model is unsure about
MAX_EVIDENCE = 3
CHUNK_SIZE = 256
LABEL_STUDIO_CHOICES = "labels"  # the Choices tag's name, the predictions' from_name
LABEL_STUDIO_TEXT = "text"  # the Text tag's name, the predictions' to_name and the data key


# -- suggesting notes to label ---------------------------------------------------------------
@dataclass
class Suggestion:
    """A note worth labelling next, with the model's current guess to correct."""

    id: object
    text: str
    guess: list  # the labels the model raises
    scores: dict  # label -> calibrated probability
    uncertainty: float  # 1 at a label's threshold, 0 as far from it as a probability can be
    uncertain: list  # the labels the model is unsure about, most uncertain first
    model_version: str = ""

    def to_dict(self):
        return {
            "id": self.id,
            "text": self.text,
            "labels": list(self.guess),
            "scores": {label: round(score, 4) for label, score in self.scores.items()},
            "uncertainty": round(self.uncertainty, 4),
            "uncertain": list(self.uncertain),
        }


def label_uncertainty(probability, threshold):
    """How close a probability is to its label's threshold: 1 on it, 0 at whichever end of
    [0, 1] lies farther from it.

    >>> label_uncertainty(0.4, 0.4), label_uncertainty(1.0, 0.4), round(label_uncertainty(0.7, 0.4), 2)
    (1.0, 0.0, 0.5)
    """
    return 1.0 - abs(probability - threshold) / max(threshold, 1.0 - threshold)


def model_version(model):
    """A tag naming the model, for annotation tools that group predictions by model version."""
    from . import __version__

    version = f"{model.info.get('name', 'callback-classifier')} {__version__}"
    corpus = model.info.get("corpus_fingerprint")
    return f"{version} corpus:{corpus[:12]}" if corpus else version


def suggest(model, notes, *, n=50, diversity=0.5, pool_size=None):
    """The ``n`` notes most worth labelling: uncertain, and unlike each other.

    ``notes`` are dicts with ``text`` and optionally ``id`` (default: the 1-based position);
    notes with blank text are skipped. A note's uncertainty is its highest
    ``label_uncertainty`` over the labels. The notes stream through; only the ``pool_size``
    (default ``20 * n``) most uncertain are kept, and from those the picks are made greedily
    by maximal marginal relevance: ``(1 - diversity) * uncertainty - diversity * similarity``,
    where similarity is the highest TF-IDF cosine (in the model's vocabulary) to a note already
    picked. A text is never picked twice, whitespace aside.

    >>> picks = suggest(load_model(), [{"id": "a", "text": "Solid SQL; unsure about pace."}], n=1)  # doctest: +SKIP
    >>> picks[0].uncertain  # doctest: +SKIP
    ['fit_doubt']
    """
    if n < 0:
        raise ValueError(f"n must be zero or more, got {n}")
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be between 0 and 1, got {diversity}")
    pool_size = POOL_FACTOR * n if pool_size is None else pool_size
    if pool_size < n:
        raise ValueError(f"pool_size {pool_size} is smaller than n={n}; it must hold at least the picks")
    if n == 0:
        return []
    pool = _uncertain_pool(model, notes, pool_size)
    picks = _diverse_picks(model, pool, n, diversity)
    version = model_version(model)
    return [Suggestion(id=entry.id, text=entry.text, guess=entry.guess, scores=entry.scores,
                       uncertainty=entry.uncertainty, uncertain=entry.uncertain, model_version=version)
            for entry in picks]


@dataclass
class _PoolEntry:
    position: int
    id: object
    text: str
    guess: list
    scores: dict
    uncertainty: float
    uncertain: list

    @property
    def key(self):
        # The more uncertain first; on a tie, the earlier note.
        return (self.uncertainty, -self.position)

    def __lt__(self, other):
        return self.key < other.key


def _numbered_notes(notes):
    """``(position, id, text)`` of each note with text, positions counting from 1."""
    for position, note in enumerate(notes, start=1):
        if not isinstance(note, dict) or "text" not in note:
            raise InputFormatError(f"note {position}: expected a dict with a 'text' field, got "
                                   f"{type(note).__name__ if not isinstance(note, dict) else sorted(note)}")
        text = note["text"]
        if not isinstance(text, str):
            raise InputFormatError(f"note {position}: field 'text' must be a string, got {type(text).__name__}")
        if text.strip():
            yield position, note.get("id", position), text


def _uncertain_pool(model, notes, pool_size):
    """The ``pool_size`` most uncertain distinct texts, as a min-heap on uncertainty."""
    thresholds = dict(zip(model.labels, (float(t) for t in model.thresholds)))
    heap, in_pool = [], {}
    numbered = _numbered_notes(notes)
    while chunk := list(islice(numbered, CHUNK_SIZE)):
        # A repeat of a text already pooled (or met earlier in the chunk) is the same note
        # again, so it is not analysed twice; one evicted earlier cannot come back, as its
        # uncertainty is no higher and its position later.
        fresh, keys = [], set()
        for position, note_id, text in chunk:
            key = text_key(text)
            if key not in in_pool and key not in keys:
                keys.add(key)
                fresh.append((position, note_id, text, key))
        for (position, note_id, text, key), analysis in zip(fresh, model.analyze_many([item[2] for item in fresh])):
            per_label = {label: label_uncertainty(analysis.scores[label], threshold)
                         for label, threshold in thresholds.items()}
            uncertainty = max(per_label.values())
            if len(heap) >= pool_size and (uncertainty, -position) <= heap[0].key:
                continue
            unsure = sorted((label for label, value in per_label.items() if value >= UNSURE_UNCERTAINTY),
                            key=lambda label: -per_label[label])
            entry = _PoolEntry(position, note_id, text, list(analysis.labels), dict(analysis.scores), uncertainty,
                               unsure or [max(per_label, key=per_label.get)])
            in_pool[key] = entry
            if len(heap) < pool_size:
                heapq.heappush(heap, entry)
            else:
                evicted = heapq.heapreplace(heap, entry)
                del in_pool[text_key(evicted.text)]
    return sorted(heap, reverse=True)


def _diverse_picks(model, pool, n, diversity):
    """Greedy maximal marginal relevance over the pool, most uncertain first on ties."""
    import numpy as np

    if len(pool) <= 1 or diversity == 0.0:
        return pool[:n]
    vectors = _tfidf_matrix(model, [entry.text for entry in pool])
    uncertainty = np.array([entry.uncertainty for entry in pool])
    similarity = np.zeros(len(pool))
    available = np.ones(len(pool), dtype=bool)
    picks = []
    while len(picks) < n and available.any():
        relevance = (1.0 - diversity) * uncertainty - diversity * similarity
        # The pool is sorted most uncertain first, so argmax breaks ties towards uncertainty.
        best = int(np.flatnonzero(available)[np.argmax(relevance[available])])
        picks.append(pool[best])
        available[best] = False
        similarity = np.maximum(similarity, (vectors @ vectors[best].T).toarray().ravel())
    return picks


def _tfidf_matrix(model, texts):
    """Rows of the model's own L2-normalised TF-IDF weights, one per text."""
    import scipy.sparse

    from .features import featurize

    rows, columns, values = [], [], []
    for row, (features, _) in enumerate(featurize(texts)):
        indices, weights = model.tfidf_weights(features)
        rows.extend([row] * len(indices))
        columns.extend(indices.tolist())
        values.extend(weights.tolist())
    return scipy.sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), len(model.idf)))


# -- writing suggestions ---------------------------------------------------------------------
def write_suggestions(suggestions, stream, *, format):
    """Write suggestions for an annotation tool, the model's guess pre-filled; returns the count.

    - ``"doccano"``: JSON Lines for a text-classification project, ``{"text", "label": [...]}``;
      doccano keeps every other key (``note_id``, ``uncertainty``, ``uncertain``, ``scores``)
      as the example's metadata. The note's id is ``note_id``, as doccano's export writes its
      own ``id`` over a metadata key of that name.
    - ``"label-studio"``: a JSON list of tasks, ``{"data": {"text", "note_id", ...},
      "predictions": [...]}``, the guess as a ``choices`` result for ``label_studio_config``;
      a prediction's ``score`` is the model's confidence, so Label Studio's lowest-score-first
      ordering shows the most uncertain notes first.
    - ``"jsonl"``: our own format, ``{"id", "text", "labels", "scores", "uncertainty",
      "uncertain"}``: correct ``labels`` and the file reads as labelled notes.

    >>> import io
    >>> write_suggestions([], io.StringIO(), format="jsonl")
    0
    """
    if format not in SUGGESTION_FORMATS:
        raise ValueError(f"unknown suggestion format {format!r}; choose one of {', '.join(SUGGESTION_FORMATS)}")
    if format == "label-studio":
        return _write_json_list((label_studio_task(suggestion) for suggestion in suggestions), stream)
    row = doccano_row if format == "doccano" else Suggestion.to_dict
    count = 0
    for suggestion in suggestions:
        stream.write(json.dumps(row(suggestion), ensure_ascii=False) + "\n")
        count += 1
    return count


def doccano_row(suggestion):
    """One line of a doccano text-classification import."""
    return {
        "text": suggestion.text,
        "label": list(suggestion.guess),
        "note_id": suggestion.id,
        "uncertainty": round(suggestion.uncertainty, 4),
        "uncertain": list(suggestion.uncertain),
        "scores": {label: round(score, 4) for label, score in suggestion.scores.items()},
    }


def label_studio_task(suggestion):
    """One Label Studio task with the model's guess as a prediction."""
    result = []
    if suggestion.guess:
        result.append({
            "from_name": LABEL_STUDIO_CHOICES,
            "to_name": LABEL_STUDIO_TEXT,
            "type": "choices",
            "value": {"choices": list(suggestion.guess)},
        })
    return {
        "data": {
            LABEL_STUDIO_TEXT: suggestion.text,
            "note_id": suggestion.id,
            "uncertainty": round(suggestion.uncertainty, 4),
            "uncertain": ", ".join(suggestion.uncertain),
        },
        "predictions": [{
            "model_version": suggestion.model_version,
            "score": round(1.0 - suggestion.uncertainty, 4),
            "result": result,
        }],
    }


def label_studio_config(labels=LABELS):
    """The labelling config matching ``label_studio_task``: the note, and a multiple choice.

    >>> print(label_studio_config(["skill_gap"]))  # doctest: +NORMALIZE_WHITESPACE
    <View>
      <Header value="Which callback reasons does the note give? Tick none for a clear note."/>
      <Text name="text" value="$text"/>
      <Choices name="labels" toName="text" choice="multiple" showInline="true">
        <Choice value="skill_gap"/>
      </Choices>
    </View>
    """
    from xml.sax.saxutils import quoteattr

    choices = "\n".join(f"    <Choice value={quoteattr(label)}/>" for label in labels)
    return (
        "<View>\n"
        '  <Header value="Which callback reasons does the note give? Tick none for a clear note."/>\n'
        f'  <Text name="{LABEL_STUDIO_TEXT}" value="${LABEL_STUDIO_TEXT}"/>\n'
        f'  <Choices name="{LABEL_STUDIO_CHOICES}" toName="{LABEL_STUDIO_TEXT}" choice="multiple" showInline="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        "</View>\n"
    )


def _write_json_list(items, stream):
    """Write a JSON array one item at a time, so a long list never sits in memory."""
    count = 0
    stream.write("[")
    for item in items:
        stream.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


# -- auditing labels -------------------------------------------------------------------------
@dataclass
class Suspect:
    """A label on a note (or missing from it) that the out-of-fold model disputes."""

    id: object
    label: str
    given: bool  # whether the note carries the label
    probability: float  # out-of-fold probability of the label, from a class-balanced fit
    kind: str  # "spurious" (given, but the model says no) or "missing" (not given, model says yes)
    text: str
    evidence: list = field(default_factory=list)  # model.Evidence spans pushing to the model's side
    source: object = None

    @property
    def self_confidence(self):
        """The model's probability of the label as given: the lower, the more suspicious."""
        return self.probability if self.given else 1.0 - self.probability

    def to_dict(self):
        row = {"id": self.id}
        if self.source is not None:
            row["source"] = self.source
        row.update({
            "label": self.label,
            "given": self.given,
            "kind": self.kind,
            "probability": round(self.probability, 4),
            "self_confidence": round(self.self_confidence, 4),
            "text": self.text,
            "evidence": [item.to_dict() for item in self.evidence],
        })
        return row


@dataclass
class AuditResult:
    """What ``audit_labels`` found: suspects most suspicious first, and what it could not audit."""

    suspects: list
    labels: list  # the labels audited
    skipped_labels: dict  # label -> why it was not audited
    thresholds: dict  # label -> {"given": t1, "absent": t0}, the confident-learning thresholds
    notes: int


def audit_labels(records, *, labels=None, folds=5, seed=13, C=4.0):
    """Likely label errors in labelled records (dicts with ``id``, ``text``, ``labels``).

    For each label, a TF-IDF logistic regression over ``featurize`` features gives every note
    an out-of-fold probability. As in confident learning, the thresholds are the mean
    probability of the label over the notes given it (t1) and the mean probability of its
    absence over the notes without it (t0): a note given the label with ``1 - p >= t0`` (and
    ``p < 0.5`` when also ``p >= t1``) is a suspected spurious label, a note without it with
    ``p >= t1`` (and ``p > 0.5`` when also ``1 - p >= t0``) a suspected missing one. Suspects come
    least self-confident first. ``labels`` defaults to every label the records use; a label
    with fewer than ``folds`` notes on either side is skipped, with the reason in the result.
    A record with ``annotated_for`` (the labels its annotators judged) is audited on those only.

    >>> result = audit_labels(read_records(split="train"))  # doctest: +SKIP
    >>> result.suspects[0].kind  # doctest: +SKIP
    'missing'
    """
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from .features import featurize

    records = [_checked_record(record, position) for position, record in enumerate(records, start=1)]
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if labels is None:
        used = {label for record in records for label in record["labels"]}
        labels = [label for label in LABELS if label in used] + sorted(used - set(LABELS))
    labels = list(labels)
    texts = [record["text"] for record in records]
    featurized = list(featurize(texts))
    features = [note_features for note_features, _ in featurized]

    suspects, audited, skipped, thresholds = [], [], {}, {}
    for label in labels:
        # A record listing ``annotated_for`` was judged on those labels only: for any other it
        # is neither a positive nor a negative, and so never a suspect.
        judged = np.array([label in record.get("annotated_for", (label,)) for record in records], dtype=bool)
        notes = np.flatnonzero(judged)
        target = np.array([int(label in records[index]["labels"]) for index in notes.tolist()], dtype=np.int64)
        positives = int(target.sum())
        negatives = len(target) - positives
        if min(positives, negatives) < folds:
            side = "carry" if positives < folds else "lack"
            skipped[label] = (f"only {min(positives, negatives)} of {len(target)} notes {side} it; "
                              f"{folds}-fold cross-validation needs at least {folds}")
            continue
        audited.append(label)
        label_features = [features[index] for index in notes.tolist()]
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        probability = cross_val_predict(_audit_pipeline(C), label_features, target, cv=splitter,
                                        method="predict_proba")[:, 1]
        given_threshold = float(probability[target == 1].mean())
        absent_threshold = float((1.0 - probability[target == 0]).mean())
        thresholds[label] = {"given": round(given_threshold, 4), "absent": round(absent_threshold, 4)}
        confident_yes = probability >= given_threshold
        confident_no = 1.0 - probability >= absent_threshold
        # Where both classes clear their thresholds, the likelier one decides, as in
        # confident learning's confident joint.
        spurious = (target == 1) & confident_no & (~confident_yes | (probability < 0.5))
        missing = (target == 0) & confident_yes & (~confident_no | (probability > 0.5))
        flagged = np.flatnonzero(spurious | missing)
        if not len(flagged):
            continue
        fitted = _audit_pipeline(C).fit(label_features, target)
        vectorizer, coefficients = fitted.steps[0][1], fitted.steps[-1][1].coef_[0]
        for row in flagged.tolist():
            index, given = int(notes[row]), bool(target[row])
            record = records[index]
            evidence = _pushing_segments(texts[index], featurized[index][1], vectorizer, coefficients,
                                         -1.0 if given else 1.0)
            suspects.append(Suspect(id=record.get("id", index + 1), label=label, given=given,
                                    probability=float(probability[row]), kind="spurious" if given else "missing",
                                    text=texts[index], evidence=evidence, source=record.get("source")))
    suspects.sort(key=lambda suspect: (suspect.self_confidence, audited.index(suspect.label), str(suspect.id)))
    return AuditResult(suspects=suspects, labels=audited, skipped_labels=skipped, thresholds=thresholds,
                       notes=len(records))


def _audit_pipeline(C):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .features import passthrough

    # liblinear suits these small sparse fits: on our corpus it ranks the suspects exactly as
    # lbfgs does, in a fifth of the time, and every label is fitted once per fold.
    return make_pipeline(
        TfidfVectorizer(analyzer=passthrough, lowercase=False, sublinear_tf=True, min_df=2),
        LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=3000),
    )


def _checked_record(record, position):
    where = f"record {position}"
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a dict, got {type(record).__name__}")
    if isinstance(record.get("id"), (str, int)):
        where = f"record {position} (id {record['id']!r})"
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: field 'text' must be a non-empty string")
    labels = record.get("labels")
    if not isinstance(labels, (list, tuple)) or not all(isinstance(label, str) for label in labels):
        raise CorpusError(f"{where}: field 'labels' must be a list of label names; got {labels!r}")
    return record


def _pushing_segments(text, segments, vectorizer, coefficients, direction):
    """Up to MAX_EVIDENCE segments whose features push the label's score hardest in
    ``direction`` (+1 towards the label, -1 away), strongest first; at least the strongest
    one, so a suspect always quotes the passage the model leans on most."""
    from .model import Evidence

    if not segments:
        return []
    matrix = vectorizer.transform([segment for _, segment in segments])
    scores = direction * (matrix @ coefficients)
    order = sorted(range(len(segments)), key=lambda i: (-scores[i], segments[i][0][0]))
    chosen = [i for i in order[:MAX_EVIDENCE] if scores[i] > 0] or order[:1]
    return [Evidence(text[start:end], start, end, round(float(scores[i]), 4))
            for i in chosen for (start, end) in [segments[i][0]]]


# -- writing an audit ------------------------------------------------------------------------
def write_audit(result, stream, *, format, top=None):
    """Write an AuditResult's suspects, the ``top`` most suspicious only when given:
    ``"jsonl"`` (one suspect a line, ``Suspect.to_dict``) or ``"text"`` (a numbered listing
    with the quoted evidence, then any skipped labels). Returns the number of suspects written.

    >>> import io
    >>> write_audit(AuditResult([], [], {}, {}, 0), io.StringIO(), format="jsonl")
    0
    """
    if format not in AUDIT_FORMATS:
        raise ValueError(f"unknown audit format {format!r}; choose one of {', '.join(AUDIT_FORMATS)}")
    shown = result.suspects[:top] if top is not None else result.suspects
    if format == "jsonl":
        for suspect in shown:
            stream.write(json.dumps(suspect.to_dict(), ensure_ascii=False) + "\n")
        return len(shown)
    audited = ", ".join(result.labels) or "none"
    stream.write(f"{len(result.suspects)} likely label errors in {result.notes} notes "
                 f"(labels audited: {audited})" + (f"; the {len(shown)} most suspicious:" if len(shown) < len(
                     result.suspects) else "") + "\n")
    width = len(str(len(shown)))
    for rank, suspect in enumerate(shown, start=1):
        source = f" [{suspect.source}]" if suspect.source is not None else ""
        verdict = (f"given {suspect.label}, but p={suspect.probability:.2f}: likely spurious" if suspect.given
                   else f"not given {suspect.label}, but p={suspect.probability:.2f}: likely missing")
        stream.write(f"\n{rank:>{width}}. {suspect.id}{source}  {verdict}\n")
        for item in suspect.evidence:
            stream.write(f"{'':>{width}}   {item.start}-{item.end}: {_quote(item.text)}\n")
    for label, reason in result.skipped_labels.items():
        stream.write(f"\nskipped {label}: {reason}\n")
    return len(shown)


def _quote(text, limit=160):
    text = " ".join(text.split())
    return json.dumps(text if len(text) <= limit else text[:limit - 1] + "…", ensure_ascii=False)
