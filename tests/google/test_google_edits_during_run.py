"""A person edits the sheet while syncer runs (issue 4): between syncer's read and its write.

Each edit is made by the emulator's between-requests hook, through the real sync path. After the
run no person's cell has changed, and every owned cell holds either what it held before the run
or what a clean sync of the final person-data puts there (never a value meant for another row).
A second run then brings the sheet to that clean sync's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from syncer.backends.base import canonical_text
from syncer.columns import column_letter
from syncer.emulator.core import Emulator
from syncer.emulator.faults import FaultInjector
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import NOW, OPTIONS, TODAY, Google, example_rows, sheet_config

TAB = "Applications"
OWNED = ["Next Action", "Due Date", "Urgency", "Why", "Draft", "Last Synced"]
#: Owned cells that depend only on the row and the day (Last Synced records when, Row ID where).
PLANNED = OWNED[:-1]
LATER = RunOptions(today=TODAY + timedelta(days=7), now=NOW + timedelta(days=7))
NEW_APPLICATION = {
    "Company": "Margie's Travel",
    "Position": "Travel Agent",
    "Stage": "applied",
    "Applied On": "2026-11-20",
}

Rows = list[list[str]]
Table = list[dict[str, str]]


def table(google: Google, key: str) -> Table:
    """The tab's values (not their formats): one dict per data row, header text -> value text."""
    grid = google.sheets.grid(key, TAB, render="UNFORMATTED_VALUE")
    header = grid[0]
    return [
        {name: canonical_text(row[i] if i < len(row) else None) for i, name in enumerate(header)}
        for row in grid[1:]
    ]


def person_part(rows: Table) -> list[dict[str, str]]:
    return [{k: v for k, v in row.items() if k not in OWNED and k != "Row ID"} for row in rows]


def clean_sync(google: Google, person_rows: Rows, options: RunOptions) -> Table:
    """The oracle: the same person-data typed into a fresh spreadsheet and synced once."""
    key = google.sheets.create_spreadsheet("Oracle", {TAB: person_rows})
    result, _ = sync_tracker(sheet_config(key), options, opener=google.opener())
    assert result.failed is None, result.failed
    return table(google, key)


def type_row(google: Google, key: str, row: int, header: list[str], values: dict[str, str]) -> None:
    for name, value in values.items():
        google.sheets.set_cell(key, TAB, f"{column_letter(header.index(name))}{row}", value)


@dataclass
class Edit:
    """What a person does mid-run, done to the emulated sheet and to the expected person-data."""

    name: str
    apply: Callable[[Google, str, Rows], None]
    needs_owned_columns: bool = False  # an owned cell to edit exists only after a first sync
    touched: tuple[int, str] | None = None  # (sheet row, header) of an owned cell it typed


def _edit_owned(google: Google, key: str, rows: Rows) -> None:
    header = google.sheets.grid(key, TAB)[0]
    type_row(google, key, 3, header, {"Next Action": "Emailed Marcus"})


def _edit_own_column(google: Google, key: str, rows: Rows) -> None:
    type_row(google, key, 3, rows[0], {"My Rating": "1"})
    rows[2][rows[0].index("My Rating")] = "1"


def _edit_input(google: Google, key: str, rows: Rows) -> None:
    type_row(google, key, 2, rows[0], {"Stage": "withdrawn"})
    rows[1][rows[0].index("Stage")] = "withdrawn"


def _insert_above(google: Google, key: str, rows: Rows) -> None:
    google.sheets.insert_rows(key, TAB, at=3)
    type_row(google, key, 3, rows[0], NEW_APPLICATION)
    rows.insert(2, [NEW_APPLICATION.get(name, "") for name in rows[0]])


def _sort_by_company(google: Google, key: str, rows: Rows) -> None:
    google.sheets.sort(key, TAB, "A")
    rows[1:] = sorted(rows[1:], key=lambda row: row[0])


EDITS = [
    Edit("owned cell", _edit_owned, needs_owned_columns=True, touched=(3, "Next Action")),
    Edit("person's own column", _edit_own_column),
    Edit("input cell", _edit_input),
    Edit("row inserted above", _insert_above),
    Edit("sorted by company", _sort_by_company),
]


ROW_MOVES = (_insert_above, _sort_by_company)


@dataclass
class Run:
    """A tracker, the run that is interfered with, and what the sheet held before it."""

    google: Google
    key: str
    options: RunOptions
    person_rows: Rows
    before: Table


def prepare(google: Google, synced_before: bool) -> Run:
    rows = example_rows()[:8]
    key = google.sheets.create_spreadsheet("Job hunt", {TAB: rows})
    options = OPTIONS
    if synced_before:
        first, _ = sync_tracker(sheet_config(key), OPTIONS, opener=google.opener())
        assert first.failed is None, first.failed
        options = LATER  # a week later: most rows' owned cells change
    return Run(google, key, options, rows, table(google, key))


def reads_before_plan(synced_before: bool) -> int:
    """Values reads up to syncer's read of the tab (a first run's first fails)."""
    return 1 if synced_before else 2


def interfere(run: Run, edit: Edit, after_batch_gets: int) -> None:
    def person(_emulator: Emulator) -> None:
        edit.apply(run.google, run.key, run.person_rows)

    faults = FaultInjector.install(run.google.emulator)
    # Every read of values counts: the read (values:batchGet), the formula look-up and the
    # re-check (values:batchGetByDataFilter).
    faults.after_requests(person, nth=after_batch_gets, path=r"/values:batchGet(ByDataFilter)?$")


def assert_no_value_on_a_wrong_row(run: Run, oracle: Table, edit: Edit) -> None:
    """Every owned cell holds what it held before the run (for that application) or what a clean
    sync puts there, and every person's cell is exactly what the person typed."""
    final = table(run.google, run.key)
    assert person_part(final) == person_part(oracle)
    before = {(row["Company"], row["Position"]): row for row in run.before}
    for number, (row, wanted) in enumerate(zip(final, oracle, strict=True), start=2):
        was = before.get((row["Company"], row["Position"]), {})
        for name in PLANNED:
            if edit.touched == (number, name):
                continue
            allowed = {wanted.get(name, ""), was.get(name, "")}
            assert row.get(name, "") in allowed, (number, name, row.get(name), allowed)


def assert_matches_clean_sync(run: Run, oracle: Table, edit: Edit) -> None:
    final = table(run.google, run.key)
    assert person_part(final) == person_part(oracle)
    for number, (row, wanted) in enumerate(zip(final, oracle, strict=True), start=2):
        for name in PLANNED:
            if edit.touched == (number, name):
                continue
            assert row.get(name, "") == wanted.get(name, ""), (number, name)


@pytest.mark.parametrize("synced_before", [False, True], ids=["first run", "later run"])
@pytest.mark.parametrize("edit", EDITS, ids=[edit.name for edit in EDITS])
def test_edit_between_read_and_recheck(google: Google, edit: Edit, synced_before: bool) -> None:
    if edit.needs_owned_columns and not synced_before:
        pytest.skip("no owned cell exists before the first sync")
    run = prepare(google, synced_before)
    interfere(run, edit, reads_before_plan(synced_before))
    config = sheet_config(run.key)
    result, plan = sync_tracker(config, run.options, opener=google.opener())
    assert result.failed is None, result.failed
    assert plan is not None
    oracle = clean_sync(google, run.person_rows, run.options)
    assert_no_value_on_a_wrong_row(run, oracle, edit)

    if edit.touched is not None:
        row, name = edit.touched
        planned = {(u.row, u.column) for u in plan.updates}
        assert (row, name) in planned, "the person edited a cell syncer meant to change"
        assert table(google, run.key)[row - 2][name] == "Emailed Marcus"
        assert result.cells_written < len(plan.updates)
        assert any(
            f"row {row}, column {name}" in c and "changed while syncer was running" in c
            for c in result.conflicts
        ), result.conflicts
    if edit.name == "person's own column":
        assert result.cells_written == len(plan.updates)
        assert_matches_clean_sync(run, oracle, edit)

    again, _ = sync_tracker(config, run.options, opener=google.opener())
    assert again.failed is None, again.failed
    assert_matches_clean_sync(run, oracle, edit)
    if edit.touched is None:
        assert again.conflicts == []
    else:
        assert len(again.conflicts) == 1 and "column Next Action (" in again.conflicts[0]
    settled, _ = sync_tracker(config, run.options, opener=google.opener())
    assert settled.cells_written == 0


MOVES_ROWS = pytest.mark.xfail(
    strict=True,
    reason="known gap: rows moved after the re-check get values meant for others, which the "
    "next run keeps as a person's; writing by row developer metadata "
    "(values:batchUpdateByDataFilter) would close it",
)
LATE_EDITS = [
    pytest.param(edit, id=edit.name, marks=[MOVES_ROWS] if edit.apply in ROW_MOVES else [])
    for edit in EDITS[1:]
]


@pytest.mark.parametrize("edit", LATE_EDITS)
def test_edit_between_recheck_and_write_settles_on_the_next_run(google: Google, edit: Edit) -> None:
    """No re-check can see an edit made after it (Sheets has no compare-and-set): the person's
    own cells still stay as typed, and the next run puts every owned cell right."""
    run = prepare(google, synced_before=True)
    interfere(run, edit, reads_before_plan(True) + 2)  # the read, the formula look-up, the re-check
    config = sheet_config(run.key)
    result, _ = sync_tracker(config, run.options, opener=google.opener())
    assert result.failed is None, result.failed
    oracle = clean_sync(google, run.person_rows, run.options)
    assert person_part(table(google, run.key)) == person_part(oracle)  # even when rows moved
    again, _ = sync_tracker(config, run.options, opener=google.opener())
    assert again.failed is None, again.failed
    assert_matches_clean_sync(run, oracle, edit)
