"""Retrain on a team's labelled notes, compare with the current model on the same held-out
notes, and promote the new version only when it is not worse.

The work behind ``callback-analyzer train``: read and check the new labels, merge them with
the base corpus, hold out a share of the new notes by candidate, train, compare, save the
version in the registry, and make it current when the gate allows.
"""

import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .comparison import DEFAULT_TOLERANCE, compare_models, promotion_decision
from .corpus import default_corpus_dir, fingerprint, read_records
from .errors import AnalyzerError, TrainingError
from .labels import LABELS
from .training import TRAINING_SPLITS

DEFAULT_HOLDOUT = 0.2


@dataclass
class RetrainResult:
    """What ``retrain`` did: the version saved, whether it became current and why, and the
    comparison behind that decision."""

    version: object
    promoted: bool
    forced: bool
    reason: str
    comparison: dict
    data: dict = field(default_factory=dict)
    current_before: str | None = None


def _group(record):
    """Notes about one candidate stay on one side of the split: a model must not be scored
    on a candidate whose other notes it learned from."""
    return str(record.get("candidate") or " ".join(record["text"].split()))


def split_held_out(records, share=DEFAULT_HOLDOUT):
    """``(train, held_out)``: ``share`` of the candidates, chosen by a hash of their key so the
    same notes always split the same way, whatever their order."""
    groups = sorted({_group(r) for r in records}, key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    held = set(groups[:math.ceil(share * len(groups))]) if share > 0 and len(groups) > 1 else set()
    return [r for r in records if _group(r) not in held], [r for r in records if _group(r) in held]


def data_fingerprint(paths, base_fingerprint=None):
    """sha256 over the base corpus's fingerprint and each data file's bytes, in the order given."""
    digest = hashlib.sha256((base_fingerprint or "no-base").encode())
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def retrain(data=(), *, corpus_path=None, use_base=True, input_format=None, allow_new_labels=False,
            label_descriptions=None, holdout=DEFAULT_HOLDOUT, tolerance=DEFAULT_TOLERANCE, force=False,
            on_conflict="error", settings=None, registry=None, progress=None):
    """Train a new version on the base corpus and ``data`` files, compare it with the current
    model, save it, and make it current if the gate passes (or ``force``).

    ``progress(stage, done, total)`` reports each long step. Returns a ``RetrainResult``.

    >>> result = retrain(["labelled.jsonl"])  # doctest: +SKIP
    >>> result.promoted, result.reason  # doctest: +SKIP
    """
    from .labelled import LabelledSet, merge_with_base, read_labelled
    from .model import TrainingSettings, load_model, save_model, train
    from .registry import Registry

    registry = registry or Registry()
    registry.clean_stale()
    data = [Path(path) for path in data]
    if not data and not use_base:
        raise TrainingError("nothing to train on: --no-base needs at least one --data file")
    current = registry.current()
    try:
        current_model = load_model(current.path)
    except AnalyzerError as problem:
        current_model, current_problem = None, str(problem)
    else:
        current_problem = None
    known = tuple(dict.fromkeys([*LABELS, *(current_model.labels if current_model else ())]))

    corpus_path = corpus_path or default_corpus_dir()
    base = list(read_records(corpus_path, with_source=True))
    new = read_labelled(data, input_format=input_format, known_labels=known, allow_new_labels=allow_new_labels,
                        on_conflict=on_conflict) if data else None
    new_records = [dict(r, origin="new") for r in (new.records if new else [])]
    labels = tuple(dict.fromkeys([*LABELS, *(label for r in new_records for label in r["labels"])]))
    extra = [label for label in labels if label not in LABELS]
    base_records = [dict(r, origin="base", **({"annotated_for": list(LABELS)} if extra else {})) for r in base]
    # Conflicts are looked for against the whole corpus, test split included, so that a note
    # a team relabelled is never scored against its old label.
    merged = merge_with_base(base_records, replace(new, records=new_records) if new else LabelledSet(),
                             on_conflict=on_conflict)
    new_kept = [r for r in merged.records if r.get("origin") == "new"]
    base_kept = [r for r in merged.records if r.get("origin") == "base"]
    new_train, new_held_out = split_held_out(new_kept, holdout)
    training_set = [*(r for r in base_kept if r.get("split") in TRAINING_SPLITS and use_base), *new_train]
    evaluation_set = [*(r for r in base_kept if r.get("split") == "test"), *new_held_out]
    if not evaluation_set:
        raise TrainingError("no notes to compare the models on: the corpus has no test split and no new notes "
                            "were held out; add notes or lower --holdout")

    settings = settings or TrainingSettings()
    model = train(training_set, settings, labels=labels, progress=progress)
    if progress:
        progress("scoring both models", 0, 1)
    comparison = compare_models(current_model, model, evaluation_set)
    if progress:
        progress("scoring both models", 1, 1)
    promote, reason = promotion_decision(comparison, tolerance=tolerance)
    if current_model is None:
        promote, reason = True, f"the current model ({current.name}) cannot be loaded: {current_problem}"

    descriptions = {label: (label_descriptions or {}).get(label) or _inherited(current_model, label)
                    for label in extra}
    base_fingerprint = fingerprint(corpus_path)
    meta = {
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "parent": current.name,
        "data_fingerprint": data_fingerprint(data, base_fingerprint if use_base else None),
        "base": {"corpus": str(corpus_path), "fingerprint": base_fingerprint, "used": use_base,
                 "notes": sum(1 for r in training_set if r.get("origin") == "base")},
        "sources": [{"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()} for path in data],
        "new_notes": {"read": len(new_records), "trained_on": len(new_train), "held_out": len(new_held_out),
                      "duplicates_merged": (new.duplicates_merged if new else 0) + merged.duplicates_merged,
                      "conflicts": len(merged.conflicts) + (len(new.conflicts) if new else 0),
                      "skipped": len(new.skipped) if new else 0},
        "labels_added": extra,
        "label_descriptions": {label: text for label, text in descriptions.items() if text},
        "metrics": {"held_out": comparison["labels"], "macro_f1": comparison["macro_f1"]["candidate"]},
        "comparison": comparison,
        "promotion": {"promoted": promote or force, "forced": force and not promote, "reason": reason,
                      "tolerance": tolerance},
    }
    with registry.staging() as staging:
        save_model(model, staging, extra_meta=meta)
        version = registry.commit(staging, parent=current.name)
    if promote or force:
        version = registry.use(version.name)
    return RetrainResult(version=version, promoted=promote or force, forced=force and not promote, reason=reason,
                         comparison=comparison, data=meta["new_notes"] | {"labels_added": extra},
                         current_before=current.name)


def _inherited(model, label):
    """A category's description carried over from the model it was first added to."""
    return ((model.info.get("label_descriptions") or {}).get(label)) if model is not None else None
