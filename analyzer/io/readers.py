"""``read_notes``: one entry point for every export the batch command reads."""

import io

from .columns import FIELDS
from .formats import READERS, RowMaker
from .presets import PRESETS
from .sources import FORMATS, detect_format, open_source


def read_notes(source, *, input_format=None, preset=None, columns=None, encoding=None, name=None):
    """Stream the notes of an export as :class:`NoteRow` objects, in input order.

    ``source`` is a path, ``"-"`` for stdin, or a binary file object; ``name`` overrides
    the name that locations and messages use. The format is one of ``FORMATS``, detected
    from the extension and the head of the input unless ``input_format`` is given; a
    ``preset`` (one of ``PRESETS``) reads a vendor's export instead. ``columns`` maps note
    fields (text, id, candidate, interviewer, recommendation, role, requisition) to column
    names or JSON keys; fields left out are detected. ``encoding`` defaults to UTF-8 with
    or without a BOM.

    The input is opened when iteration starts. File-level problems raise
    ``InputFormatError``, ``ColumnMappingError`` or ``InputEncodingError``, possibly after
    earlier rows were yielded; a problem with one row only comes out as that row's ``error``.

    >>> for note in read_notes("examples/exports/notes.csv"):  # doctest: +SKIP
    ...     print(note.location, note.candidate, note.stated_recommendation)
    notes.csv:2 Priya Raman strong_yes
    """
    if isinstance(source, io.TextIOBase):
        raise TypeError("read_notes needs bytes: pass a path, '-', sys.stdin.buffer or open(path, 'rb')")
    if input_format is not None and input_format not in FORMATS:
        raise ValueError(f"unknown input format {input_format!r}; choose one of {', '.join(FORMATS)}")
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        if input_format is not None:
            raise ValueError("give a preset or an input format, not both: a preset fixes the format")
        if any(column is not None for column in (columns or {}).values()):
            raise ValueError("columns cannot be combined with a preset, which knows its export's columns")
    unknown = sorted(set(columns or {}) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} in columns; use {', '.join(FIELDS)}")
    return _read(source, input_format, preset, columns, encoding, name)


def _read(source, input_format, preset, columns, encoding, name):
    with open_source(source, name=name, encoding=encoding) as opened:
        maker = RowMaker(opened.name, opened.codec)
        if preset is not None:
            yield from PRESETS[preset](opened, maker)
        else:
            yield from READERS[input_format or detect_format(opened)](opened, maker, columns)
