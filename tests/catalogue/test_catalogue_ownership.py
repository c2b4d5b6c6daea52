"""The bad-input catalogue, whose owned cells are whose: formulas, copied rows, a lost memory,
drafts handed back. Every case runs on csv and xlsx (the real CLI) and on Google Sheets (the
real sync path, gspread over the emulator).

- A formula typed into one of syncer's columns is the person's, whatever it shows: kept and
  reported (tracker, row, column), once.
- A copied row (its Row ID duplicated, then edited into another application): the copy gets a
  new id and all its owned cells are planned afresh, with no conflict then or later.
- The state (hidden ``_syncer`` sheet, or the csv sidecar) deleted, or a Row ID edited: one
  notice for the tracker, syncer's cells are syncer's again, and the next runs are quiet.
- A Draft the person edited is reported once; cleared, it is syncer's again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from syncer.columns import column_letter
from syncer.sync import RunOptions, sync_tracker
from tests.catalogue.helpers import (
    BASE_HEADER,
    TODAY,
    csv_file,
    csv_line,
    follow_up_due,
    read_csv,
    sync,
    xlsx_file,
)
from tests.catalogue.test_catalogue_sheets import batch_update, sheet_id
from tests.google.conftest import NOW, Google, sheet_config

APPLIED = "2026-11-18"
DUE = follow_up_due(date.fromisoformat(APPLIED)).isoformat()
BLANK_FORMULA = '=IF(TRUE,"","")'
ROWS = [
    ["Acme", "Dev", "applied", APPLIED, "note", "mine"],
    ["Globex", "Analyst", "wishlist", "", "", "0042"],
]


@dataclass
class Outcome:
    """One sync's messages, whatever the backend."""

    errors: list[str]
    conflicts: list[str]
    cells_written: int

    def about(self, sheet_row: int, column: str) -> list[str]:
        wanted = f"row {sheet_row}, column {column}"
        return [m for m in [*self.errors, *self.conflicts] if wanted in m]


class Tracker(ABC):
    """A tracker on one backend, edited as a person would and synced as cron would."""

    source: str

    @abstractmethod
    def sync(self, today: str = TODAY) -> Outcome: ...

    @abstractmethod
    def header(self) -> list[str]: ...

    @abstractmethod
    def get(self, sheet_row: int, column: str) -> Any:
        """What the cell holds as typed: a formula's text, else its value (text for csv)."""

    @abstractmethod
    def set(self, sheet_row: int, column: str, value: Any) -> None: ...

    @abstractmethod
    def copy_row(self, source_row: int, to_row: int) -> None:
        """Copy a whole row (values, formats, the hidden Row ID) onto a blank row."""

    @abstractmethod
    def forget(self) -> None:
        """Delete syncer's memory: the hidden _syncer sheet, or the csv sidecar."""

    def text(self, sheet_row: int, column: str) -> str:
        value = self.get(sheet_row, column)
        if isinstance(value, date):
            return value.isoformat()[:10]
        return "" if value is None else str(value)


class LocalTracker(Tracker):
    """A tracker file, synced by the real CLI."""

    path: Path

    def sync(self, today: str = TODAY) -> Outcome:
        run = sync(self.path, extra=["--today", today])
        assert run.exit_code == 0, run.output
        tracker = run.tracker
        return Outcome(tracker["errors"], tracker["conflicts"], tracker["cells_written"])


class CsvTracker(LocalTracker):
    def __init__(self, tmp_path: Path, header: list[str], rows: list[list[Any]]) -> None:
        self.path = csv_file(tmp_path / "tracker.csv", header, rows)
        self.source = str(self.path)

    def header(self) -> list[str]:
        return read_csv(self.path)[0]

    def get(self, sheet_row: int, column: str) -> Any:
        rows = read_csv(self.path)
        row = rows[sheet_row - 1]
        index = rows[0].index(column)
        return row[index] if index < len(row) else ""

    def _rewrite(self, rows: list[list[str]]) -> None:
        self.path.write_bytes("".join(csv_line(row) for row in rows).encode())

    def set(self, sheet_row: int, column: str, value: Any) -> None:
        rows = read_csv(self.path)
        index = rows[0].index(column)
        row = rows[sheet_row - 1]
        row += [""] * (index + 1 - len(row))
        row[index] = "" if value is None else str(value)
        self._rewrite(rows)

    def copy_row(self, source_row: int, to_row: int) -> None:
        rows = read_csv(self.path)
        rows += [[] for _ in range(to_row - len(rows))]
        rows[to_row - 1] = list(rows[source_row - 1])
        self._rewrite(rows)

    def forget(self) -> None:
        (self.path.parent / (self.path.name + ".syncer.json")).unlink()


class XlsxTracker(LocalTracker):
    def __init__(self, tmp_path: Path, header: list[str], rows: list[list[Any]]) -> None:
        self.path = xlsx_file(tmp_path / "tracker.xlsx", header, rows)
        self.source = str(self.path)

    def header(self) -> list[str]:
        sheet = load_workbook(self.path).worksheets[0]
        return [str(cell.value or "") for cell in sheet[1]]

    def get(self, sheet_row: int, column: str) -> Any:
        sheet = load_workbook(self.path).worksheets[0]
        return sheet.cell(sheet_row, self.header().index(column) + 1).value

    def set(self, sheet_row: int, column: str, value: Any) -> None:
        index = self.header().index(column) + 1
        book = load_workbook(self.path)
        book.worksheets[0].cell(sheet_row, index).value = value
        book.save(self.path)

    def copy_row(self, source_row: int, to_row: int) -> None:
        book = load_workbook(self.path)
        sheet = book.worksheets[0]
        for cell in sheet[source_row]:
            target = sheet.cell(to_row, cell.column)
            target.value = cell.value
            target.number_format = cell.number_format
        book.save(self.path)

    def forget(self) -> None:
        book = load_workbook(self.path)
        del book["_syncer"]
        book.save(self.path)


class SheetsTracker(Tracker):
    TAB = "Applications"

    def __init__(self, google: Google, header: list[str], rows: list[list[Any]]) -> None:
        self.google = google
        self.key = google.sheets.create_spreadsheet("Hunt", {self.TAB: [header, *rows]})
        self.config = sheet_config(self.key)
        self.source = self.config.source

    def sync(self, today: str = TODAY) -> Outcome:
        options = RunOptions(today=date.fromisoformat(today), now=NOW)
        result, _ = sync_tracker(self.config, options, opener=self.google.opener())
        assert result.failed is None, result.failed
        return Outcome(result.errors, result.conflicts, result.cells_written)

    def header(self) -> list[str]:
        return [str(text) for text in self.google.sheets.grid(self.key, self.TAB)[0]]

    def _a1(self, sheet_row: int, column: str) -> str:
        return f"{column_letter(self.header().index(column))}{sheet_row}"

    def get(self, sheet_row: int, column: str) -> Any:
        a1 = self._a1(sheet_row, column)
        formula = self.google.sheets.formula(self.key, self.TAB, a1)
        if formula is not None:
            return formula
        grid = self.google.sheets.grid(self.key, self.TAB)
        row = grid[sheet_row - 1] if sheet_row - 1 < len(grid) else []
        index = self.header().index(column)
        return row[index] if index < len(row) else ""

    def set(self, sheet_row: int, column: str, value: Any) -> None:
        a1 = self._a1(sheet_row, column)
        self.google.sheets.set_cell(self.key, self.TAB, a1, "" if value is None else value)

    def copy_row(self, source_row: int, to_row: int) -> None:
        tab = sheet_id(self.google, self.key, self.TAB)
        width = len(self.header())

        def rows(number: int) -> dict[str, int]:
            return {
                "sheetId": tab,
                "startRowIndex": number - 1,
                "endRowIndex": number,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            }

        paste = {"source": rows(source_row), "destination": rows(to_row)}
        batch_update(self.google, self.key, {"copyPaste": {**paste, "pasteType": "PASTE_NORMAL"}})

    def forget(self) -> None:
        state = sheet_id(self.google, self.key, "_syncer")
        batch_update(self.google, self.key, {"deleteSheet": {"sheetId": state}})


BACKENDS = ["csv", "xlsx", "sheets"]


@pytest.fixture(params=BACKENDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    def build(header: list[str], rows: list[list[Any]]) -> Tracker:
        if request.param == "csv":
            return CsvTracker(tmp_path, header, rows)
        if request.param == "xlsx":
            return XlsxTracker(tmp_path, header, rows)
        google: Google = request.getfixturevalue("google")
        return SheetsTracker(google, header, rows)

    yield build


def quiet(outcome: Outcome) -> None:
    assert outcome.conflicts == [] and outcome.errors == [], outcome


# -- formulas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["Draft", "Next Action", "Urgency"])
def test_a_formula_that_shows_blank_in_an_owned_column_is_kept(make: Any, column: str) -> None:
    """Before the first sync, a formula showing blank sits where syncer would write: kept,
    reported once (tracker, row, column), and the row's other owned cells are written."""
    tracker: Tracker = make([*BASE_HEADER, column], [[*ROWS[0], BLANK_FORMULA], ROWS[1]])

    first = tracker.sync()

    assert tracker.get(2, column) == BLANK_FORMULA
    letter = column_letter(tracker.header().index(column))
    [message] = first.about(2, column)
    assert message.startswith(tracker.source) and f"({letter}2)" in message
    assert "formula" in message and "kept" in message
    assert tracker.text(2, "Due Date") == DUE
    again = tracker.sync()
    assert again.about(2, column) == []
    assert tracker.get(2, column) == BLANK_FORMULA


def test_a_formula_typed_over_syncers_draft_is_kept_until_cleared(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    drafted = tracker.text(2, "Draft")
    assert drafted
    tracker.set(2, "Draft", '=IF(TRUE,"","")')

    first = tracker.sync()

    assert tracker.get(2, "Draft") == BLANK_FORMULA
    assert any("formula" in m for m in first.about(2, "Draft")), first
    assert tracker.sync().about(2, "Draft") == []
    tracker.set(2, "Draft", None)
    quiet(tracker.sync())
    assert tracker.text(2, "Draft") == drafted


# -- copied rows ------------------------------------------------------------------------------


def edit_into_another_application(tracker: Tracker, sheet_row: int) -> None:
    tracker.set(sheet_row, "Company", "Initech")
    tracker.set(sheet_row, "Applied On", "2026-11-24")


def assert_copy_planned_afresh(tracker: Tracker, original: int, copy: int, first_id: str) -> None:
    assert tracker.text(original, "Row ID") == first_id
    assert tracker.text(copy, "Row ID") not in ("", first_id)
    assert tracker.text(copy, "Due Date") == "2026-12-01"  # fwd(11-24 + 7)
    assert tracker.text(copy, "Urgency") == "upcoming"
    assert tracker.text(copy, "Draft") == ""  # not due within 3 days: no draft
    assert "2026-11-24" in tracker.text(copy, "Why") or "Why" not in tracker.header()
    assert tracker.text(original, "Due Date") == DUE
    assert tracker.text(original, "Draft")


def test_a_copied_row_edited_into_another_application_is_planned_afresh(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    first_id = tracker.text(2, "Row ID")
    tracker.copy_row(2, 4)
    edit_into_another_application(tracker, 4)

    run = tracker.sync()

    assert run.conflicts == [], run.conflicts
    [notice] = run.about(4, "Row ID")
    assert "duplicate" in notice and first_id in notice
    assert_copy_planned_afresh(tracker, 2, 4, first_id)
    again = tracker.sync()
    quiet(again)
    assert again.cells_written == 0


def test_the_copy_above_its_original_is_told_by_its_edited_inputs(make: Any) -> None:
    """The upper of the two rows was edited into another application, the lower one still
    holds what its plan wants: the upper one is the copy."""
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    first_id = tracker.text(2, "Row ID")
    tracker.copy_row(2, 4)
    edit_into_another_application(tracker, 2)

    run = tracker.sync()

    assert run.conflicts == [], run.conflicts
    assert run.about(2, "Row ID") and not run.about(4, "Row ID")
    assert_copy_planned_afresh(tracker, 4, 2, first_id)


# -- a lost memory ----------------------------------------------------------------------------


def test_the_state_deleted_is_rebuilt_with_one_notice(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    tracker.forget()
    tracker.set(3, "Stage", "applied")
    tracker.set(3, "Applied On", APPLIED)
    tracker.set(2, "Stage", "withdrawn")

    run = tracker.sync()

    assert run.conflicts == [], run.conflicts
    [notice] = run.errors
    assert notice.startswith(tracker.source) and "no record" in notice and "2 row(s)" in notice
    assert tracker.text(2, "Next Action") == "None" and tracker.text(2, "Urgency") == "done"
    assert tracker.text(3, "Due Date") == DUE and tracker.text(3, "Urgency") == "overdue"
    quiet(tracker.sync())
    tracker.set(2, "Stage", "applied")
    quiet(tracker.sync())
    assert tracker.text(2, "Next Action") == "Follow up"


def test_a_person_edit_made_while_the_state_was_lost_is_kept(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    tracker.forget()
    tracker.set(2, "Draft", "My own words")
    tracker.set(2, "Urgency", "hot!")

    run = tracker.sync()

    assert run.conflicts == [], run.conflicts
    [notice] = run.errors
    assert "2 cell(s) that may be a person's edit were kept" in notice, notice
    assert tracker.get(2, "Draft") == "My own words" and tracker.get(2, "Urgency") == "hot!"
    quiet(tracker.sync())
    tracker.set(2, "Draft", None)
    quiet(tracker.sync())
    assert tracker.text(2, "Draft") not in ("", "My own words")


def test_a_row_id_edited_by_hand_is_rebuilt_with_one_notice(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    tracker.set(2, "Row ID", "my-own-id")

    run = tracker.sync()

    assert run.conflicts == [], run.conflicts
    [notice] = run.errors
    assert "1 row(s)" in notice and "Row ID edited" in notice
    quiet(tracker.sync())
    tracker.set(2, "Stage", "withdrawn")
    quiet(tracker.sync())
    assert tracker.text(2, "Next Action") == "None"
    assert tracker.text(2, "Row ID") == "my-own-id"


# -- drafts handed back -----------------------------------------------------------------------


def test_an_edited_draft_is_reported_once_and_cleared_it_is_syncers_again(make: Any) -> None:
    tracker: Tracker = make(BASE_HEADER, ROWS)
    tracker.sync()
    drafted = tracker.text(2, "Draft")
    tracker.set(2, "Draft", "My own words")

    first = tracker.sync()

    [conflict] = first.about(2, "Draft")
    assert conflict.startswith(tracker.source) and "give it back" in conflict
    assert tracker.sync().about(2, "Draft") == []  # reported once, not every night
    tracker.set(2, "Company", "Acme Corp")  # syncer's planned draft changes: reported again
    assert tracker.sync().about(2, "Draft")
    assert tracker.get(2, "Draft") == "My own words"
    tracker.set(2, "Draft", None)  # handed back
    quiet(tracker.sync())
    assert tracker.text(2, "Draft") not in ("", "My own words", drafted)
    assert "Acme Corp" in tracker.text(2, "Draft")
