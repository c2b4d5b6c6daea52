"""Undo: put back what a journaled run overwrote, where a cell still holds what it wrote.

A cell a person has edited since the run is theirs: it is reported, never reverted. Rows are
found by Row ID, wherever they moved; the restores are journaled as a run of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from syncer.backends.base import Backend, CellUpdate, SyncState, canonical_text, digest
from syncer.columns import find_column, owned_field, owned_headers
from syncer.errors import SyncerError, TrackerError
from syncer.journal import Journal, JournalEntry, read_run
from syncer.model import CellValue, normalize_label


@dataclass(frozen=True)
class UndoConflict:
    """A cell the undo left alone because it no longer holds what the run wrote."""

    source: str
    row: int | None  # the sheet row now, None when the row is gone
    row_id: str
    column: str
    now: str
    wrote: str | None  # None: the run journaled only the digest of what it wrote

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.source}: no row with Row ID {self.row_id!r} any more; not restored"
        wrote = "something else" if self.wrote is None else repr(self.wrote)
        return (
            f"{self.source} row {self.row}, column {self.column}: now {self.now!r}, "
            f"the run wrote {wrote}; changed since, so kept"
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
    columns: dict[str, int | None] = {}
    for entry in _first_before_last_after(entries):
        index = rows_by_id.get(entry.row_id)
        if entry.column not in columns:
            columns[entry.column] = find_column(data.header, entry.column)
        column = columns[entry.column]
        if index is None or column is None:
            report.conflicts.append(
                UndoConflict(entry.source, None, entry.row_id, entry.column, "", entry.wrote)
            )
            continue
        sheet_row = data.sheet_row(index)
        now = canonical_text(_cell(data.rows[index], column))
        if now == entry.before:
            report.unchanged += 1
            continue
        if not entry.holds_after(now):
            report.conflicts.append(
                UndoConflict(entry.source, sheet_row, entry.row_id, entry.column, now, entry.wrote)
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
    kept_ones = set(kept)  # not ``in kept``: a first sync's undo rechecks 600,000 cells
    for update in updates:
        if update not in kept_ones:
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
