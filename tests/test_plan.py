"""The planner's three-way rule per owned cell, Last Synced included (no I/O)."""

from __future__ import annotations

from datetime import date, datetime

from syncer.backends.base import SheetData, canonical_text
from syncer.config import TrackerConfig
from syncer.plan import Planner
from syncer.tracker_plan import TrackerPlan

TODAY = date(2026, 11, 26)
HEADER = ["Company", "Position", "Stage", "Applied On"]


def plan(data: SheetData, today: date = TODAY) -> TrackerPlan:
    now = datetime(today.year, today.month, today.day, 21, 5)
    return Planner(TrackerConfig(source="t.csv"), today, now).plan(data)


def applied(on: str) -> SheetData:
    return SheetData("t.csv", 1, list(HEADER), [["Acme", "Analyst", "applied", on]])


def after(first: SheetData, result: TrackerPlan) -> SheetData:
    """The tracker as the first plan's updates leave it, with the state they recorded."""
    header = list(first.header) + list(result.new_columns)
    rows = [list(row) + [None] * (len(header) - len(row)) for row in first.rows]
    for update in result.updates:
        rows[update.row - first.header_row - 1][header.index(update.column)] = update.value
    return SheetData(first.source, first.header_row, header, rows, state=result.state)


def column(data: SheetData, header: str) -> object:
    return data.rows[0][data.header.index(header)]


def test_a_synced_tracker_plans_no_update_when_nothing_changed() -> None:
    first = plan(applied("2026-11-10"))
    assert first.updates and not first.conflicts
    assert plan(after(applied("2026-11-10"), first)).updates == []


def test_a_new_input_rewrites_cells_syncer_wrote_and_stamps_last_synced() -> None:
    synced = after(applied("2026-11-10"), plan(applied("2026-11-10")))
    synced.rows[0][HEADER.index("Stage")] = "withdrawn"
    result = plan(synced, date(2026, 11, 27))
    written = {u.column for u in result.updates}
    assert {"Next Action", "Last Synced"} <= written
    assert not result.conflicts


def test_an_owned_cell_a_person_typed_into_is_kept_and_reported() -> None:
    synced = after(applied("2026-11-10"), plan(applied("2026-11-10")))
    synced.rows[0][synced.header.index("Next Action")] = "called them already"
    synced.rows[0][HEADER.index("Stage")] = "withdrawn"
    result = plan(synced, date(2026, 11, 27))
    assert "Next Action" not in {u.column for u in result.updates}
    assert any("column Next Action" in c and "kept" in c for c in result.conflicts)


def test_a_last_synced_cell_a_person_typed_into_is_kept_like_any_owned_cell() -> None:
    synced = after(applied("2026-11-10"), plan(applied("2026-11-10")))
    synced.rows[0][synced.header.index("Last Synced")] = "ask coach"
    synced.rows[0][HEADER.index("Stage")] = "withdrawn"
    result = plan(synced, date(2026, 11, 27))
    written = {u.column for u in result.updates}
    assert "Next Action" in written and "Last Synced" not in written
    assert any("column Last Synced" in c for c in result.conflicts)
    assert column(synced, "Last Synced") == "ask coach"


def test_last_synced_is_rewritten_when_it_still_holds_what_syncer_wrote() -> None:
    first = plan(applied("2026-11-10"))
    synced = after(applied("2026-11-10"), first)
    stamped = column(synced, "Last Synced")
    synced.rows[0][HEADER.index("Stage")] = "withdrawn"
    result = plan(synced, date(2026, 11, 27))
    [stamp] = [u for u in result.updates if u.column == "Last Synced"]
    assert stamp.expected == canonical_text(stamped)
    assert canonical_text(stamp.value) == "2026-11-27 21:05"
