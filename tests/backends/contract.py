"""The contract every tracker backend honours, as one abstract test class (fsspec style).

A backend's test module subclasses ``BackendContract`` and provides the ``make_tracker`` fixture:
given a header and data rows (text or None), it stores a new tracker in that backend and returns a
``StoredTracker``. Values are text so that every backend (csv has no types) can hold them.

Decision documented here: ``write([], [], state)`` with the state the backend read is a no-op (the
tracker is not touched, not even rewritten), so callers need not special-case "nothing to do".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from syncer.backends.base import Backend, CellUpdate, SyncState, canonical_text
from syncer.errors import HeaderError, TrackerError
from syncer.model import CellValue

Rows = list[list[str | None]]


@dataclass
class StoredTracker:
    """A tracker stored by one backend: its Backend, a fresh Backend on it, its raw content."""

    backend: Backend
    reopen: Callable[[], Backend]
    raw: Callable[[], object]


MakeTracker = Callable[[list[str], Rows], StoredTracker]

HEADER = ["Stage", "Notes", "Company", "Position"]
ROWS: Rows = [
    ["applied", "met at fair", "Acme", "Engineer"],
    ["interviewed", None, "Globex", "Analyst"],
]


def as_text(row: list[CellValue], width: int) -> list[str]:
    padded = list(row[:width]) + [None] * (width - len(row))
    return [canonical_text(value) for value in padded]


def expected_text(row: list[str | None], width: int) -> list[str]:
    return [value or "" for value in row] + [""] * (width - len(row))


class BackendContract:
    """Inherit this (in a class named Test...) and define the ``make_tracker`` fixture."""

    @pytest.fixture
    def make_tracker(self) -> MakeTracker:
        raise NotImplementedError("a backend's test class provides make_tracker")

    def test_reads_header_and_rows_in_any_column_order(self, make_tracker: MakeTracker) -> None:
        data = make_tracker(HEADER, ROWS).backend.read()
        assert data.header == HEADER
        assert data.header_row == 1
        assert [as_text(row, 4) for row in data.rows] == [expected_text(r, 4) for r in ROWS]
        assert data.sheet_row(1) == 3

    def test_ragged_rows_read_as_short_rows(self, make_tracker: MakeTracker) -> None:
        rows: Rows = [["applied", None, "Acme"], ["offer"], ROWS[0]]
        data = make_tracker(HEADER, rows).backend.read()
        assert [as_text(row, 4) for row in data.rows] == [expected_text(r, 4) for r in rows]

    def test_blank_rows_keep_the_rows_below_in_place(self, make_tracker: MakeTracker) -> None:
        rows: Rows = [ROWS[0], [], [None, None, None, None], ROWS[1]]
        data = make_tracker(HEADER, rows).backend.read()
        assert len(data.rows) == 4
        assert all(value is None for row in data.rows[1:3] for value in row)
        assert as_text(data.rows[3], 4) == expected_text(ROWS[1], 4)

    def test_new_columns_are_appended_at_the_right(self, make_tracker: MakeTracker) -> None:
        tracker = make_tracker(HEADER, ROWS)
        tracker.backend.read()
        tracker.backend.write([], ["Next Action", "Due Date"], SyncState())
        data = tracker.reopen().read()
        assert data.header == [*HEADER, "Next Action", "Due Date"]
        assert [as_text(row, 4) for row in data.rows] == [expected_text(r, 4) for r in ROWS]
        assert all(value is None for row in data.rows for value in row[4:])

    def test_updates_land_in_the_right_cells(self, make_tracker: MakeTracker) -> None:
        tracker = make_tracker(HEADER, ROWS)
        tracker.backend.read()
        updates = [
            CellUpdate(3, "Next Action", "Follow up"),
            CellUpdate(3, "Due Date", date(2024, 5, 6)),
            CellUpdate(2, "Last Synced", datetime(2024, 5, 1, 21, 5)),
            CellUpdate(2, "Draft", 'Dear Ms Smith,\n\nThank you, "truly"; it was great.'),
        ]
        tracker.backend.write(
            updates, ["Next Action", "Due Date", "Last Synced", "Draft"], SyncState()
        )
        data = tracker.reopen().read()
        first, second = (dict(zip(data.header, row, strict=False)) for row in data.rows)
        assert second["Next Action"] == "Follow up"
        assert second["Due Date"] == date(2024, 5, 6)
        assert first["Last Synced"] == datetime(2024, 5, 1, 21, 5)
        assert first["Draft"] == updates[3].value
        assert first.get("Next Action") is None and second.get("Draft") is None
        assert [as_text(row[:4], 4) for row in data.rows] == [expected_text(r, 4) for r in ROWS]

    def test_existing_owned_cells_are_overwritten_and_cleared(
        self, make_tracker: MakeTracker
    ) -> None:
        tracker = make_tracker([*HEADER, "Why", "Urgency"], [[*ROWS[0], "old reason", "today"]])
        tracker.backend.read()
        tracker.backend.write(
            [CellUpdate(2, "Why", "new reason"), CellUpdate(2, "urgency", None)], [], SyncState()
        )
        row = tracker.reopen().read().rows[0]
        assert as_text(row, 6) == [*expected_text(ROWS[0], 4), "new reason", ""]

    def test_formula_like_text_is_neutralised_and_reads_back_as_written(
        self, make_tracker: MakeTracker
    ) -> None:
        tracker = make_tracker([*HEADER, "Why"], [ROWS[0]])
        tracker.backend.read()
        tracker.backend.write([CellUpdate(2, "Why", '=HYPERLINK("x")')], [], SyncState())
        assert tracker.reopen().read().rows[0][4] == '=HYPERLINK("x")'

    def test_state_round_trips(self, make_tracker: MakeTracker) -> None:
        tracker = make_tracker(HEADER, ROWS)
        assert tracker.backend.read().state == SyncState()
        state = SyncState(cells={"r-0001": {"Draft": "0123abcd", "Why": "ffff"}}, data_rows=2)
        tracker.backend.write([], [], state)
        assert tracker.reopen().read().state == state

    def test_write_with_nothing_to_change_leaves_the_tracker_identical(
        self, make_tracker: MakeTracker
    ) -> None:
        tracker = make_tracker(HEADER, ROWS)
        state = SyncState(cells={"r1": {"Why": "abcd"}}, data_rows=2)
        tracker.backend.read()
        tracker.backend.write([CellUpdate(2, "Why", "because")], ["Why"], state)
        before = tracker.raw()
        again = tracker.reopen()
        again.write([], [], again.read().state)
        assert tracker.raw() == before

    def test_update_of_an_unknown_column_is_refused(self, make_tracker: MakeTracker) -> None:
        tracker = make_tracker(HEADER, ROWS)
        tracker.backend.read()
        before = tracker.raw()
        with pytest.raises(HeaderError):
            tracker.backend.write([CellUpdate(2, "Due Date", date(2024, 1, 1))], [], SyncState())
        assert tracker.raw() == before

    def test_the_header_row_is_never_an_update_target(self, make_tracker: MakeTracker) -> None:
        tracker = make_tracker([*HEADER, "Why"], ROWS)
        tracker.backend.read()
        with pytest.raises(TrackerError):
            tracker.backend.write([CellUpdate(1, "Why", "x")], [], SyncState())
