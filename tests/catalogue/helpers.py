"""What every catalogue case does: run the real sync, then check the four promises.

1. no traceback (exit 0 or 1, never an unhandled exception);
2. a message naming the tracker and the row and column (or the header, for a tracker problem);
3. every cell a person owns unchanged (csv: the same text, field for field, line endings inside
   quotes included; xlsx: the same value or formula; Sheets: the same stored CellData);
4. the owned result is right (the caller checks it with ``row_of`` / ``owned_cells``).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from syncer.backends.xlsx import STATE_SHEET
from syncer.cli import cli
from syncer.columns import owned_field
from syncer.dates import WorkCalendar

TODAY = "2026-11-26"
TODAY_DATE = date.fromisoformat(TODAY)
BASE_HEADER = ["Company", "Position", "Stage", "Applied On", "Notes", "My Column"]
OWNED_HEADERS = ["Next Action", "Due Date", "Urgency", "Why", "Draft", "Last Synced", "Row ID"]

csv.field_size_limit(sys.maxsize)  # the catalogue has fields far over csv's 131,072 default


def follow_up_due(applied_on: date) -> date:
    """SPEC.md rule 2 (applied, no follow-ups yet): fwd(applied_on + 7)."""
    return WorkCalendar().fwd(applied_on + timedelta(days=7))


@dataclass
class Run:
    """One ``syncer sync ... --json`` through click's CliRunner."""

    exit_code: int
    document: dict[str, Any]
    output: str

    @property
    def tracker(self) -> dict[str, Any]:
        trackers = self.document["trackers"]
        assert len(trackers) == 1, trackers
        return dict(trackers[0])

    def row(self, sheet_row: int) -> dict[str, Any]:
        for row in self.tracker["rows"]:
            if row["row"] == sheet_row:
                return dict(row)
        raise AssertionError(f"no row {sheet_row} in {self.tracker['rows']}")

    def messages(self) -> list[str]:
        tracker = self.tracker
        failed = [tracker["failed"]] if tracker["failed"] else []
        return [*tracker["errors"], *tracker["conflicts"], *failed]


def sync(*sources: Path | str, config: Path | None = None, extra: Sequence[str] = ()) -> Run:
    """``syncer sync SOURCE... --today TODAY --json``; fails the test on a traceback."""
    args = ["sync", *(str(source) for source in sources), "--today", TODAY, "--json", *extra]
    if config is not None:
        args += ["--config", str(config)]
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"unhandled {result.exception!r}\n{result.output}")
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return Run(result.exit_code, json.loads(result.stdout), result.output)


def assert_row_problem(run: Run, source: Path, sheet_row: int, column: str, *words: str) -> str:
    """The row is invalid, and one message names the tracker, the row and the column."""
    assert run.exit_code == 0, run.output
    assert run.row(sheet_row)["urgency"] == "invalid"
    wanted = f"row {sheet_row}, column {column}"
    found = [m for m in run.tracker["errors"] if str(source) in m and wanted in m]
    assert found, (wanted, run.tracker["errors"])
    for word in words:
        assert any(word in message for message in found), (word, found)
    return found[0]


def assert_tracker_failed(run: Run, source: Path, *words: str) -> str:
    """The tracker failed (exit 1) with a message naming it and what is wrong."""
    assert run.exit_code == 1, run.output
    tracker = run.tracker
    assert tracker["status"] == "failed"
    assert tracker["source"] == str(source)
    failed = str(tracker["failed"])
    for word in words:
        assert word in failed, (word, failed)
    assert str(source) in run.output  # the stderr line names the tracker too
    return failed


# -- csv --------------------------------------------------------------------------------------


def write_csv_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_line(values: Sequence[object], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(
        ["" if value is None else value for value in values]
    )
    return buffer.getvalue()


def csv_file(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], delimiter: str = ","
) -> Path:
    text = csv_line(header, delimiter) + "".join(csv_line(row, delimiter) for row in rows)
    return write_csv_text(path, text)


def read_csv(path: Path, delimiter: str | None = None) -> list[list[str]]:
    data = path.read_bytes().decode("utf-8-sig")
    if delimiter is None:
        first = data.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))


def owned_indexes(header: Sequence[object]) -> set[int]:
    return {i for i, text in enumerate(header) if text and owned_field(str(text)) is not None}


def assert_person_cells_kept(
    before: list[list[str]], after: list[list[str]], header_index: int = 0
) -> None:
    """Every field outside syncer's columns holds the same text (rows above the header too)."""
    assert len(after) == len(before), (len(before), len(after))
    owned = owned_indexes(after[header_index])
    for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        if number <= header_index:
            assert new == old, number
            continue
        for index, value in enumerate(old):
            if index not in owned:
                assert index < len(new) and new[index] == value, (number, index)
        for index in range(len(old), len(new)):
            if index not in owned:
                assert new[index] == "", (number, index)


def owned_cells(path: Path, sheet_row: int, header_row: int = 1) -> dict[str, str]:
    """The owned cells of one csv row, by header."""
    rows = read_csv(path)
    header = rows[header_row - 1]
    row = rows[sheet_row - 1]
    return {header[i]: (row[i] if i < len(row) else "") for i in sorted(owned_indexes(header))}


# -- xlsx -------------------------------------------------------------------------------------


def xlsx_file(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str = "Applications",
    above: Sequence[Sequence[object]] = (),
    formulas: bool = True,
) -> Path:
    """A one-tab workbook; with ``formulas=False`` text starting with = is stored as text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for values in [*above, header, *rows]:
        sheet.append(list(values))
    if not formulas:
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    book.save(path)
    return path


def xlsx_cells(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """Every stored value (formulas as their text) of every person's tab, by (row, column)."""
    book = load_workbook(path, data_only=False)
    cells: dict[str, dict[tuple[int, int], object]] = {}
    for sheet in book.worksheets:
        if sheet.title == STATE_SHEET:
            continue
        cells[sheet.title] = {
            (cell.row, cell.column): cell.value
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        }
    return cells


def assert_xlsx_person_cells_kept(
    before: dict[str, dict[tuple[int, int], object]],
    path: Path,
    header_row: int = 1,
    tab: str | None = None,
) -> dict[str, dict[tuple[int, int], object]]:
    after = xlsx_cells(path)
    assert set(after) == set(before)
    for title, old in before.items():
        new = after[title]
        header = {col: value for (row, col), value in new.items() if row == header_row}
        owned = {col for col, text in header.items() if owned_field(str(text)) is not None}
        if tab is not None and title != tab:
            owned = set()
        kept_old = {key: value for key, value in old.items() if key[1] not in owned}
        kept_new = {key: value for key, value in new.items() if key[1] not in owned}
        assert kept_new == kept_old, title
    return after


def xlsx_owned(path: Path, sheet_row: int, header_row: int = 1) -> dict[str, object]:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[header_row]]
    row = [cell.value for cell in sheet[sheet_row]]
    return {
        str(text): (row[i] if i < len(row) else None)
        for i, text in enumerate(header)
        if text and owned_field(str(text)) is not None
    }
