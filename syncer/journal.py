"""The write journal: every owned cell a run changes, recorded on disk before it is changed.

One JSON-lines file per run, ``<state dir>/journal/<run_id>.jsonl``: a header line (run id, start
time, the command line), then one line per cell (tracker, sheet row, Row ID, column, the text
before and after). ``syncer history`` lists the runs; ``syncer undo RUN`` (undo.py) puts back
what a run overwrote, but only in cells that still hold what that run wrote: a cell a person has
edited since is theirs and is reported, never reverted. A run that writes nothing leaves no
journal.

A write that adds columns (a first sync) journals their cells as one ``added_columns`` line per
tracker instead: the tracker, the columns' headers and owned fields, how many cells, and per row
its sheet row, Row ID and the ``digest`` of each cell written there ("-" for a cell left blank).
Those cells were blank before by construction, so the digest is all undo needs: it blanks a
cell whose text still has that digest and reports the others. The digests are the ones the
sync state keeps for the same cells, so journaling costs a look-up per cell, not a line.

Journals hold applicants' cell text, so the folder is 0700 and the files 0600.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shlex
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any, TypeVar

from syncer.backends.base import (
    Backend,
    CellUpdate,
    SheetData,
    StateCells,
    SyncState,
    canonical_text,
    digest,
)
from syncer.backends.cell_updates import PackedUpdates, row_groups
from syncer.columns import owned_field
from syncer.errors import SyncerError, TrackerError
from syncer.lock import state_dir

JOURNAL_FOLDER = "journal"
_RUN_ID = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}")
_ARGV_LIMIT = 500
_LINES_PER_WRITE = 5_000
#: In an ``added_columns`` row: a cell of the new columns this write left blank.
_NOT_WRITTEN = "-"

T = TypeVar("T")


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by start time: UTC timestamp to the microsecond, random suffix."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(3)}"


def journal_dir(state: Path | None = None) -> Path:
    """The journal folder inside the state folder (``state``: the config's ``run.state_dir``)."""
    return state_dir(state) / JOURNAL_FOLDER


def _journal_path(folder: Path, run_id: str) -> Path:
    if not _RUN_ID.fullmatch(run_id):
        raise SyncerError(f"{run_id!r} is not a run id (see `syncer history`)")
    return folder / f"{run_id}.jsonl"


@dataclass(frozen=True)
class JournalEntry:
    """One owned cell a run changed."""

    source: str
    row: int
    row_id: str
    column: str
    before: str
    after: str
    field: str = ""  # the owned field; "" in journals written before it was recorded
    #: For a cell of an ``added_columns`` line: the digest of what the run wrote (``after``
    #: is then "", its text not kept).
    after_digest: str = ""

    @property
    def wrote(self) -> str | None:
        """The text the run wrote, None when only its digest was journaled."""
        return None if self.after_digest else self.after

    def holds_after(self, now: str) -> bool:
        """Whether a cell's text ``now`` is what the run wrote there."""
        if self.after_digest:
            return digest(now) == self.after_digest
        return now == self.after


@dataclass(frozen=True)
class AddedColumns:
    """The cells one write put in the columns it added, all blank before (``added_columns``)."""

    source: str
    columns: tuple[str, ...]  # the headers, as written
    fields: tuple[str, ...]  # their owned fields
    cells: int
    rows: list[tuple[int, str, str]]  # (sheet row, Row ID, the digests aligned with columns)

    def entries(self) -> Iterator[JournalEntry]:
        for sheet_row, row_id, packed in self.rows:
            for column, name, written in zip(
                self.columns, self.fields, packed.split(" "), strict=True
            ):
                if written != _NOT_WRITTEN:
                    yield JournalEntry(
                        self.source, sheet_row, row_id, column, "", "", name, written
                    )


class Journal:
    """The journal of one run. Thread-safe: trackers synced in parallel share it."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        run_id: str | None = None,
        argv: Sequence[str] = (),
        now: datetime | None = None,
    ) -> None:
        started = (now or datetime.now(UTC)).astimezone(UTC)
        self.folder = folder if folder is not None else journal_dir()
        self.run_id = run_id or new_run_id(started)
        self.path = _journal_path(self.folder, self.run_id)
        self.started_at = started.isoformat(timespec="seconds")
        self.argv = shlex.join(argv)[:_ARGV_LIMIT]
        self._writing = threading.Lock()
        self._opened = False
        #: Trackers whose write landed (the backend's write returned), and those being written.
        self.landed: list[str] = []
        self.writing: set[str] = set()

    def record(
        self,
        source: str,
        updates: Sequence[CellUpdate],
        new_columns: Sequence[str] = (),
        state: SyncState | None = None,
    ) -> None:
        """Append (and fsync) the write's lines: one ``added_columns`` line for the cells of
        ``new_columns`` (``state``: the state the write stores, which holds their digests),
        one line per other update. Call it before the updates are applied."""
        if not updates:
            return
        quoted_source = _quote(source) if type(source) is str else None

        def pieces() -> Iterator[str]:
            others: Sequence[CellUpdate] = updates
            if new_columns:
                others = PackedUpdates()
                yield from _added_columns(source, updates, new_columns, state, others)
            yield from _cell_lines(source, quoted_source, others)

        self._write(pieces())

    def record_landed(self, source: str, cells: int) -> None:
        """Note that a tracker's recorded write went through (the file replaced, the batchUpdate
        answered): ``syncer history`` counts only these."""
        if cells:
            self._append([{"type": "landed", "source": source, "cells": cells}])

    def record_failure(self, source: str, message: str) -> None:
        """Note that a tracker's recorded write did not go through (or may have gone halfway)."""
        self._append([{"type": "failed", "source": source, "message": message}])

    def _append(self, lines: list[dict[str, Any]]) -> None:
        if lines:
            self._write(_json_line(line) + "\n" for line in lines)

    def _write(self, pieces: Iterable[str]) -> None:
        """Append the text of whole lines (the run's header line first, once), a batch of
        pieces at a time, then fsync: a big first sync's ``added_columns`` line holds 100,000
        rows, and a tracker's cells may be 600,000 lines, too many to hold as one text."""
        with self._writing:
            if not self._opened:
                header = {
                    "type": "run",
                    "run_id": self.run_id,
                    "started_at": self.started_at,
                    "argv": self.argv,
                    "marks_landed": True,
                }
                pieces = itertools.chain([_json_line(header) + "\n"], pieces)
            _make_private_folder(self.folder)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
            descriptor = os.open(self.path, flags, 0o600)
            try:
                os.fchmod(descriptor, 0o600)
                size_before = os.lseek(descriptor, 0, os.SEEK_END)
                iterator = iter(pieces)
                try:
                    while batch := list(itertools.islice(iterator, _LINES_PER_WRITE)):
                        os.write(descriptor, "".join(batch).encode("utf-8"))
                except BaseException:
                    os.ftruncate(descriptor, size_before)  # all the lines or none, as before
                    raise
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            self._opened = True

    def wrap(self, backend: Backend) -> Backend:
        """``backend``, with every write journaled first."""
        return JournaledBackend(backend, self)

    def opener(self, open_backend: Callable[[T], Backend]) -> Callable[[T], Backend]:
        """Wrap a backend opener (``sync.open_backend``) so every backend it opens is journaled."""
        return lambda config: self.wrap(open_backend(config))


def _json_line(item: object) -> str:
    return json.dumps(item, ensure_ascii=False)


def _cell_lines(
    source: str, quoted_source: str | None, updates: Sequence[CellUpdate]
) -> Iterator[str]:
    """``_cell_line(update) + "\\n"`` of each update, read a row at a time (``row_groups``: no
    ``CellUpdate`` made per cell), a row's part of its lines quoted once a row and a column's
    once a run: half the time for a nightly run's 45,000 cells."""
    quoted: dict[tuple[str, str], str] = {}
    for row, row_id, columns, fields, values, expected in row_groups(updates):
        plain = quoted_source is not None and type(row) is int and type(row_id) is str
        head = ""
        if plain:
            head = f'{{"type": "cell", "source": {quoted_source}, "row": {row}, '
            head += f'"row_id": {_quote(row_id)}, '
        for column, name, value, before in zip(columns, fields, values, expected, strict=True):
            where = quoted.get((column, name))
            if where is None and type(column) is str and type(name) is str:
                where = quoted[column, name] = (
                    f'"column": {_quote(column)}, "field": {_quote(name)}, "before": '
                )
            if plain and where is not None and type(before) is str:
                yield f'{head}{where}{_quote(before)}, "after": {_quote(canonical_text(value))}}}\n'
            else:  # a cell of other types: as json.dumps writes it
                update = CellUpdate(row, column, value, row_id, before, name)
                yield _cell_line(source, quoted_source, update) + "\n"


def _cell_line(source: str, quoted_source: str | None, update: CellUpdate) -> str:
    """``_json_line`` of a cell's entry, byte for byte, without building a dict per cell.

    json.dumps sets up an encoder on every call, which cost seconds on a 100,000-row first
    sync; the strings here go through the very function json.dumps uses for them.
    """
    after = canonical_text(update.value)
    row, row_id, column, field, before = (
        update.row,
        update.row_id,
        update.column,
        update.field,
        update.expected,
    )
    if not (
        quoted_source is not None
        and type(row) is int
        and type(row_id) is str
        and type(column) is str
        and type(field) is str
        and type(before) is str
    ):
        return _json_line(
            {
                "type": "cell",
                "source": source,
                "row": row,
                "row_id": row_id,
                "column": column,
                "field": field,
                "before": before,
                "after": after,
            }
        )
    return (
        f'{{"type": "cell", "source": {quoted_source}, "row": {row}, '
        f'"row_id": {_quote(row_id)}, "column": {_quote(column)}, "field": {_quote(field)}, '
        f'"before": {_quote(before)}, "after": {_quote(after)}}}'
    )


def _added_columns(
    source: str,
    updates: Sequence[CellUpdate],
    new_columns: Sequence[str],
    state: SyncState | None,
    others: PackedUpdates,
) -> Iterator[str]:
    """The ``added_columns`` line of a write's updates in columns it adds, a row at a time (no
    line when there are none); the updates still to journal a line each go to ``others``.

    A cell counts as added only when it was read blank (a ragged row may hold text past the
    header) and is named by its field and Row ID, which undo finds it by. The line is written
    in pieces, never held whole: a 100,000-row first sync would hold 50 MB more at its peak.
    """
    position = {header: index for index, header in enumerate(new_columns)}
    fields = [owned_field(header) or "" for header in new_columns]
    remembered = state.cells if state is not None else StateCells()
    cells = 0
    row_id: str | None = None  # a row's updates come together: a row is one piece
    sheet_row = 0
    digests: list[str] = []
    stored: dict[str, str] = {}
    for group in row_groups(_announced(updates, remembered)):
        row, group_id = group.row, group.row_id
        for column, name, value, expected in zip(
            group.columns, group.fields, group.values, group.expected, strict=True
        ):
            at = position.get(column)
            if at is None or expected or not name or not group_id:
                others.add_cell(row, group_id, column, name, value, expected)
                continue
            if group_id != row_id:
                if row_id is not None:
                    yield _added_row(sheet_row, row_id, digests) + ", "
                else:
                    yield (
                        f'{{"type": "added_columns", "source": {_json_line(source)}, '
                        f'"columns": {_json_line(list(new_columns))}, "rows": ['
                    )
                row_id, sheet_row = group_id, row
                digests = [_NOT_WRITTEN] * len(position)
                stored = remembered.pairs(row_id)
            digests[at] = stored.get(name) or digest(canonical_text(value))
            fields[at] = name
            cells += 1
    if row_id is not None:
        yield _added_row(sheet_row, row_id, digests)
        yield f'], "fields": {_json_line(fields)}, "cells": {cells}}}\n'


def _announced(updates: Sequence[CellUpdate], cells: object) -> Iterable[CellUpdate]:
    """The updates in order. A streamed sync's state (on disk, ``SpilledCells``) is told each
    chunk's Row IDs first (its updates, ``ChunkLog``, are on disk a chunk at a time too), so it
    reads those rows' digests a few queries a chunk instead of one query a row."""
    chunks = getattr(updates, "chunks", None)
    expect = getattr(cells, "expect", None)
    if chunks is None or expect is None:
        return updates
    return _each_announced(chunks(), expect)


def _each_announced(
    chunks: Iterable[list[CellUpdate]], expect: Callable[[list[str]], None]
) -> Iterator[CellUpdate]:
    for chunk in chunks:
        expect([update.row_id for update in chunk])
        yield from chunk


def _added_row(sheet_row: int, row_id: str, digests: list[str]) -> str:
    """One row of an ``added_columns`` line: ``[sheet row, Row ID, "digest digest ..."]``,
    as ``_json_line`` writes it (without its per-call set-up, as ``_cell_line``)."""
    packed = " ".join(digests)
    if type(sheet_row) is not int or type(row_id) is not str:
        return _json_line([sheet_row, row_id, packed])
    return f"[{sheet_row}, {_quote(row_id)}, {_quote(packed)}]"


def _make_private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)


class JournaledBackend(Backend):
    """A backend whose writes are recorded in the journal before they are applied.

    Anything else (``url``, ``row_link``, ``neutralises_formulas``...) is the inner backend's.
    """

    def __init__(self, inner: Backend, journal: Journal) -> None:
        self.inner = inner
        self.journal = journal
        self.source = inner.source
        self.cell_limit = inner.cell_limit  # a class attribute: __getattr__ would not see it

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read(self) -> SheetData:
        return self.inner.read()

    def recheck(self, updates: Sequence[CellUpdate]) -> Sequence[CellUpdate]:
        return self.inner.recheck(updates)

    def find_formulas(self, data: SheetData, updates: Sequence[CellUpdate]) -> set[tuple[int, int]]:
        return self.inner.find_formulas(data, updates)

    def write(
        self, updates: Sequence[CellUpdate], new_columns: Sequence[str], state: SyncState
    ) -> None:
        self.journal.record(self.source, updates, new_columns, state)
        self.journal.writing.add(self.source)
        try:
            self.inner.write(updates, new_columns, state)
        except TrackerError as error:
            if updates:
                self.journal.record_failure(self.source, error.message)
            raise
        finally:
            self.journal.writing.discard(self.source)
        self.journal.landed.append(self.source)
        self.journal.record_landed(self.source, len(updates))


# -- reading journals back -------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """One journaled run, for ``syncer history``."""

    run_id: str
    started_at: str
    argv: str
    trackers: tuple[str, ...]  # the trackers whose write landed
    cells: int  # the cells of those writes
    failed: tuple[str, ...] = ()


@dataclass
class JournaledRun:
    summary: RunSummary
    #: What the run journaled, in order: a cell's entry, or the cells of the columns a write
    #: added (kept as one record: ``syncer history`` need not expand 600,000 of them).
    records: list[JournalEntry | AddedColumns]

    @property
    def entries(self) -> list[JournalEntry]:
        """Every cell the run journaled, one entry each, in order."""
        cells: list[JournalEntry] = []
        for record in self.records:
            if isinstance(record, AddedColumns):
                cells.extend(record.entries())
            else:
                cells.append(record)
        return cells


def read_run(run_id: str, folder: Path | None = None) -> JournaledRun:
    """A run's journal. Raises SyncerError when there is none. A torn last line is skipped."""
    path = _journal_path(folder if folder is not None else journal_dir(), run_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SyncerError(f"no journal for run {run_id} (see `syncer history`)") from None
    except OSError as error:
        raise SyncerError(f"{path}: cannot read the journal ({error.strerror})") from error
    header: dict[str, Any] = {}
    records: list[JournalEntry | AddedColumns] = []
    counted: dict[str, int] = {}  # source -> cells journaled
    trackers: dict[str, None] = {}
    failed: dict[str, None] = {}
    landed: dict[str, None] = {}
    for line in text.split("\n"):  # not splitlines(): a cell may hold U+2028 and the like
        try:
            item = json.loads(line)
        except ValueError:
            continue
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "run":
            header = item
        elif kind == "cell":
            entry = JournalEntry(
                str(item["source"]),
                int(item["row"]),
                str(item["row_id"]),
                str(item["column"]),
                str(item["before"]),
                str(item["after"]),
                str(item.get("field", "")),
            )
            records.append(entry)
            counted[entry.source] = counted.get(entry.source, 0) + 1
            trackers.setdefault(entry.source)
        elif kind == "added_columns":
            added = AddedColumns(
                str(item["source"]),
                tuple(str(column) for column in item["columns"]),
                tuple(str(name) for name in item["fields"]),
                int(item["cells"]),
                [(int(row), str(row_id), str(packed)) for row, row_id, packed in item["rows"]],
            )
            records.append(added)
            counted[added.source] = counted.get(added.source, 0) + added.cells
            trackers.setdefault(added.source)
        elif kind == "failed":
            failed.setdefault(str(item["source"]))
        elif kind == "landed":
            landed.setdefault(str(item["source"]))
    if header.get("marks_landed"):
        trackers = landed
    else:  # a journal from before writes were marked: every tracker that did not fail
        trackers = {source: None for source in trackers if source not in failed}
    summary = RunSummary(
        run_id=run_id,
        started_at=str(header.get("started_at", "")),
        argv=str(header.get("argv", "")),
        trackers=tuple(trackers),
        cells=sum(cells for source, cells in counted.items() if source in trackers),
        failed=tuple(failed),
    )
    return JournaledRun(summary, records)


def list_runs(folder: Path | None = None) -> list[RunSummary]:
    """Every journaled run that wrote something (a write that landed), newest first."""
    where = folder if folder is not None else journal_dir()
    if not where.is_dir():
        return []
    run_ids = sorted(
        (path.stem for path in where.glob("*.jsonl") if _RUN_ID.fullmatch(path.stem)),
        reverse=True,
    )
    summaries = (read_run(run_id, where).summary for run_id in run_ids)
    return [summary for summary in summaries if summary.trackers]
