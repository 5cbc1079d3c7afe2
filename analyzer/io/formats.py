"""Readers for the generic formats: CSV, TSV, JSON Lines, a JSON array and plain text.

Each one streams :class:`NoteRow` objects from an opened :class:`~analyzer.io.sources.Source`.
"""

import csv
import json
import re

from ..errors import InputFormatError
from .columns import map_columns
from .jsonstream import JSONStream
from .records import NoteRow, normalise_recommendation

# Keys under which a JSON object wraps its list of notes ({"data": [...]}).
WRAPPER_KEYS = ("notes", "data", "results", "items", "records", "rows", "feedback")

_SURROGATES = re.compile("[\ud800-\udfff]")
_MISSING = object()


def has_undecodable_bytes(text):
    """Whether decoding with ``errors="surrogateescape"`` left bytes it could not decode."""
    return bool(_SURROGATES.search(text))


def _scrub(text):
    return _SURROGATES.sub("\ufffd", text)


def field_text(value):
    """A metadata value as a short string: names from user objects, numbers as written."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict):
        for key in ("name", "label", "title", "value", "score"):
            if value.get(key) is not None:
                return field_text(value[key])
        full = " ".join(str(value[key]) for key in ("first_name", "last_name", "firstName", "lastName")
                        if value.get(key))
        if full:
            return _scrub(full)
        return field_text(value.get("email") or value.get("id"))
    if isinstance(value, list):
        joined = ", ".join(item for item in (field_text(v) for v in value) if item)
        return joined or None
    text = _scrub(str(value)).strip()
    return text or None


class RowMaker:
    """Builds NoteRows for one input, formatting locations and row errors the same way everywhere."""

    def __init__(self, name, codec):
        self.name = name
        label = "UTF-8" if codec.replace("_", "-").startswith("utf-8") else codec
        self._bad_bytes = f"invalid {label} bytes in the text"

    def location(self, line):
        return f"{self.name}:{line}"

    def row(self, number, line, *, text, note_id=None, candidate=None, interviewer=None, role=None,
            requisition=None, stated=None, error=None):
        """One NoteRow; ``error`` is the problem without the row prefix, which is added here.

        Undecodable bytes in the text make the row an error (its text keeps U+FFFD in their
        place); in the other fields they are only replaced, since the note can still be read.
        """
        location = self.location(line)
        if text is not None:
            if error is None and has_undecodable_bytes(text):
                error = self._bad_bytes
            text = _scrub(text)
        return NoteRow(
            row=number, id=field_text(note_id) or str(number), text=text,
            candidate=field_text(candidate), interviewer=field_text(interviewer), role=field_text(role),
            requisition=field_text(requisition), stated_recommendation=normalise_recommendation(stated),
            stated_raw=field_text(stated), location=location,
            error=f"row {number} ({location}): {error}" if error else None)


def csv_rows(source, *, delimiter):
    """Yield (line where the row starts, cells) for each non-blank row of a delimited file.

    A quote left open, which would swallow the rest of the file, raises InputFormatError
    naming the line where the broken row starts.
    """
    reader = csv.reader(source.text(newline=""), delimiter=delimiter, strict=True)
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as error:
        line = f"{source.name}:{last_line + 1}"
        message = str(error)
        if "unexpected end of data" in message:
            raise InputFormatError(f"{line}: a quoted field opened in this row is never closed") from None
        if "field larger than field limit" in message:
            raise InputFormatError(f"{line}: a field is longer than {csv.field_size_limit():,} characters; "
                                   "is a quote left open in this row?") from None
        raise InputFormatError(f"{line}: not valid CSV ({message})") from None


def csv_delimiter(source, default):
    """"," for CSV, unless the header only has semicolons (a common spreadsheet export)."""
    if default != ",":
        return default
    header = next((line for line in source.sample_text().splitlines() if line.strip()), "")
    return ";" if ";" in header and "," not in header else ","


def read_delimited(source, maker, *, delimiter, columns=None):
    """Notes from a CSV or TSV export with a header row."""
    delimiter = csv_delimiter(source, delimiter)
    rows = csv_rows(source, delimiter=delimiter)
    first = next(rows, None)
    if first is None:
        return
    header = [_scrub(cell).strip() for cell in first[1]]
    mapping = map_columns(header, columns, name=source.name)
    index = {field: (header.index(column) if column is not None else None) for field, column in mapping.items()}
    separator = "tab" if delimiter == "\t" else repr(delimiter)
    for number, (line, cells) in enumerate(rows, start=1):
        text, error = _cell(cells, index["text"]), None
        if text is _MISSING:
            text, error = None, f"no text cell (the row has {len(cells)} of the header's {len(header)} columns)"
        elif len(cells) > len(header) and any(extra.strip() for extra in cells[len(header):]):
            error = (f"the row has {len(cells)} cells but the header has {len(header)}; "
                     f"is a {separator} inside the text unquoted?")
        values = {field: _cell(cells, position) for field, position in index.items() if field != "text"}
        values = {field: (None if value is _MISSING else value) for field, value in values.items()}
        yield maker.row(number, line, text=text, note_id=values["id"], candidate=values["candidate"],
                        interviewer=values["interviewer"], role=values["role"],
                        requisition=values["requisition"], stated=values["recommendation"], error=error)


def _cell(cells, position):
    if position is None:
        return None
    return cells[position] if position < len(cells) else _MISSING


class ObjectRows:
    """Turns JSON values into NoteRows, mapping keys to note fields.

    The first object fixes the text key (or raises ColumnMappingError when it cannot);
    the other fields are detected again for each new set of keys, since JSON objects of
    one export need not all carry the same keys.
    """

    def __init__(self, maker, columns=None):
        self.maker = maker
        self.given = {field: column for field, column in (columns or {}).items() if column is not None}
        self.text_key, self._mappings = None, {}

    def _mapping(self, keys):
        if self.text_key is None:
            mapping = map_columns(keys, self.given, name=self.maker.name, kind="key")
            self.text_key = mapping["text"]
            self._mappings[tuple(keys)] = mapping
        if tuple(keys) not in self._mappings:
            if len(self._mappings) > 1000:
                self._mappings.clear()
            present = keys if self.text_key in keys else [*keys, self.text_key]
            mapping = map_columns(present, {"text": self.text_key}, name=self.maker.name, kind="key")
            mapping.update(self.given)
            self._mappings[tuple(keys)] = mapping
        return self._mappings[tuple(keys)]

    def row(self, number, line, value):
        if isinstance(value, str):
            return self.maker.row(number, line, text=value)
        if not isinstance(value, dict):
            return self.maker.row(number, line, text=None,
                                  error=f"expected a JSON object or string, got {_json_type(value)}")
        mapping = self._mapping(list(value))
        key = mapping["text"]
        text, error = value.get(key, _MISSING), None
        if text is _MISSING:
            text, error = None, f"no {key!r} key for the text"
        elif text is None:
            error = f"the text ({key!r}) is null"
        elif isinstance(text, list) and all(isinstance(item, str) for item in text):
            text = "\n".join(text)
        elif isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)
        elif not isinstance(text, str):
            text, error = None, f"the text ({key!r}) is {_json_type(text)}, not a string"
        other = {field: value.get(column) if column is not None else None
                 for field, column in mapping.items() if field != "text"}
        return self.maker.row(number, line, text=text, note_id=other["id"], candidate=other["candidate"],
                              interviewer=other["interviewer"], role=other["role"],
                              requisition=other["requisition"], stated=other["recommendation"], error=error)


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def read_jsonl(source, maker, *, columns=None):
    """Notes from JSON Lines: one object (or string) per line; blank lines are skipped.

    A line that is not JSON raises InputFormatError naming the file and line. The rows
    before it have already been yielded: the reader streams, and a caller that needs
    all-or-nothing collects the rows first.
    """
    objects = ObjectRows(maker, columns)
    number = 0
    for line_number, line in enumerate(source.text(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            raise InputFormatError(f"{source.name}:{line_number}: not valid JSON ({error.msg})") from None
        number += 1
        yield objects.row(number, line_number, value)


def read_json(source, maker, *, columns=None):
    """Notes from a JSON document: an array of notes, streamed element by element; an object
    wrapping that array under a key such as "notes" or "data", streamed the same way; or one
    object that is itself a note.
    """
    stream = JSONStream(source.text(), source.name)
    objects = ObjectRows(maker, columns)
    number = 0
    if stream.peek() == "[":
        for number, (value, line) in enumerate(stream.iter_array(), start=1):
            yield objects.row(number, line, value)
    elif stream.peek() == "{":
        for kind, value, line in stream.iter_object(WRAPPER_KEYS):
            if kind == "element":
                number += 1
                yield objects.row(number, line, value)
            elif not stream.members_streamed:
                yield objects.row(1, line, value)
    elif stream.peek():
        value, line = stream.value()
        yield objects.row(1, line, value)
    stream.expect_end()


def read_text(source, maker, *, columns=None):
    """Notes from plain text: one note per block of lines, blocks separated by blank lines."""
    block, start, number = [], 0, 0
    for line_number, line in enumerate(source.text(), start=1):
        if line.strip():
            if not block:
                start = line_number
            block.append(line.rstrip("\n"))
        elif block:
            number += 1
            yield maker.row(number, start, text="\n".join(block))
            block = []
    if block:
        yield maker.row(number + 1, start, text="\n".join(block))


READERS = {
    "csv": lambda source, maker, columns: read_delimited(source, maker, delimiter=",", columns=columns),
    "tsv": lambda source, maker, columns: read_delimited(source, maker, delimiter="\t", columns=columns),
    "jsonl": lambda source, maker, columns: read_jsonl(source, maker, columns=columns),
    "json": lambda source, maker, columns: read_json(source, maker, columns=columns),
    "text": lambda source, maker, columns: read_text(source, maker, columns=columns),
}
