"""The updates a backend's re-check drops are known by the cell they write, not by identity: a
plan's updates are made afresh each time they are read, so the re-check returns equal updates,
never the planned objects themselves."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState
from syncer.config import TrackerConfig
from syncer.incremental import MEMO_KEY
from syncer.sync import RunOptions, open_backend, sync_tracker
from syncer.tracker_plan import unwritten

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tracker.csv"
OPTIONS = RunOptions(today=date(2026, 11, 26), now=datetime(2026, 11, 26, 2, 0))
EDITED_ROW = 3


class CopyingRecheck(Backend):
    """A tracker whose re-check finds row 3's Why edited, and returns copies of the rest."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.source = inner.source

    def read(self) -> SheetData:
        return self.inner.read()

    def recheck(self, updates: Sequence[CellUpdate]) -> Sequence[CellUpdate]:
        return [
            replace(update)
            for update in updates
            if (update.row, update.field) != (EDITED_ROW, "why")
        ]

    def write(
        self, updates: Sequence[CellUpdate], new_columns: Sequence[str], state: SyncState
    ) -> None:
        self.inner.write(updates, new_columns, state)


def test_only_the_cell_the_recheck_dropped_is_left_unwritten(tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE, tracker)
    config = TrackerConfig(source=str(tracker))

    result, plan = sync_tracker(
        config, OPTIONS, opener=lambda config: CopyingRecheck(open_backend(config))
    )

    assert result.failed is None and plan is not None
    assert result.cells_written == len(plan.updates) - 1
    assert result.conflicts == [
        f"{tracker} row {EDITED_ROW}, column Why: the row or cell changed while syncer was "
        "running; not written (the next run plans it again)"
    ]
    [edited_id] = {u.row_id for u in plan.updates if u.row == EDITED_ROW}
    stored = open_backend(config).read().state.cells
    assert "why" not in stored[edited_id] and MEMO_KEY not in stored[edited_id]
    assert all("why" in stored[u.row_id] for u in plan.updates if u.row != EDITED_ROW)


def test_unwritten_are_the_planned_updates_whose_cell_was_not_kept() -> None:
    planned = [
        CellUpdate(2, "Why", "a", "r1"),
        CellUpdate(2, "Urgency", "overdue", "r1"),
        CellUpdate(3, "Why", "b", "r2"),
    ]
    kept = [replace(planned[1])]

    assert unwritten(planned, kept) == [planned[0], planned[2]]
    assert unwritten(planned, [replace(u) for u in planned]) == []


def with_copies(tracker: Path) -> None:
    """The tracker with its first two records copied to its end."""
    with tracker.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    with tracker.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([*records, *records[1:3]])


def test_a_plan_writes_a_cell_at_most_once(tmp_path: Path) -> None:
    """What ``unwritten`` relies on, on a first sync and on a later one with copied rows."""
    tracker = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE, tracker)
    config = TrackerConfig(source=str(tracker))
    plans = []
    for _ in range(2):
        with_copies(tracker)
        result, plan = sync_tracker(config, OPTIONS)
        assert result.failed is None and plan is not None and plan.updates
        plans.append(plan)

    for plan in plans:
        cells = [(u.row, u.column) for u in plan.updates]
        assert len(cells) == len(set(cells))
