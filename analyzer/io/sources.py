"""Opening an export: a path, "-" for stdin or a binary stream; its encoding and its format.

Only a small sample from the head of the input is held to sniff the encoding and the
format; the rest is decoded as it is read, so an export of any size streams.
"""

import codecs
import csv
import io
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputEncodingError, InputFormatError

FORMATS = ("csv", "tsv", "jsonl", "json", "text")

SAMPLE_BYTES = 16_384
_SAMPLE_LINES = 50
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".txt": "text", ".text": "text", ".md": "text",
}
# Byte-order marks of the encodings we refuse to guess at; UTF-32 first, its LE mark starts like UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32"), (codecs.BOM_UTF32_BE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16"), (codecs.BOM_UTF16_BE, "UTF-16", "utf-16"),
)


class _PrefixedStream(io.RawIOBase):
    """Serves the sniffed sample again, then the rest of the underlying stream.

    Closing it leaves the underlying stream open: that one belongs to the caller (stdin,
    or a file object handed to us) or is closed by ``open_source``.
    """

    def __init__(self, prefix, stream):
        self._prefix = memoryview(prefix)
        self._stream = stream
        self._read = getattr(stream, "read1", stream.read)

    def readable(self):
        return True

    def readinto(self, buffer):
        if len(self._prefix):
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class Source:
    """An opened export: its display name, file suffix, head sample and codec."""

    def __init__(self, stream, name, suffix, sample, at_end, codec):
        self.stream, self.name, self.suffix = stream, name, suffix
        self.sample, self.at_end, self.codec = sample, at_end, codec

    def text(self, *, newline=None):
        """The whole input as text, decoded as it is read.

        Bytes that are not valid in the codec come through as lone surrogates
        (``errors="surrogateescape"``), so one bad row can be reported without losing the rest.
        """
        raw = _PrefixedStream(self.sample, self.stream)
        return io.TextIOWrapper(io.BufferedReader(raw), encoding=self.codec,
                                errors="surrogateescape", newline=newline)

    def sample_text(self):
        """The sample decoded, without a last line that may have been cut mid-way."""
        data = self.sample
        if not self.at_end and b"\n" in data:
            data = data[:data.rindex(b"\n") + 1]
        return data.decode(self.codec, errors="replace")


def display_name(source, name=None):
    """How messages name an input: the file name, ``<stdin>``, or a stream's name."""
    if name is not None:
        return str(name)
    if isinstance(source, (str, Path)):
        return "<stdin>" if str(source) == "-" else Path(source).name
    stream_name = getattr(source, "name", None)
    return Path(stream_name).name if isinstance(stream_name, str) else "<stream>"


def _read_sample(stream):
    chunks, size = [], 0
    read = getattr(stream, "read1", stream.read)
    while size < SAMPLE_BYTES:
        chunk = read(SAMPLE_BYTES - size)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


@contextmanager
def open_source(source, *, name=None, encoding=None):
    """Open ``source`` for reading and decide its codec; yields a :class:`Source`."""
    if isinstance(source, io.TextIOBase):
        raise TypeError("read_notes needs bytes: pass a path, '-', sys.stdin.buffer or open(path, 'rb')")
    shown = display_name(source, name)
    if isinstance(source, (str, Path)) and str(source) == "-":
        stream, owned, suffix = sys.stdin.buffer, False, ""
    elif isinstance(source, (str, Path)):
        stream, owned, suffix = open(source, "rb"), True, Path(source).suffix.lower()
    else:
        stream, owned = source, False
        stream_name = getattr(source, "name", None)
        suffix = Path(stream_name).suffix.lower() if isinstance(stream_name, str) else ""
    try:
        sample, at_end = _read_sample(stream)
        codec = choose_codec(sample, at_end, shown, encoding)
        yield Source(stream, shown, suffix, sample, at_end, codec)
    finally:
        if owned:
            stream.close()


def choose_codec(sample, at_end, name, encoding=None):
    """The codec to decode with: the one asked for, or UTF-8 (with or without a BOM).

    Raises InputEncodingError when the input is evidently in another encoding: a UTF-16
    or UTF-32 byte-order mark, the NUL-byte pattern of UTF-16, or most of the first lines
    failing to decode as UTF-8.
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputEncodingError(f"{name}: unknown encoding {encoding!r}; pass a codec name such as "
                                     "--encoding utf-16 or --encoding cp1252") from None
        return "utf-8-sig" if codec == "utf-8" else codec
    for bom, label, suggestion in _BOMS:
        if sample.startswith(bom):
            raise InputEncodingError(f"{name} is not UTF-8 (it looks like {label}); pass --encoding {suggestion}")
    if sample.count(b"\x00") > max(8, len(sample) // 100):
        # A stray NUL in one cell is that row's problem; many of them mean binary or UTF-16.
        raise _nul_error(sample, name)
    lines = sample.split(b"\n")
    cut = not at_end and len(lines) == 1
    if not at_end and len(lines) > 1:
        lines = lines[:-1]
    lines = [line for line in lines[:_SAMPLE_LINES] if line.strip()]
    failing = 0
    for line in lines:
        try:
            # A single line cut by the sample's end may stop inside a character: that is not an error.
            codecs.getincrementaldecoder("utf-8")().decode(line, final=not cut)
        except UnicodeDecodeError:
            failing += 1
    if lines and failing * 2 > len(lines):
        try:
            sample.decode("cp1252")
            guess, suggestion = "Windows-1252 or Latin-1", "cp1252"
        except UnicodeDecodeError:
            guess, suggestion = "Latin-1", "latin-1"
        raise InputEncodingError(f"{name} is not UTF-8 (it looks like {guess}); pass --encoding {suggestion}")
    return "utf-8-sig"


def _nul_error(sample, name):
    even, odd = sample[0::2], sample[1::2]
    if odd and odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.1 * len(even):
        return InputEncodingError(f"{name} is not UTF-8 (it looks like UTF-16, little-endian); "
                                  "pass --encoding utf-16-le")
    if even and even.count(0) > 0.3 * len(even) and odd.count(0) < 0.1 * len(odd):
        return InputEncodingError(f"{name} is not UTF-8 (it looks like UTF-16, big-endian); "
                                  "pass --encoding utf-16-be")
    return InputFormatError(f"{name}: contains NUL bytes; this looks like a binary file, not a text export "
                            "(if it is text in another encoding, pass --encoding)")


def detect_format(source):
    """The format of an opened source, from its extension and, when that is not decisive, its head.

    A first non-space ``[`` means a JSON array; ``{`` on a first line that is a whole JSON
    object (and every sampled line one) means JSON Lines; a header with tabs means TSV,
    one that looks like comma-separated column names means CSV; anything else is text.
    """
    by_extension = _EXTENSIONS.get(source.suffix)
    if by_extension in ("csv", "tsv", "jsonl", "text"):
        return by_extension
    text = source.sample_text().lstrip("\ufeff")
    head = text.lstrip()
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        return "jsonl" if _looks_like_json_lines(head) else "json"
    if by_extension == "json":
        return "json"
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if "\t" in first_line and _looks_like_header(first_line, "\t"):
        return "tsv"
    if any(mark in first_line for mark in ",;") and (
            _looks_like_header(first_line, ",") or _looks_like_header(first_line, ";")):
        return "csv"
    return "text"


def _looks_like_json_lines(text):
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines[:_SAMPLE_LINES]:
        try:
            value = json.loads(line)
        except ValueError:
            return False
        if not isinstance(value, dict):
            return False
    if len(lines) == 1 and any(isinstance(item, list) for item in value.values()):
        # One minified object holding a list ({"data": [...]}) is a wrapped JSON export.
        return False
    return bool(lines)


def _looks_like_header(line, delimiter):
    """Whether a first line reads as column names rather than a sentence with a comma in it."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    cells = [cell.strip() for cell in cells]
    if len(cells) < 2 or sum(1 for cell in cells if not cell) > 1:
        return False
    return all(len(cell) <= 40 and len(cell.split()) <= 4 and not cell.endswith((".", "!", "?"))
               for cell in cells)
