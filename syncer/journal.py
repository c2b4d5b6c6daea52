"""The write journal: every owned cell a run changes, recorded on disk before it is changed.

One JSON-lines file per run, ``<state dir>/journal/<run_id>.jsonl``: a header line (run id, start
time, the command line), then one line per cell (tracker, sheet row, Row ID, column, the text
before and after). ``syncer history`` lists the runs; ``syncer undo RUN`` puts back what a run
overwrote, but only in cells that still hold what that run wrote: a cell a person has edited
since is theirs and is reported, never reverted. A run that writes nothing leaves no journal.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any, TypeVar

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState, canonical_text, digest
from syncer.columns import find_column, owned_field, owned_headers
from syncer.errors import SyncerError, TrackerError
from syncer.lock import state_dir
from syncer.model import CellValue, normalize_label

JOURNAL_FOLDER = "journal"
_RUN_ID = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}")
_ARGV_LIMIT = 500
_LINES_PER_WRITE = 5_000

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

    def record(self, source: str, updates: Sequence[CellUpdate]) -> None:
        """Append (and fsync) one line per update. Call it before the updates are applied."""
        if not updates:
            return
        quoted_source = _quote(source) if type(source) is str else None
        self._write(_cell_line(source, quoted_source, update) for update in updates)

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
            self._write(_json_line(line) for line in lines)

    def _write(self, lines: Iterable[str]) -> None:
        """Append lines (the run's header line first, once), a batch at a time, then fsync:
        a 100,000-row first sync journals 600,000 cells, too many to hold as one text."""
        with self._writing:
            if not self._opened:
                header = {
                    "type": "run",
                    "run_id": self.run_id,
                    "started_at": self.started_at,
                    "argv": self.argv,
                    "marks_landed": True,
                }
                lines = itertools.chain([_json_line(header)], lines)
            _make_private_folder(self.folder)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
            descriptor = os.open(self.path, flags, 0o600)
            try:
                os.fchmod(descriptor, 0o600)
                size_before = os.lseek(descriptor, 0, os.SEEK_END)
                iterator = iter(lines)
                try:
                    while batch := list(itertools.islice(iterator, _LINES_PER_WRITE)):
                        batch.append("")  # the last line's newline
                        os.write(descriptor, "\n".join(batch).encode("utf-8"))
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


def _json_line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False)


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
        self.journal.record(self.source, updates)
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
    entries: list[JournalEntry]


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
    entries: list[JournalEntry] = []
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
            entries.append(entry)
            trackers.setdefault(entry.source)
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
        cells=sum(1 for entry in entries if entry.source in trackers),
        failed=tuple(failed),
    )
    return JournaledRun(summary, entries)


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


# -- undo ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoConflict:
    """A cell the undo left alone because it no longer holds what the run wrote."""

    source: str
    row: int | None  # the sheet row now, None when the row is gone
    row_id: str
    column: str
    now: str
    wrote: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.source}: no row with Row ID {self.row_id!r} any more; not restored"
        return (
            f"{self.source} row {self.row}, column {self.column}: now {self.now!r}, "
            f"the run wrote {self.wrote!r}; changed since, so kept"
        )


@dataclass
class UndoReport:
    run_id: str
    restored: int = 0
    unchanged: int = 0  # cells that already hold what was there before the run
    conflicts: list[UndoConflict] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why that tracker failed

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.failed


def undo(
    run_id: str,
    backend_for_source: Callable[[str], Backend],
    *,
    folder: Path | None = None,
    journal: Journal | None = None,
) -> UndoReport:
    """Put back what run ``run_id`` overwrote, where the cells still hold what it wrote.

    Rows are found by Row ID, wherever they moved. Restored cells' digests go into the sync
    state, so the next sync treats them as syncer's own again. With ``journal`` the restores are
    journaled as a run of their own (and can be undone in turn). A tracker that cannot be read
    or written is reported in ``failed``; the others go on.
    """
    run = read_run(run_id, folder)
    report = UndoReport(run_id)
    by_source: dict[str, list[JournalEntry]] = {}
    for entry in run.entries:
        by_source.setdefault(entry.source, []).append(entry)
    for source, entries in by_source.items():
        try:
            backend = backend_for_source(source)
            if journal is not None:
                backend = journal.wrap(backend)
            _undo_tracker(backend, entries, report)
        except TrackerError as error:
            report.failed[source] = error.message
        except SyncerError as error:
            report.failed[source] = str(error)
    return report


def _undo_tracker(backend: Backend, entries: list[JournalEntry], report: UndoReport) -> None:
    data = backend.read()
    id_column = find_column(data.header, owned_headers()["row_id"])
    if id_column is None:
        raise TrackerError(data.source, "no Row ID column: cannot find the rows the run wrote")
    rows_by_id: dict[str, int] = {}
    for position, cells in enumerate(data.rows):
        row_id = canonical_text(_cell(cells, id_column)).strip()
        if row_id:
            rows_by_id.setdefault(row_id, position)
    state = SyncState(
        {key: dict(cells) for key, cells in data.state.cells.items()}, data.state.data_rows
    )
    updates: list[CellUpdate] = []
    restored_fields: list[tuple[str, str, str]] = []
    for entry in _first_before_last_after(entries):
        index = rows_by_id.get(entry.row_id)
        column = find_column(data.header, entry.column)
        if index is None or column is None:
            report.conflicts.append(
                UndoConflict(entry.source, None, entry.row_id, entry.column, "", entry.after)
            )
            continue
        sheet_row = data.sheet_row(index)
        now = canonical_text(_cell(data.rows[index], column))
        if now == entry.before:
            report.unchanged += 1
            continue
        if now != entry.after:
            report.conflicts.append(
                UndoConflict(entry.source, sheet_row, entry.row_id, entry.column, now, entry.after)
            )
            continue
        header = str(data.header[column]).strip()
        owned = entry.field or owned_field(header)
        value = _typed(entry.before, owned)
        updates.append(
            CellUpdate(sheet_row, header, value, entry.row_id, expected=now, field=owned or "")
        )
        restored_fields.append((entry.row_id, owned or header, entry.before))
    if not updates:
        return
    kept = list(backend.recheck(updates))
    for update in updates:
        if update not in kept:
            report.conflicts.append(
                UndoConflict(
                    data.source, update.row, update.row_id, update.column, "?", update.expected
                )
            )
    written = {(update.row_id, update.column) for update in kept}
    for (row_id, key, before), update in zip(restored_fields, updates, strict=True):
        if (row_id, update.column) in written:
            state.cells.setdefault(row_id, {})[key] = digest(before)
    if kept:
        backend.write(kept, (), state)
    report.restored += len(kept)


def _first_before_last_after(entries: list[JournalEntry]) -> list[JournalEntry]:
    """One entry per cell: were a cell journaled twice in a run, undo goes back to the first
    ``before`` and expects the last ``after``."""
    merged: dict[tuple[str, str], JournalEntry] = {}
    for entry in entries:
        key = (entry.row_id, normalize_label(entry.column))
        first = merged.get(key)
        merged[key] = entry if first is None else replace(entry, before=first.before)
    return list(merged.values())


def _typed(text: str, owned: str | None) -> CellValue:
    """The cell value for a journaled text: Due Date and Last Synced go back as dates."""
    if text == "":
        return None
    try:
        if owned == "due_date":
            return date.fromisoformat(text)
        if owned == "last_synced":
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), datetime.min.time())
            return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return text


def _cell(cells: Sequence[CellValue], index: int) -> CellValue:
    return cells[index] if index < len(cells) else None
