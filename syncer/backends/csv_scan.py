"""Scanning a csv file's text into records and fields, kept as written; and streaming a big one.

Python's csv module cannot say how a field was written (quoted or not, which line ending inside
it), so records are scanned here: each record's extent is kept, so that a rewrite re-emits every
field syncer does not own from the original text unchanged.

A big file is read a block at a time (``streamed_records``): a record that may go on past the
block's end (no line ending yet, or a quoted field still open) is carried into the next block, so
every record is the one the whole-text scan finds.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from syncer.backends.replace_file import FileVersion
from syncer.errors import ConflictError, TrackerError, os_cause

BOM = b"\xef\xbb\xbf"
ENCODINGS = ("utf-8", "cp1252", "latin-1")  # the first that decodes the file; latin-1 always does
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
#: Bytes per read of a streamed file (tests make it tiny, to put block ends everywhere).
READ_BLOCK_BYTES = 1 << 22


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    newline: str  # "\n" (LF and CRLF files) or "\r" (old Mac files)

    def unquoted_pattern(self) -> re.Pattern[str]:
        return re.compile(f"[^{re.escape(self.delimiter)}{re.escape(self.newline)}]*")


class _Scanner:
    """Splits the file's text into records and fields, keeping each field's raw text."""

    def __init__(self, text: str, dialect: _Dialect, source: str, lines_before: int = 0) -> None:
        self.text = text
        self.dialect = dialect
        self.source = source
        self.lines_before = lines_before  # a streamed file's lines before ``text`` begins
        self._unquoted = dialect.unquoted_pattern()
        delimiter, newline = re.escape(dialect.delimiter), re.escape(dialect.newline)
        field = f'(?:"[^"]*(?:""[^"]*)*"[^{delimiter}{newline}]*|(?!")[^{delimiter}{newline}]*)'
        self._record = re.compile(f"{field}(?:{delimiter}{field})*")
        self._field = re.compile(f"({field}){delimiter}")

    def records(self) -> Iterator[tuple[int, int, list[str]]]:
        """Yield (start, stop, raw fields) for every record; stop is past its line ending."""
        text, newline, delimiter = self.text, self.dialect.newline, self.dialect.delimiter
        position, length = 0, len(text)
        while position < length:
            line_end = text.find(newline, position)
            stop = length if line_end < 0 else line_end + 1
            if text.find('"', position, stop) < 0:
                body = text[position : self.body_end(position, stop)]
                yield position, stop, body.split(delimiter) if body else []
            else:
                raws, stop = self.fields_at(position)
                yield position, stop, raws
            position = stop

    def fields_at(self, position: int) -> tuple[list[str], int]:
        """Tokenise the record starting at ``position``: its raw fields and where it stops.

        One regular expression finds the record's extent and one more splits it (both run in
        C); a record they do not cover to its line ending (an unclosed quote) goes through the
        field-by-field scan, which says what is wrong.
        """
        extent = self.record_extent(position)
        if extent is not None:
            stop, body = extent
            return self._field.findall(body + self.dialect.delimiter), stop
        return self.fields_one_by_one(position)

    def record_extent(self, position: int) -> tuple[int, str] | None:
        """Where the record at ``position`` stops, and its text without its line ending, as
        the record's regular expression finds them (None where it does not cover the record
        to its line ending, or for a blank line)."""
        text, length = self.text, len(self.text)
        newline = self.dialect.newline
        if position >= length or text.startswith((newline, "\r\n"), position):
            return None
        matched = self._record.match(text, position)
        if matched is None:
            return None
        end = matched.end()
        if end != length and text[end] != newline:
            return None
        stop = min(end + 1, length)
        return stop, text[position : max(self.body_end(position, stop), position)]

    def fields_one_by_one(self, position: int) -> tuple[list[str], int]:
        """``fields_at``, scanning field by field (and naming an unclosed quote's line)."""
        text, length = self.text, len(self.text)
        delimiter, newline = self.dialect.delimiter, self.dialect.newline
        if position >= length or text[position] == newline:
            return [], min(position + 1, length)
        if text.startswith("\r\n", position):
            return [], position + 2
        spans: list[tuple[int, int]] = []
        while True:
            start = position
            if position < length and text[position] == '"':
                quoted = _QUOTED.match(text, position)
                if quoted is None:
                    line = self.lines_before + text.count(newline, 0, position) + 1
                    raise TrackerError(
                        self.source, f"a quoted field opened on line {line} is never closed"
                    )
                position = quoted.end()
            matched = self._unquoted.match(text, position)
            position = matched.end() if matched else position
            spans.append((start, position))
            if position < length and text[position] == delimiter:
                position += 1
                continue
            break
        stop = min(position + 1, length)
        body_end = self.body_end(spans[0][0], stop)
        last_start, last_end = spans[-1]
        spans[-1] = (last_start, min(last_end, max(body_end, last_start)))
        return [text[start:end] for start, end in spans], stop

    def body_end(self, start: int, stop: int) -> int:
        """Where a record's content ends: before its LF / CRLF / CR (none at end of file)."""
        text, end = self.text, stop
        if end > start and text[end - 1] == self.dialect.newline:
            end -= 1
            if self.dialect.newline == "\n" and end > start and text[end - 1] == "\r":
                end -= 1
        return end

    def line_ending(self, start: int, stop: int) -> str:
        return self.text[self.body_end(start, stop) : stop]


def field_value(raw: str) -> str:
    """A field's value from its raw text: quotes removed and doubled quotes undone."""
    if not raw.startswith('"'):
        return raw
    quoted = _QUOTED.match(raw)
    if quoted is None:
        return raw
    return raw[1 : quoted.end() - 1].replace('""', '"') + raw[quoted.end() :]


def quote_if_needed(text: str, delimiter: str) -> str:
    """Quote a field syncer writes when it holds the delimiter, a quote or a line break."""
    if any(special in text for special in (delimiter, '"', "\r", "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had BOM). UTF-8 first, then Windows-1252, then Latin-1 (never fails).

    Every choice round-trips the bytes exactly, so untouched fields are re-written unchanged.
    """
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    for encoding in ENCODINGS:
        try:
            return body.decode(encoding), encoding, bom
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def detect_dialect(text: str, header_row: int, suffix: str, newline: str | None = None) -> _Dialect:
    """The delimiter most used on the header line; LF unless the file has none (``newline``:
    what the whole file says, when ``text`` is only its beginning)."""
    newline = newline or ("\n" if "\n" in text else "\r")
    if suffix == ".tsv":
        return _Dialect("\t", newline)
    header_line = _nth_line(text, newline, header_row)
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {candidate: unquoted.count(candidate) for candidate in (",", ";", "\t")}
    best = max(counts, key=lambda candidate: counts[candidate])
    return _Dialect(best if counts[best] else ",", newline)


def _nth_line(text: str, newline: str, number: int) -> str:
    position = 0
    for _ in range(number - 1):
        found = text.find(newline, position)
        if found < 0:
            break
        position = found + 1
    end = text.find(newline, position)
    return text[position : len(text) if end < 0 else end]


@dataclass(frozen=True)
class FileLayout:
    """What a streamed read learns from the file's bytes before scanning them."""

    version: FileVersion
    encoding: str
    bom: bool
    dialect: _Dialect


def survey(path: Path, header_row: int, source: str) -> FileLayout:
    """One pass over the file's bytes: its version (SHA-256 as it is read), the encoding that
    ``decode`` would choose, the BOM, and the dialect. Holds one block and the lines down to
    the header."""
    digest = hashlib.sha256()
    checkers = {name: codecs.getincrementaldecoder(name)() for name in ENCODINGS[:-1]}
    valid = dict.fromkeys(checkers, True)
    head, has_lf, bom = b"", False, False
    try:
        with path.open("rb") as handle:
            before = os.fstat(handle.fileno())
            first = True
            while True:
                block = handle.read(READ_BLOCK_BYTES)
                digest.update(block)
                body = block
                if first:
                    bom, first = block.startswith(BOM), False
                    body = block[len(BOM) :] if bom else block
                has_lf = has_lf or b"\n" in block
                if head.count(b"\n") < header_row or head.count(b"\r") < header_row:
                    head += body
                for name, checker in checkers.items():
                    if valid[name]:
                        try:
                            checker.decode(body, final=not block)
                        except UnicodeDecodeError:
                            valid[name] = False
                if not block:
                    break
            after = os.fstat(handle.fileno())
    except OSError as error:
        raise TrackerError(source, f"cannot read the file: {os_cause(error)}") from error
    version = FileVersion.of(after, digest.hexdigest())
    if not version.same_stat(before):
        raise ConflictError(source, f"{path.name} was being saved while syncer read it; try again")
    encoding = next((name for name in ENCODINGS[:-1] if valid[name]), ENCODINGS[-1])
    text = head.decode(encoding, errors="ignore")  # only a character cut at its end is lost
    suffix = path.suffix.lower()
    dialect = detect_dialect(text, header_row, suffix, "\n" if has_lf else "\r")
    return FileLayout(version, encoding, bom, dialect)


def streamed_records(
    path: Path, layout: FileLayout, source: str
) -> Iterator[tuple[_Scanner, int, int, list[str]]]:
    """``_Scanner.records`` of the whole file, a block at a time: (scanner, start, stop, raw
    fields), where ``scanner.text`` is the text read so far that holds the record.

    Read to its end, the file must still be the version ``survey`` saw (its SHA-256, inode,
    size and mtime): otherwise ConflictError, so no plan or rewrite mixes two versions.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(layout.encoding)()
    dialect = layout.dialect
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ConflictError(source, f"{path.name} cannot be read again: {error}") from error
    with handle:
        if layout.bom:
            digest.update(handle.read(len(BOM)))
        carry, lines = "", 0
        while True:
            block = handle.read(READ_BLOCK_BYTES)
            digest.update(block)
            at_end = not block
            text = carry + decoder.decode(block, final=at_end)
            scanner = _Scanner(text, dialect, source, lines)
            limit = len(text) if at_end else _open_quote_start(text, dialect.delimiter)
            consumed = 0
            try:
                for start, stop, raws in scanner.records():
                    if not at_end and (stop >= len(text) or stop > limit):
                        break
                    yield scanner, start, stop, raws
                    consumed = stop
            except TrackerError:
                if at_end:
                    raise
            if at_end:
                break
            lines += text.count(dialect.newline, 0, consumed)
            carry = text[consumed:]
        after = os.fstat(handle.fileno())
    if digest.hexdigest() != layout.version.sha256 or not layout.version.same_stat(after):
        raise ConflictError(
            source,
            f"{path.name} changed while syncing (saved by someone else?); nothing written, "
            "the next run plans it again",
        )


def _open_quote_start(text: str, delimiter: str) -> int:
    """Where a quoted field opens that may go on past the end of ``text`` (``len(text)`` when
    none may): a record reaching it could scan otherwise once more text is read.

    A quoted field's scan runs to the end of the text only when it opens a run of quotes of odd
    length and every later run is of even length (escaped quotes): so only the last odd run can
    open one, and only where a field starts (after a delimiter or a line break, or at the start).
    """
    position = text.rfind('"')
    while position >= 0:
        run_start = position
        while run_start and text[run_start - 1] == '"':
            run_start -= 1
        if (position + 1 - run_start) % 2:
            if run_start == 0 or text[run_start - 1] in (delimiter, "\n", "\r"):
                return run_start
            return len(text)
        position = text.rfind('"', 0, run_start)
    return len(text)
