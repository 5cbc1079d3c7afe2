"""Reading a large JSON document piece by piece: array elements are parsed one at a time
with ``json.JSONDecoder.raw_decode`` over a buffer that only ever holds the element being
read, so a million-note array never sits in memory whole."""

import json
import re

from ..errors import InputFormatError

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class JSONStream:
    """Incremental reader of one JSON document from a text stream, keeping line numbers.

    >>> import io
    >>> [value for value, line in JSONStream(io.StringIO('[{"a": 1},\\n {"a": 2}]'), "x.json").iter_array()]
    [{'a': 1}, {'a': 2}]
    """

    def __init__(self, text, name, *, chunk_chars=65_536, max_value_chars=64 * 1024 * 1024):
        self._text, self.name = text, name
        self._chunk_chars, self._max_value_chars = chunk_chars, max_value_chars
        self._decoder = json.JSONDecoder()
        self._buffer, self._pos, self._eof = "", 0, False
        self.line = 1

    def _fill(self):
        if self._eof:
            return False
        chunk = self._text.read(self._chunk_chars)
        if not chunk:
            self._eof = True
            return False
        if self._pos:
            self._buffer, self._pos = self._buffer[self._pos:], 0
        self._buffer += chunk
        return True

    def _advance(self, end):
        self.line += self._buffer.count("\n", self._pos, end)
        self._pos = end

    def error(self, message, position=None):
        """An InputFormatError naming the file and the line of ``position`` (default: here)."""
        line = self.line
        if position is not None and position > self._pos:
            line += self._buffer.count("\n", self._pos, position)
        return InputFormatError(f"{self.name}:{line}: {message}")

    def skip_whitespace(self):
        while True:
            self._advance(_WHITESPACE.match(self._buffer, self._pos).end())
            if self._pos < len(self._buffer) or not self._fill():
                return

    def peek(self):
        """The next non-space character, or "" at the end of the input."""
        self.skip_whitespace()
        return self._buffer[self._pos] if self._pos < len(self._buffer) else ""

    def _expect(self, character, what):
        if self.peek() != character:
            found = self.peek()
            raise self.error(f"not valid JSON (expected {what}, found {found!r})" if found
                             else f"not valid JSON (the document ends where {what} was expected)")
        self._advance(self._pos + 1)

    def value(self):
        """Parse the next value whole; returns (value, line where it starts)."""
        self.skip_whitespace()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                if not self._eof and len(self._buffer) - self._pos < self._max_value_chars:
                    self._fill()
                    continue
                if not self._eof:
                    raise self.error(f"a single JSON value is over {self._max_value_chars:,} characters") from None
                raise self.error(f"not valid JSON ({error.msg})", error.pos) from None
            # A number cut by the chunk boundary parses as a shorter number: read on to be sure.
            if end == len(self._buffer) and self._fill():
                continue
            line = self.line
            self._advance(end)
            return value, line

    def iter_array(self):
        """Yield (element, line) for each element of the array that comes next."""
        self._expect("[", "'['")
        if self.peek() == "]":
            self._advance(self._pos + 1)
            return
        while True:
            yield self.value()
            separator = self.peek()
            if separator == "]":
                self._advance(self._pos + 1)
                return
            if separator != ",":
                raise self.error("not valid JSON (expected ',' or ']' after an array element)" if separator
                                 else "not valid JSON (the array is never closed)")
            self._advance(self._pos + 1)
            if self.peek() == "]":
                raise self.error("not valid JSON (a comma before ']')")

    def iter_object(self, array_keys):
        """Walk the object that comes next, streaming the arrays under ``array_keys``.

        Yields ("element", value, line) for each element of those arrays, then one
        ("object", members, line) with the other members; a streamed array's member is
        left out of ``members`` and its key listed in ``members_streamed``; while one is
        streamed, ``current_key`` names it.
        """
        self.skip_whitespace()
        start = self.line
        self._expect("{", "'{'")
        members, self.members_streamed, self.current_key = {}, [], None
        if self.peek() == "}":
            self._advance(self._pos + 1)
        else:
            while True:
                if self.peek() != '"':
                    raise self.error("not valid JSON (expected a member name in double quotes)")
                key, _ = self.value()
                self._expect(":", "':'")
                if key in array_keys and self.peek() == "[":
                    self.current_key = key
                    for value, line in self.iter_array():
                        yield "element", value, line
                    self.members_streamed.append(key)
                else:
                    members[key], _ = self.value()
                separator = self.peek()
                if separator not in (",", "}"):
                    raise self.error("not valid JSON (expected ',' or '}' after an object member)" if separator
                                     else "not valid JSON (the object is never closed)")
                self._advance(self._pos + 1)
                if separator == "}":
                    break
        yield "object", members, start

    def expect_end(self):
        """Raise unless only whitespace is left."""
        if self.peek():
            raise self.error("not valid JSON (extra data after the top-level value)")
