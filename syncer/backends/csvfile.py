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

import hashlib
import io
import json
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _quote_ascii
from pathlib import Path
from typing import IO

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState
from syncer.backends.local import (
    OwnedKind,
    atomic_write,
    check_not_open_in_app,
    check_unchanged,
    owned_kind,
    owned_text,
    owned_value_from_text,
)
from syncer.errors import HeaderError, TrackerError
from syncer.model import CellValue, normalize_label

_BOM = b"\xef\xbb\xbf"
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
_STATE_FORMAT = "syncer-state/1"
_TEXT_MEMO_LIMIT = 10_000
_UNIQUE_KINDS = (OwnedKind.DRAFT, OwnedKind.ROW_ID)


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    newline: str  # "\n" (LF and CRLF files) or "\r" (old Mac files)

    def unquoted_pattern(self) -> re.Pattern[str]:
        return re.compile(f"[^{re.escape(self.delimiter)}{re.escape(self.newline)}]*")


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
                body = text[position : self._body_end(position, stop)]
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
                body = text[position : max(self._body_end(position, stop), position)]
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
        body_end = self._body_end(spans[0][0], stop)
        last_start, last_end = spans[-1]
        spans[-1] = (last_start, min(last_end, max(body_end, last_start)))
        return [text[start:end] for start, end in spans], stop

    def _body_end(self, start: int, stop: int) -> int:
        """Where a record's content ends: before its LF / CRLF / CR (none at end of file)."""
        text, end = self.text, stop
        if end > start and text[end - 1] == self.dialect.newline:
            end -= 1
            if self.dialect.newline == "\n" and end > start and text[end - 1] == "\r":
                end -= 1
        return end

    def line_ending(self, start: int, stop: int) -> str:
        return self.text[self._body_end(start, stop) : stop]


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


def state_json(rows: list[list[str]]) -> str:
    """``json.dumps({"format": ..., "rows": rows}, indent=1)``, byte for byte, built directly.

    With ``indent`` json.dumps runs its pure-Python encoder: most of a second for the state of
    a 100,000-row tracker. The state is text pairs only, so the layout is simple to write out.
    """
    if not all(type(cell) is str for row in rows for cell in row):
        return json.dumps({"format": _STATE_FORMAT, "rows": rows}, indent=1)
    if not rows:
        body = "[]"
    else:
        body = (
            "[\n"
            + ",\n".join(
                "  [\n" + ",\n".join("   " + _quote_ascii(cell) for cell in row) + "\n  ]"
                if row
                else "  []"
                for row in rows
            )
            + "\n ]"
        )
    return f'{{\n "format": {_quote_ascii(_STATE_FORMAT)},\n "rows": {body}\n}}'


class CsvBackend(Backend):
    """A tracker in a delimited text file."""

    def __init__(self, path: Path, *, header_row: int = 1, source: str | None = None) -> None:
        self.path = path
        self.header_row = header_row
        self.source = source or str(path)
        self.state_path = path.with_name(path.name + ".syncer.json")
        self._loaded: _Loaded | None = None

    def read(self) -> SheetData:
        try:
            data = self.path.read_bytes()
        except OSError as error:
            raise TrackerError(self.source, f"cannot read the file: {error.strerror}") from error
        fingerprint = hashlib.sha256(data).hexdigest()
        text, encoding, bom = decode(data)
        del data
        dialect = detect_dialect(text, self.header_row, self.path.suffix.lower())
        loaded = _Loaded(text, encoding, bom, dialect, fingerprint, self.header_row, self.source)
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
        if updates or new_columns:
            check_not_open_in_app(self.path, self.source)
            check_unchanged(self.path, self.source, loaded.fingerprint)
            plan = loaded.plan(updates, new_columns)
            atomic_write(self.path, plan.emit, backup=True)
            self._loaded = None
        if state != loaded.state:
            self._write_state(state)
        if self._loaded is not None:
            self._loaded.state = state

    def _read_state(self) -> SyncState:
        if not self.state_path.exists():
            return SyncState()
        try:
            stored = json.loads(self.state_path.read_text(encoding="utf-8"))
            rows = stored["rows"] if stored.get("format") == _STATE_FORMAT else None
        except (OSError, ValueError, AttributeError, KeyError) as error:
            raise TrackerError(
                self.source, f"the sync state file {self.state_path.name} is unreadable: {error}"
            ) from error
        if not isinstance(rows, list):
            raise TrackerError(self.source, f"{self.state_path.name} is not a syncer state file")
        return SyncState.from_rows(rows)

    def _write_state(self, state: SyncState) -> None:
        encoded = (state_json(state.to_rows()) + "\n").encode("utf-8")
        atomic_write(self.state_path, lambda out: out.write(encoded), backup=False)


class _Loaded:
    """One read of the file: its text, where each record starts, and the parsed table."""

    def __init__(
        self,
        text: str,
        encoding: str,
        bom: bool,
        dialect: _Dialect,
        fingerprint: str,
        header_row: int,
        source: str,
    ) -> None:
        self.text = text
        self.encoding = encoding
        self.bom = bom
        self.dialect = dialect
        self.fingerprint = fingerprint
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
        kinds: list[tuple[int, OwnedKind | None]] = []
        for index, (start, _stop, raws) in enumerate(self.scanner.records()):
            self.starts.append(start)
            self.field_counts.append(len(raws))
            if index < self.header_index:
                continue
            quoted = '"' in "".join(raws)  # one C-level scan instead of one call per field
            if index == self.header_index:
                self.header = [field_value(raw) for raw in raws] if quoted else raws
                kinds = [(i, owned_kind(h)) for i, h in enumerate(self.header) if owned_kind(h)]
                width = len(raws)
                continue
            width = max(width, len(raws))
            if quoted:
                raws = [field_value(raw) if raw[:1] == '"' else raw for raw in raws]
            row: list[CellValue] = [shared(value, value) if value else None for value in raws]
            for column, kind in kinds:
                if column < len(row) and isinstance(row[column], str):
                    row[column] = owned_value_from_text(str(row[column]), kind)
            self.rows.append(row)
        self.starts.append(len(self.text))
        self.header += [""] * (width - len(self.header))

    def plan(self, updates: Sequence[CellUpdate], new_columns: Sequence[str]) -> _Rewrite:
        header = list(self.header)
        if len(self.starts) - 1 <= self.header_index:
            raise HeaderError(self.source, f"there is no header row {self.header_index + 1}")
        for name in new_columns:
            if _find_column(header, name) is not None:
                raise HeaderError(self.source, f"column {name!r} already exists")
            header.append(name)
        changes: dict[int, dict[int, str]] = {}
        delimiter = self.dialect.delimiter
        needs_quotes = re.compile(f'[{re.escape(delimiter)}"\r\n]').search
        found: dict[str, tuple[int | None, OwnedKind]] = {}
        first_data_row, last_row = self.header_index + 2, len(self.starts) - 1
        texts: dict[tuple[OwnedKind, type, CellValue], str] = {}
        for update in updates:
            row = update.row
            if row < first_data_row:
                raise TrackerError(self.source, f"row {row} is not a data row")
            if row > last_row:
                raise TrackerError(self.source, f"row {row} is past the end of the file")
            where = found.get(update.column)
            if where is None:
                kind = owned_kind(update.column) or OwnedKind.TEXT
                where = found[update.column] = (_find_column(header, update.column), kind)
            column, kind = where
            if column is None:
                raise HeaderError(self.source, f"no column {update.column!r} in the header row")
            value = update.value
            key = (kind, type(value), value)
            text = texts.get(key)
            if text is None:
                text = owned_text(value, kind)
                if needs_quotes(text):
                    text = quote_if_needed(text, delimiter)
                if kind not in _UNIQUE_KINDS and len(texts) < _TEXT_MEMO_LIMIT:
                    texts[key] = text  # labels, urgencies and dates repeat on every row
            changes.setdefault(row - 1, {})[column] = text
        appended_header = [quote_if_needed(name, delimiter) for name in new_columns]
        return _Rewrite(self, changes, appended_header, len(self.header))


def _find_column(header: Sequence[str], wanted: str) -> int | None:
    if wanted in header:
        return header.index(wanted)
    key = normalize_label(wanted)
    for index, text in enumerate(header):
        if text and normalize_label(text) == key:
            return index
    return None


@dataclass
class _Rewrite:
    """The new file: the old text record by record, with owned fields replaced or appended."""

    loaded: _Loaded
    changes: dict[int, dict[int, str]]
    appended_header: list[str]
    width: int

    def emit(self, out: IO[bytes]) -> None:
        loaded = self.loaded
        if loaded.bom:
            out.write(_BOM)
        writer = io.TextIOWrapper(out, encoding=loaded.encoding, errors="replace", newline="")
        text, starts, header_index = loaded.text, loaded.starts, loaded.header_index
        delimiter = loaded.dialect.delimiter
        adding = len(self.appended_header)
        for index in range(len(starts) - 1):
            start, stop = starts[index], starts[index + 1]
            changed = self.changes.get(index)
            blank = loaded.field_counts[index] == 0
            if index < header_index or (changed is None and (not adding or blank)):
                writer.write(text[start:stop])
                continue
            raws = self._raw_fields(start, stop)
            if (adding and not blank) or index == header_index:
                raws += [""] * (self.width - len(raws))
                raws += self.appended_header if index == header_index else [""] * adding
            for column, field in (changed or {}).items():
                raws += [""] * (column + 1 - len(raws))
                raws[column] = field
            writer.write(delimiter.join(raws))
            writer.write(loaded.scanner.line_ending(start, stop))
        writer.flush()
        writer.detach()

    def _raw_fields(self, start: int, stop: int) -> list[str]:
        scanner = self.loaded.scanner
        if scanner.text.find('"', start, stop) < 0:
            body = scanner.text[start : stop - len(scanner.line_ending(start, stop))]
            return body.split(scanner.dialect.delimiter) if body else []
        return scanner.fields_at(start)[0]
