"""Read and check labelled notes in our JSON Lines format; fingerprint a corpus.

This module imports neither spaCy nor scikit-learn, so light commands stay fast.
"""

import hashlib
import json
from pathlib import Path

from .errors import CorpusError
from .labels import FLAGS, KINDS, LABELS, RECOMMENDATIONS

REQUIRED_FIELDS = ("id", "text", "labels")
SPLITS = ("train", "dev", "test")


def default_corpus_dir():
    """The corpus shipped with the package, or the one in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "corpus", here.parent / "corpus"):
        if (candidate / "notes.jsonl").exists():
            return candidate
    raise CorpusError(f"no corpus found next to {here}; pass the corpus path explicitly")


def writer_slice(record):
    """The writer slice a note belongs to: its candidate id's prefix ("f3" of "f3-c017")."""
    return record["candidate"].split("-")[0]


def slice_selected(name, prefixes):
    """Whether a writer slice is among ``prefixes`` (slice ids, or waves such as "f");
    ``None`` selects every slice."""
    return prefixes is None or name.startswith(tuple(prefixes))


def corpus_files(path=None):
    """The JSON Lines files of a corpus directory, or the one file given."""
    path = Path(path) if path is not None else default_corpus_dir()
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise CorpusError(f"{path}: no .jsonl files in this directory")
        return files
    return [path]


def read_records(path=None, *, split=None, encoding="utf-8", with_source=False):
    """Stream labelled records from a corpus directory or file, checking each one.
    ``with_source`` adds each record's ``"file:line"`` as ``source``.

    >>> records = list(read_records(split="test"))  # doctest: +SKIP
    """
    for file in corpus_files(path):
        with open(file, encoding=encoding) as handle:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise CorpusError(f"{file}:{line_number}: invalid JSON ({error.msg})") from None
                check_record(record, where=f"{file}:{line_number}")
                if split is None or record.get("split") == split:
                    if with_source:
                        record["source"] = f"{file}:{line_number}"
                    yield record


def check_record(record, *, where="record"):
    """Raise CorpusError naming the place and field when a record breaks the contract."""
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for field in REQUIRED_FIELDS:
        if field not in record:
            raise CorpusError(f"{where}: missing field '{field}'")
    if not isinstance(record["text"], str) or not record["text"].strip():
        raise CorpusError(f"{where}: field 'text' must be a non-empty string")
    labels = record["labels"]
    if not isinstance(labels, list) or any(label not in LABELS for label in labels):
        raise CorpusError(f"{where}: field 'labels' must be a list drawn from {', '.join(LABELS)}; got {labels!r}")
    if len(set(labels)) != len(labels):
        raise CorpusError(f"{where}: field 'labels' repeats a label: {labels!r}")
    recommendation = record.get("recommendation")
    if recommendation is not None and recommendation not in RECOMMENDATIONS:
        raise CorpusError(f"{where}: field 'recommendation' must be one of {', '.join(RECOMMENDATIONS)} or null; got {recommendation!r}")
    kind = record.get("kind")
    if kind is not None and kind not in KINDS:
        raise CorpusError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}; got {kind!r}")
    flags = record.get("flags", [])
    if not isinstance(flags, list) or any(flag not in FLAGS for flag in flags):
        raise CorpusError(f"{where}: field 'flags' must be a list drawn from {', '.join(FLAGS)}; got {flags!r}")
    topics = record.get("topics", {})
    if not isinstance(topics, dict) or set(topics) - set(labels):
        raise CorpusError(f"{where}: field 'topics' may only have keys for the note's labels; got {sorted(topics)!r}")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise CorpusError(f"{where}: field 'split' must be one of {', '.join(SPLITS)}; got {split!r}")


def fingerprint(path=None):
    """sha256 over the corpus files' bytes, in name order: the model records it."""
    digest = hashlib.sha256()
    for file in corpus_files(path):
        digest.update(file.name.encode())
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()
