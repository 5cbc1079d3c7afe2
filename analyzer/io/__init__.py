"""Reading interview-note exports and writing batch results; standard library only.

>>> from analyzer.io import read_notes
>>> notes = list(read_notes("examples/exports/notes.csv"))  # doctest: +SKIP
"""

from .presets import PRESETS
from .readers import read_notes
from .records import NoteRow, normalise_recommendation
from .sources import FORMATS
from .writers import write_csv, write_jsonl

__all__ = ["NoteRow", "read_notes", "PRESETS", "FORMATS", "write_jsonl", "write_csv", "normalise_recommendation"]
