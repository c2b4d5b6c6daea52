"""A tracker in a .csv (or .tsv) file, rewritten byte-for-byte except syncer's own fields.

Python's csv module cannot say how a field was written (quoted or not, which line ending inside
it), so records are scanned here: each record's extent is kept, and on write every field syncer
does not own is re-emitted from the original text unchanged. Everything reads as text (csv has no
types), except owned Due Date / Last Synced cells, which read back as date / datetime.

Layout choices: a UTF-8 byte order mark and the line endings are kept; the delimiter (``,``,
``;`` or tab) is the one used most on the header line. New owned columns go at the right of the
widest record; when they are added every non-blank record from the header down is padded to that
width so the file stays rectangular (title rows above the header and blank lines are untouched).
The sync state lives beside the file in ``<name>.csv.syncer.json``.
"""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import IO

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState
from syncer.backends.legacy_encoding import fitter_for
from syncer.backends.local import (
    OwnedKind,
    check_not_open_in_app,
    owned_kind,
    owned_text,
    owned_value_from_text,
)
from syncer.backends.replace_file import FileVersion, atomic_write, read_with_version
from syncer.backends.sidecar import read_state_file, write_state_json
from syncer.columns import find_column
from syncer.errors import HeaderError, TrackerError
from syncer.model import CellValue

_BOM = b"\xef\xbb\xbf"
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
_MEMO_SIZE = 2_500  # remembered texts per column
_MEMO_TEXT_LENGTH = 200  # longer texts rarely repeat; remembering them would cost memory
_UNIQUE_KINDS = (OwnedKind.DRAFT, OwnedKind.ROW_ID)

_Memo = dict[tuple[type, CellValue], str]


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    newline: str  # "\n" (LF and CRLF files) or "\r" (old Mac files)

    def unquoted_pattern(self) -> re.Pattern[str]:
        return re.compile(f"[^{re.escape(self.delimiter)}{re.escape(self.newline)}]*")


def _converted(text: str, kind: OwnedKind, converted: dict[str, CellValue]) -> CellValue:
    """``owned_value_from_text``, once per distinct text of a column: due dates and actions
    recur all down a big file (dates and text are immutable, so rows may share them). Draft
    paths and row ids are unique per row, so caching them would only cost memory."""
    if kind in _UNIQUE_KINDS:
        return owned_value_from_text(text, kind)
    try:
        return converted[text]
    except KeyError:
        value = converted[text] = owned_value_from_text(text, kind)
        return value


class _Scanner:
    """Splits the file's text into records and fields, keeping each field's raw text."""

    def __init__(self, text: str, dialect: _Dialect, source: str) -> None:
        self.text = text
        self.dialect = dialect
        self.source = source
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
        text, length = self.text, len(self.text)
        newline = self.dialect.newline
        blank = position >= length or text.startswith((newline, "\r\n"), position)
        matched = None if blank else self._record.match(text, position)
        if matched is not None:
            end = matched.end()
            if end == length or text[end] == newline:
                stop = min(end + 1, length)
                body = text[position : max(self.body_end(position, stop), position)]
                return self._field.findall(body + self.dialect.delimiter), stop
        return self.fields_one_by_one(position)

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
                    line = text.count(newline, 0, position) + 1
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
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return body.decode(encoding), encoding, bom
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def detect_dialect(text: str, header_row: int, suffix: str) -> _Dialect:
    newline = "\n" if "\n" in text else "\r"
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


class CsvBackend(Backend):
    """A tracker in a delimited text file."""

    def __init__(self, path: Path, *, header_row: int = 1, source: str | None = None) -> None:
        self.path = path
        self.header_row = header_row
        self.source = source or str(path)
        self.state_path = path.with_name(path.name + ".syncer.json")
        self._loaded: _Loaded | None = None

    def read(self) -> SheetData:
        data, version = read_with_version(self.path, self.source)
        text, encoding, bom = decode(data)
        del data
        dialect = detect_dialect(text, self.header_row, self.path.suffix.lower())
        loaded = _Loaded(text, encoding, bom, dialect, version, self.header_row, self.source)
        state = self._read_state()
        loaded.state = state
        self._loaded = loaded
        return SheetData(
            source=self.source,
            header_row=self.header_row,
            header=list(loaded.header),
            rows=loaded.rows,
            state=state,
            tab=self.path.name,
            text_fitter=fitter_for(encoding),
        )

    def write(
        self,
        updates: Sequence[CellUpdate],
        new_columns: Sequence[str],
        state: SyncState,
    ) -> None:
        """Apply owned-cell updates; with nothing to change (and the same state) touch nothing."""
        if self._loaded is None:
            self.read()
        loaded = self._loaded
        assert loaded is not None
        if not updates and not new_columns and state == loaded.state:
            return

        def state_writer(out: IO[bytes]) -> None:
            write_state_json(out, state.iter_rows())

        if not updates and not new_columns:
            atomic_write(
                self.state_path, state_writer, backup=False, like=self.path, source=self.source
            )
            loaded.state = state
            return
        check_not_open_in_app(self.path, self.source)
        companions = [(self.state_path, state_writer)] if state != loaded.state else []
        atomic_write(
            self.path,
            loaded.plan(updates, new_columns).emit,
            backup=True,
            expected=loaded.version,
            companions=companions,
            source=self.source,
        )
        self._loaded = None

    def _read_state(self) -> SyncState:
        return read_state_file(self.state_path, self.source)


class _Loaded:
    """One read of the file: its text, where each record starts, and the parsed table."""

    def __init__(
        self,
        text: str,
        encoding: str,
        bom: bool,
        dialect: _Dialect,
        version: FileVersion,
        header_row: int,
        source: str,
    ) -> None:
        self.text = text
        self.encoding = encoding
        self.bom = bom
        self.dialect = dialect
        self.version = version
        self.header_index = header_row - 1
        self.source = source
        self.state = SyncState()
        self.scanner = _Scanner(text, dialect, source)
        self.starts = array("q")
        self.field_counts = array("l")
        self.header: list[str] = []
        self.rows: list[list[CellValue]] = []
        self._parse()

    def _parse(self) -> None:
        width = 0
        # One string object per distinct text: stages, dates, channels and industries recur
        # all down a file, so a 100,000-row file holds a few hundred of them in a million cells.
        seen: dict[str, str] = {}
        shared = seen.setdefault
        owned: list[tuple[int, OwnedKind, dict[str, CellValue]]] = []
        for index, (start, _stop, raws) in enumerate(self.scanner.records()):
            self.starts.append(start)
            self.field_counts.append(len(raws))
            if index < self.header_index:
                continue
            quoted = '"' in "".join(raws)  # one C-level scan instead of one call per field
            if index == self.header_index:
                self.header = [field_value(raw) for raw in raws] if quoted else raws
                owned = [
                    (i, kind, {}) for i, h in enumerate(self.header) if (kind := owned_kind(h))
                ]
                width = len(raws)
                continue
            width = max(width, len(raws))
            if quoted:
                raws = [field_value(raw) if raw[:1] == '"' else raw for raw in raws]
            row: list[CellValue] = [shared(value, value) if value else None for value in raws]
            for column, kind, converted in owned:
                if column < len(row):
                    text = row[column]
                    if type(text) is str:
                        row[column] = _converted(text, kind, converted)
            self.rows.append(row)
        self.starts.append(len(self.text))
        self.header += [""] * (width - len(self.header))

    def plan(self, updates: Sequence[CellUpdate], new_columns: Sequence[str]) -> _Rewrite:
        """Check every update against the file and the header; the rewrite formats them."""
        header = list(self.header)
        if len(self.starts) - 1 <= self.header_index:
            raise HeaderError(self.source, f"there is no header row {self.header_index + 1}")
        for name in new_columns:
            if find_column(header, name) is not None:
                raise HeaderError(self.source, f"column {name!r} already exists")
            header.append(name)
        names = {update.column for update in updates}
        columns: dict[str, tuple[int, OwnedKind]] = {}
        for name in names:
            column = find_column(header, name)
            if column is not None:
                columns[name] = (column, owned_kind(name) or OwnedKind.TEXT)
        row_numbers = [update.row for update in updates]
        first_data_row, last_row = self.header_index + 2, len(self.starts) - 1
        if row_numbers and (
            min(row_numbers) < first_data_row
            or max(row_numbers) > last_row
            or len(columns) < len(names)
        ):
            self._raise_first_problem(updates, columns, first_data_row, last_row)
        in_row_order = row_numbers == sorted(row_numbers)
        del row_numbers
        # A stable sort: of two updates to one cell the later still wins, as it always has.
        ordered = updates if in_row_order else sorted(updates, key=attrgetter("row"))
        appended_header = [quote_if_needed(name, self.dialect.delimiter) for name in new_columns]
        return _Rewrite(self, ordered, columns, appended_header, len(self.header))

    def _raise_first_problem(
        self,
        updates: Sequence[CellUpdate],
        columns: dict[str, tuple[int, OwnedKind]],
        first_data_row: int,
        last_row: int,
    ) -> None:
        """Raise the error of the first update (in the given order) that cannot be applied."""
        for update in updates:
            if update.row < first_data_row:
                raise TrackerError(self.source, f"row {update.row} is not a data row")
            if update.row > last_row:
                raise TrackerError(self.source, f"row {update.row} is past the end of the file")
            if update.column not in columns:
                raise HeaderError(self.source, f"no column {update.column!r} in the header row")


class _Rewrite:
    """The new file: the old text record by record, with owned fields replaced or appended.

    Each record's new fields are formatted as it is written, from the updates in row order, so
    the rewrite never holds every new field's text at once (600,000 of them on a 100,000-row
    first sync).
    """

    def __init__(
        self,
        loaded: _Loaded,
        updates: Sequence[CellUpdate],
        columns: dict[str, tuple[int, OwnedKind]],
        appended_header: list[str],
        width: int,
    ) -> None:
        self.loaded = loaded
        self.updates = updates  # in row order
        self.columns = columns  # update column -> (field index, kind)
        self.appended_header = appended_header
        self.width = width
        self._needs_quotes = re.compile(f'[{re.escape(loaded.dialect.delimiter)}"\r\n]').search
        # Per column, so no key holds the kind (an Enum member hashes in Python, slowly).
        self._targets: dict[str, tuple[int, OwnedKind, _Memo | None]] = {
            name: (index, kind, None if kind in _UNIQUE_KINDS else {})
            for name, (index, kind) in columns.items()
        }

    def emit(self, out: IO[bytes]) -> None:
        loaded = self.loaded
        if loaded.bom:
            out.write(_BOM)
        # Strict: the plan fitted syncer's text to the encoding, so nothing is silently replaced.
        writer = io.TextIOWrapper(out, encoding=loaded.encoding, errors="strict", newline="")
        text, starts, header_index = loaded.text, loaded.starts, loaded.header_index
        delimiter = loaded.dialect.delimiter
        adding = len(self.appended_header)
        updates, position, count = self.updates, 0, len(self.updates)
        next_record = updates[0].row - 1 if count else -1
        targets, field_text = self._targets, self._field_text
        for index in range(len(starts) - 1):
            start, stop = starts[index], starts[index + 1]
            changed: dict[int, str] | None = None
            if index == next_record:
                changed = {}
                while position < count and updates[position].row - 1 == index:
                    update = updates[position]
                    column, kind, memo = targets[update.column]
                    changed[column] = field_text(update.value, kind, memo)
                    position += 1
                next_record = updates[position].row - 1 if position < count else -1
            fields = loaded.field_counts[index]
            if index < header_index or (changed is None and (not adding or not fields)):
                writer.write(text[start:stop])
            elif index != header_index and fields and (not changed or min(changed) >= fields):
                self._append_fields(writer, start, stop, fields, changed or {})
            else:
                raws = self._raw_fields(start, stop)
                if (adding and fields) or index == header_index:
                    raws += [""] * (self.width - len(raws))
                    raws += self.appended_header if index == header_index else [""] * adding
                for column, field in (changed or {}).items():
                    raws += [""] * (column + 1 - len(raws))
                    raws[column] = field
                writer.write(delimiter.join(raws))
                writer.write(loaded.scanner.line_ending(start, stop))
        writer.flush()
        writer.detach()

    def _append_fields(
        self, writer: IO[str], start: int, stop: int, fields: int, changed: dict[int, str]
    ) -> None:
        """A record whose new fields all lie past its end: its text as it is, then the new
        fields (blank where a new column gets nothing). Saves splitting every record of a first
        sync, which only appends columns."""
        width = max(fields, self.width) + len(self.appended_header)
        if changed:
            width = max(width, max(changed) + 1)
        tail = [""] * (width - fields)
        for column, field in changed.items():
            tail[column - fields] = field
        loaded = self.loaded
        body_end = loaded.scanner.body_end(start, stop)
        writer.write(loaded.text[start:body_end])
        if tail:
            writer.write(loaded.dialect.delimiter)
            writer.write(loaded.dialect.delimiter.join(tail))
        writer.write(loaded.text[body_end:stop])

    def _field_text(self, value: CellValue, kind: OwnedKind, memo: _Memo | None) -> str:
        """The field as written: the owned text, quoted when it needs quotes."""
        key = (type(value), value)
        text = None if memo is None else memo.get(key)
        if text is None:
            text = owned_text(value, kind)
            if self._needs_quotes(text):
                text = quote_if_needed(text, self.loaded.dialect.delimiter)
            if memo is not None and len(text) <= _MEMO_TEXT_LENGTH and len(memo) < _MEMO_SIZE:
                memo[key] = text  # labels, urgencies and dates repeat on every row
        return text

    def _raw_fields(self, start: int, stop: int) -> list[str]:
        scanner = self.loaded.scanner
        if scanner.text.find('"', start, stop) < 0:
            body = scanner.text[start : stop - len(scanner.line_ending(start, stop))]
            return body.split(scanner.dialect.delimiter) if body else []
        return scanner.fields_at(start)[0]
