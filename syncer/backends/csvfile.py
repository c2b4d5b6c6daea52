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
from operator import attrgetter
from pathlib import Path
from typing import IO

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState
from syncer.backends.cell_updates import row_groups
from syncer.backends.csv_rows import (
    _MEMO_SIZE,
    _MEMO_TEXT_LENGTH,
    _UNIQUE_KINDS,
    HeldPart,
    _HeldRows,
    _RowValues,
    _unquoted_records,
    split_held,
)
from syncer.backends.csv_scan import (
    BOM,
    FileLayout,
    _Dialect,
    _Scanner,
    decode,
    detect_dialect,
    field_value,
    quote_if_needed,
    streamed_records,
    survey,
)
from syncer.backends.legacy_encoding import fitter_for
from syncer.backends.local import (
    OwnedKind,
    check_not_open_in_app,
    owned_kind,
    owned_text,
)
from syncer.backends.replace_file import atomic_write, read_with_version
from syncer.backends.sidecar import read_state_file, write_state_json
from syncer.columns import find_column
from syncer.errors import HeaderError, TrackerError
from syncer.forked import Forked, can_fork
from syncer.model import CellValue
from syncer.spill import Spill

__all__ = [
    "CsvBackend",
    "_Dialect",
    "_Scanner",
    "decode",
    "field_value",
    "quote_if_needed",
]

#: A file of at least this many bytes is synced as a stream (``CsvBackend.read_streamed``):
#: bounded memory at some cost in time (1.6 to 1.7 times the in-memory time a row on a first
#: sync, 3.1 on a next night), so only where the in-memory path would not fit. In memory a
#: synced tracker peaks near 5 times its size (the 61 MB file of 100,000 rows at 284 to 315 MB),
#: so files under 100 MB stay there. Tests set 0 to stream every file.
STREAM_FROM_BYTES = 100_000_000
#: A file syncer has not synced yet (no sidecar) peaks near 13 times its size in memory on its
#: first sync (a 17 MB file of 100,000 rows at 219 MB: the new columns, drafts and their
#: updates), so it streams from this size.
FIRST_SYNC_STREAM_FROM_BYTES = 25_000_000
#: A file of more lines than this streams whatever its size: in memory each row costs about
#: 1.6 KB (4 columns) to 2.9 KB (34 columns) besides its text, so 300,000 short rows (10 MB
#: fresh, 95 MB synced) peaked at 522 and 611 MB. 120,000 rows stay near 350 MB at most.
STREAM_FROM_ROWS = 120_000
#: A state of this many rows or more is written beside the file by a forked child (a 100,000-row
#: sidecar takes 0.25 s to write, and the file's rewrite about as long).
SIDECAR_ASIDE_FROM_ROWS = 10_000
#: A held file of this many characters or more has the second half of its records read by a
#: forked child while this process reads the first (a 100,000-row synced file: 59 MB).
READ_IN_PARTS_FROM_CHARS = 8_000_000
_SHARED_TEXTS = 50_000  # distinct texts shared by rows not all held, before starting afresh
_STRETCH = 1 << 20  # characters of unchanged text written at once

_Memo = dict[tuple[type, CellValue], str]


def _more_rows_than(path: Path, limit: int) -> bool:
    """Whether the file may hold more than ``limit`` rows: its line breaks (LF, or CR in an old
    Mac file) less those inside quoted fields (a synced file's drafts have several lines each),
    pairing quotes as a csv reader does. A stray quote in an unquoted field throws the pairing
    off, so this is an estimate; it only chooses how to read. False when the file cannot be
    read (``read`` says why)."""
    try:
        with path.open("rb") as handle:
            data = handle.read()
    except OSError:
        return False
    newline = b"\n" if b"\n" in data else b"\r"
    lines = data.count(newline)
    if lines <= limit:
        return False
    inside = sum(quoted.count(newline) for quoted in _QUOTED_BYTES.findall(data))
    return lines - inside > limit


_QUOTED_BYTES = re.compile(rb'"[^"]*"')


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
        layout = FileLayout(version, encoding, bom, dialect)
        loaded = _InMemory(text, layout, self.header_row, self.source)
        sheet = self._data(loaded, self._read_state(), loaded.rows)
        sheet.text_rows = loaded.text_rows
        return sheet

    def read_streamed(self) -> SheetData | None:
        """A file of ``STREAM_FROM_BYTES`` or more (``FIRST_SYNC_STREAM_FROM_BYTES`` before its
        first sync), or of more than ``STREAM_FROM_ROWS`` rows, read as a stream (None for a
        smaller one, which ``read`` holds): its rows are read once and kept on disk for the
        plan's passes, and the plan keeps what grows with the file in ``SheetData.spill``,
        which the caller closes. The read and the rewrite each check that the file is still
        the version first surveyed."""
        try:
            size = self.path.stat().st_size
            synced = self.state_path.exists()
        except OSError:
            return None  # read() says what is wrong
        small = size < (STREAM_FROM_BYTES if synced else FIRST_SYNC_STREAM_FROM_BYTES)
        if small and not _more_rows_than(self.path, STREAM_FROM_ROWS):
            return None
        spill = Spill()
        try:
            layout = survey(self.path, self.header_row, self.source)
            loaded = _Streamed(self.path, layout, self.header_row, self.source, spill)
            data = self._data(loaded, self._read_state(spill), [])
        except BaseException:
            spill.close()
            raise
        data.row_source, data.spill = loaded, spill
        return data

    def _data(
        self, loaded: _Loaded, state: SyncState, rows: Sequence[list[CellValue]]
    ) -> SheetData:
        loaded.state = state
        self._loaded = loaded
        return SheetData(
            source=self.source,
            header_row=self.header_row,
            header=list(loaded.header),
            rows=rows,
            state=state,
            tab=self.path.name,
            text_fitter=fitter_for(loaded.encoding),
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
            # A big state's sidecar is written by a child while this process writes the file
            # (never a streamed one's: its state is in SQLite, which a fork must not share).
            aside=isinstance(loaded, _InMemory) and len(state.cells) >= SIDECAR_ASIDE_FROM_ROWS,
        )
        self._loaded = None

    def _read_state(self, spill: Spill | None = None) -> SyncState:
        """The sidecar's state: in memory, or for a streamed sync on disk in ``spill``."""
        if spill is None:
            return read_state_file(self.state_path, self.source)
        return read_state_file(self.state_path, self.source, spill.previous_cells)


_Record = tuple[_Scanner, int, int, int, "list[str] | None"]


class _Loaded:
    """One read of the file: how it is written, its header and width, and its records."""

    def __init__(self, layout: FileLayout, header_row: int, source: str) -> None:
        self.layout = layout
        self.encoding = layout.encoding
        self.bom = layout.bom
        self.dialect = layout.dialect
        self.version = layout.version
        self.header_index = header_row - 1
        self.source = source
        self.state = SyncState()
        self.header: list[str] = []
        self.record_count = 0

    def records(self) -> Iterator[_Record]:
        """Every record: (scanner, start, stop, field count, raw fields or None), where
        ``scanner.text[start:stop]`` is the record as written."""
        raise NotImplementedError

    def _take_header(self, raws: list[str], width: int) -> None:
        quoted = '"' in "".join(raws)
        self.header = [field_value(raw) for raw in raws] if quoted else raws
        self.header += [""] * (width - len(self.header))

    def plan(self, updates: Sequence[CellUpdate], new_columns: Sequence[str]) -> _Rewrite:
        """Check every update against the file and the header; the rewrite formats them."""
        header = list(self.header)
        if self.record_count <= self.header_index:
            raise HeaderError(self.source, f"there is no header row {self.header_index + 1}")
        for name in new_columns:
            if find_column(header, name) is not None:
                raise HeaderError(self.source, f"column {name!r} already exists")
            header.append(name)
        # One pass (a streamed plan's updates are read back from disk for each pass).
        names: set[str] = set()
        lowest, highest, previous, in_row_order = self.record_count + 1, 0, 0, True
        for group in row_groups(updates):
            row = group.row
            names.update(group.columns)
            if row < previous:
                in_row_order = False
            previous = row
            lowest, highest = min(lowest, row), max(highest, row)
        columns: dict[str, tuple[int, OwnedKind]] = {}
        for name in names:
            column = find_column(header, name)
            if column is not None:
                columns[name] = (column, owned_kind(name) or OwnedKind.TEXT)
        first_data_row, last_row = self.header_index + 2, self.record_count
        if names and (lowest < first_data_row or highest > last_row or len(columns) < len(names)):
            self._raise_first_problem(updates, columns, first_data_row, last_row)
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


class _InMemory(_Loaded):
    """The whole file's text, where each record starts, and the parsed table."""

    def __init__(self, text: str, layout: FileLayout, header_row: int, source: str) -> None:
        super().__init__(layout, header_row, source)
        self.scanner = _Scanner(text, layout.dialect, source)
        self.starts = array("q")
        self.field_counts = array("l")
        self.rows: Sequence[list[CellValue]] = []
        self.text_rows: _HeldRows | None = None
        self._parse()

    def _parse(self) -> None:
        width = 0
        values: _RowValues | None = None
        held: _HeldRows | None = None
        rows: list[list[CellValue]] = []
        scanner = self.scanner
        # Rows are kept as text unless the file holds a NUL (which joins a record's fields).
        by_text = "\x00" not in scanner.text
        records = (
            _unquoted_records(scanner)
            if by_text
            else ((start, stop, raws, False) for start, stop, raws in scanner.records())
        )
        header: list[str] = []
        for index, (start, stop, fields, quoted) in enumerate(records):
            self.starts.append(start)
            self.field_counts.append(len(fields))
            if index < self.header_index:
                continue
            width = max(width, len(fields))
            if index == self.header_index:
                header = scanner.fields_at(start)[0] if quoted else fields
                self._take_header(header, 0)
                # Rows held as text are built when planned and then dropped: sharing every
                # distinct text would keep them all (45 MB on a 100,000-row first sync).
                values = _RowValues(self.header, limit=_SHARED_TEXTS if by_text else None)
                if by_text:
                    held = _HeldRows(scanner, index + 1, values)
                    width = max(width, self._read_held(held, stop))
                    break
                continue
            assert values is not None
            rows.append(values.row(fields))
        self.starts.append(len(scanner.text))
        self.record_count = len(self.starts) - 1
        self.rows = rows
        if held is not None:
            held.done(len(scanner.text))
            self.rows = self.text_rows = held
        if header:
            self._take_header(header, width)

    def _read_held(self, held: _HeldRows, start: int) -> int:
        """Read the data records from ``start`` into ``held``: the widest one's width. A big
        file's second half is read by a forked child meanwhile (``split_held``)."""
        text = self.scanner.text
        cut = None
        if len(text) >= READ_IN_PARTS_FROM_CHARS and can_fork():
            cut = split_held(text, start, self.dialect.newline)
        end = len(text)
        parts = [held.read(start, end)] if cut is None else _in_halves(held, start, cut, end)
        for part in parts:
            self.starts.extend(part.starts)
            self.field_counts.extend(part.counts)
            held.take(part)
        return max(part.width for part in parts)

    def records(self) -> Iterator[_Record]:
        scanner, starts, counts = self.scanner, self.starts, self.field_counts
        for index in range(len(starts) - 1):
            yield scanner, starts[index], starts[index + 1], counts[index], None


def _in_halves(held: _HeldRows, start: int, cut: int, end: int) -> list[HeldPart]:
    """The records from ``start`` to ``end`` read in two parts, the one from ``cut`` by a
    forked child."""
    second = Forked(lambda: held.read(cut, end))
    try:
        first = held.read(start, cut)
        if first.stop != cut:  # a quote in an unquoted field misled the cut: read on here
            return [first, held.read(first.stop, end)]
        try:  # the halves meet: the cut is a record's start
            return [first, second.result()]
        except Exception:  # the child died, or met a bad record: read here (and raise)
            return [first, held.read(cut, end)]
    finally:
        second.cancel()


class _Streamed(_Loaded):
    """A big file read as a stream: one pass for the header, the width and the records, which
    also keeps the data rows, as ``_InMemory.rows`` holds them, on disk a chunk at a time
    (``spill.row_cache``): the plan reads them from there as often as it needs (scanning and
    converting a record costs several times unpickling it). The rewrite reads the file again.
    """

    def __init__(
        self, path: Path, layout: FileLayout, header_row: int, source: str, spill: Spill
    ) -> None:
        super().__init__(layout, header_row, source)
        self.path = path
        self.spill = spill
        self._rows = spill.row_cache()
        self._id_columns: list[int] = []
        width, header = 0, None
        values: _RowValues | None = None
        header_index = self.header_index
        keep = self._rows.append
        for index, (_scanner, _start, _stop, raws) in enumerate(self._scan()):
            if index > header_index:
                assert values is not None
                width = max(width, len(raws))
                keep(values.row(raws))
            elif index == header_index:
                header = raws
                width = len(raws)
                self._take_header(raws, 0)
                values = _RowValues(self.header, limit=_SHARED_TEXTS)
                self._id_columns = [
                    column for column, kind, _ in values.owned if kind is OwnedKind.ROW_ID
                ]
            self.record_count = index + 1
        self._rows.flush()
        if header is not None:
            self._take_header(header, width)

    def _scan(self) -> Iterator[tuple[_Scanner, int, int, list[str]]]:
        return streamed_records(self.path, self.layout, self.source)

    def records(self) -> Iterator[_Record]:
        for scanner, start, stop, raws in self._scan():
            yield scanner, start, stop, len(raws), raws

    def __iter__(self) -> Iterator[list[CellValue]]:
        """The data rows, as ``_InMemory.rows`` holds them. Before each chunk the previous
        state (on disk) is told the chunk's Row IDs, so that it fetches the rows the plan looks
        up in a few queries, not one each."""
        expect = getattr(self.state.cells, "expect", None)
        columns = self._id_columns
        for chunk in self._rows.chunks():
            if expect is not None and columns:
                expect(
                    [
                        value.strip()
                        for row in chunk
                        for column in columns
                        if column < len(row) and type(value := row[column]) is str
                    ]
                )
            yield from chunk


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
            out.write(BOM)
        # Strict: the plan fitted syncer's text to the encoding, so nothing is silently replaced.
        writer = io.TextIOWrapper(out, encoding=loaded.encoding, errors="strict", newline="")
        if isinstance(loaded, _InMemory) and not self.appended_header:
            self._emit_changed(writer, loaded)
        else:
            self._emit_each(writer)
        writer.flush()
        writer.detach()

    def _changed_records(self) -> Iterator[tuple[int, dict[int, str]]]:
        """(record index, field index -> new field text) of each updated record, in order."""
        targets, field_text = self._targets, self._field_text
        index, changed = -1, dict[int, str]()
        for group in row_groups(self.updates):
            if group.row - 1 != index:
                if changed:
                    yield index, changed
                index, changed = group.row - 1, {}
            for name, value in zip(group.columns, group.values, strict=True):
                column, kind, memo = targets[name]
                changed[column] = field_text(value, kind, memo)
        if changed:
            yield index, changed

    def _emit_each(self, writer: IO[str]) -> None:
        """Record by record: what a streamed file, or one gaining columns, needs."""
        header_index = self.loaded.header_index
        adding = bool(self.appended_header)
        changes = self._changed_records()
        next_index, next_changed = next(changes, (-1, None))
        for index, (scanner, start, stop, fields, scanned) in enumerate(self.loaded.records()):
            changed = None
            if index == next_index:
                changed = next_changed
                next_index, next_changed = next(changes, (-1, None))
            if index < header_index or (changed is None and (not adding or not fields)):
                writer.write(scanner.text[start:stop])
            else:
                self._record(writer, scanner, index, start, stop, fields, scanned, changed)

    def _emit_changed(self, writer: IO[str], loaded: _InMemory) -> None:
        """A held file gaining no column: the text between updated records is copied as it
        stands, a stretch at a time (a nightly run updates one record in six)."""
        scanner, starts, counts = loaded.scanner, loaded.starts, loaded.field_counts
        text, done = scanner.text, 0
        for index, changed in self._changed_records():
            start, stop = starts[index], starts[index + 1]
            _write_stretch(writer, text, done, start)
            self._record(writer, scanner, index, start, stop, counts[index], None, changed)
            done = stop
        _write_stretch(writer, text, done, len(text))

    def _record(
        self,
        writer: IO[str],
        scanner: _Scanner,
        index: int,
        start: int,
        stop: int,
        fields: int,
        scanned: list[str] | None,
        changed: dict[int, str] | None,
    ) -> None:
        """A record with new fields (``changed``, or the columns being added): its text with
        them put in place."""
        header_index = self.loaded.header_index
        if index != header_index and fields and (not changed or min(changed) >= fields):
            self._append_fields(writer, scanner, start, stop, fields, changed or {})
            return
        adding = len(self.appended_header)
        raws = list(scanned) if scanned is not None else _raw_fields(scanner, start, stop)
        if (adding and fields) or index == header_index:
            raws += [""] * (self.width - len(raws))
            raws += self.appended_header if index == header_index else [""] * adding
        for column, field in (changed or {}).items():
            raws += [""] * (column + 1 - len(raws))
            raws[column] = field
        writer.write(self.loaded.dialect.delimiter.join(raws))
        writer.write(scanner.line_ending(start, stop))

    def _append_fields(
        self,
        writer: IO[str],
        scanner: _Scanner,
        start: int,
        stop: int,
        fields: int,
        changed: dict[int, str],
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
        delimiter = self.loaded.dialect.delimiter
        body_end = scanner.body_end(start, stop)
        writer.write(scanner.text[start:body_end])
        if tail:
            writer.write(delimiter)
            writer.write(delimiter.join(tail))
        writer.write(scanner.text[body_end:stop])

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


def _write_stretch(writer: IO[str], text: str, start: int, stop: int) -> None:
    """``text[start:stop]``, a megabyte of characters at a time (never a copy of the file)."""
    for at in range(start, stop, _STRETCH):
        writer.write(text[at : min(at + _STRETCH, stop)])


def _raw_fields(scanner: _Scanner, start: int, stop: int) -> list[str]:
    if scanner.text.find('"', start, stop) < 0:
        body = scanner.text[start : stop - len(scanner.line_ending(start, stop))]
        return body.split(scanner.dialect.delimiter) if body else []
    return scanner.fields_at(start)[0]
