"""The .xlsx backend: the shared contract, plus workbook fidelity and refusals."""

from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.local import open_local
from syncer.backends.xlsx import STATE_SHEET
from syncer.errors import ConflictError, TrackerError
from tests.backends.contract import BackendContract, MakeTracker, Rows, StoredTracker


def save_tracker(path: Path, header: list[str], rows: Rows, title_rows: int = 0) -> None:
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.title = "Tracker"
    for number in range(1, title_rows + 1):
        sheet.cell(number, 1, f"My job hunt, part {number}")
    sheet.append(header) if not title_rows else [
        sheet.cell(title_rows + 1, col, text) for col, text in enumerate(header, start=1)
    ]
    for offset, row in enumerate(rows, start=title_rows + 2):
        for column, value in enumerate(row, start=1):
            sheet.cell(offset, column, value)
    workbook.save(path)


class TestXlsxContract(BackendContract):
    @pytest.fixture
    def make_tracker(self, tmp_path: Path) -> MakeTracker:
        def make(header: list[str], rows: Rows) -> StoredTracker:
            path = tmp_path / "tracker.xlsx"
            save_tracker(path, header, rows)
            return StoredTracker(open_local(path), lambda: open_local(path), path.read_bytes)

        return make


def rich_workbook(path: Path) -> None:
    """A tracker with the things people put in real workbooks, plus a second sheet."""
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.title = "Applications"
    sheet["A1"] = "Job hunt 2024"
    sheet.merge_cells("A1:D1")
    header = ["Company", "Position", "Stage", "Applied On", "Score", "Next Action"]
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(2, column, text)
        cell.font = Font(bold=True, color="FF0000")
        cell.fill = PatternFill("solid", fgColor="FFFF00")
        cell.border = Border(bottom=Side(style="thin"))
    sheet.append(["Acme", "Dev", "applied", date(2024, 3, 1), "=LEN(A3)", "old"])
    sheet.append(["Globex", "Analyst", "interviewed", date(2024, 3, 4), 7.5, None])
    sheet["D3"].number_format = "dd/mm/yyyy"
    sheet["B3"].alignment = Alignment(horizontal="center")
    sheet["A4"].comment = Comment("call back", "me")
    sheet.freeze_panes = "A3"
    sheet.column_dimensions["A"].width = 31
    stage_list = DataValidation(type="list", formula1='"applied,interviewed"')
    stage_list.add("C3:C100")
    sheet.add_data_validation(stage_list)
    sheet.conditional_formatting.add(
        "E3:E100", CellIsRule(operator="greaterThan", formula=["5"], fill=PatternFill("solid"))
    )
    other: Any = workbook.create_sheet("Contacts")
    other["A1"] = "Name"
    other["B2"] = "=Applications!A3"
    other["C3"] = "0044"
    workbook.defined_names["Companies"] = DefinedName(
        "Companies", attr_text="Applications!$A$3:$A$4"
    )
    workbook.save(path)


def cell_signature(cell: Any) -> tuple[object, ...]:
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        repr(cell.font),
        repr(cell.fill),
        repr(cell.border),
        repr(cell.alignment),
        repr(cell.protection),
        cell.comment.text if cell.comment else None,
    )


def workbook_signature(
    path: Path, skip_cells: set[str], skip_columns: set[str]
) -> dict[str, object]:
    """Everything a person could notice in a workbook, except syncer's own cells and columns.

    ``skip_cells`` are "Sheet!A1" coordinates; ``skip_columns`` are "Sheet!G" column letters.
    """
    workbook = openpyxl.load_workbook(path)
    found: dict[str, object] = {
        "sheets": [s for s in workbook.sheetnames if s != STATE_SHEET],
        "names": sorted((n, d.attr_text) for n, d in workbook.defined_names.items()),
    }
    for sheet in workbook.worksheets:
        if sheet.title == STATE_SHEET:
            continue
        for row in sheet.iter_rows():
            for cell in row:
                key = f"{sheet.title}!{cell.coordinate}"
                if key not in skip_cells and (cell.value is not None or cell.has_style):
                    found[key] = cell_signature(cell)
        found[f"{sheet.title}:widths"] = {
            letter: (dimension.width, dimension.hidden)
            for letter, dimension in sheet.column_dimensions.items()
            if f"{sheet.title}!{letter}" not in skip_columns
        }
        found[f"{sheet.title}:validations"] = [
            (v.formula1, str(v.sqref)) for v in sheet.data_validations.dataValidation
        ]
        found[f"{sheet.title}:conditional"] = [
            (str(cells.sqref), [rule.formula for rule in rules])
            for cells, rules in sheet.conditional_formatting._cf_rules.items()
        ]
        found[f"{sheet.title}:freeze"] = sheet.freeze_panes
        found[f"{sheet.title}:merged"] = sorted(str(r) for r in sheet.merged_cells.ranges)
    return found


def test_a_write_changes_only_the_owned_cells(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    backend = open_local(path, header_row=2)
    data = backend.read()
    assert data.header == ["Company", "Position", "Stage", "Applied On", "Score", "Next Action"]
    new = ["Due Date", "Draft", "Row ID"]
    updates = [
        CellUpdate(3, "Next Action", "Follow up"),
        CellUpdate(4, "Next Action", "Send thank-you"),
        CellUpdate(3, "Due Date", date(2024, 3, 8)),
        CellUpdate(4, "Draft", "Hello\nthere"),
        CellUpdate(3, "Row ID", "r-1"),
    ]
    owned = {f"Applications!{c}" for c in ("F3", "F4", "G2", "G3", "H2", "H4", "I2", "I3")}
    new_letters = {"Applications!G", "Applications!H", "Applications!I"}
    before = workbook_signature(path, owned, new_letters)
    assert len(before) > 30
    backend.write(updates, new, SyncState(data_rows=2))
    assert workbook_signature(path, owned, new_letters) == before
    workbook = openpyxl.load_workbook(path)
    sheet: Any = workbook["Applications"]
    assert [sheet.cell(2, c).value for c in range(7, 10)] == new
    assert sheet["G2"].font.color.rgb == sheet["F2"].font.color.rgb
    assert sheet["G2"].fill.fgColor.rgb == sheet["F2"].fill.fgColor.rgb
    assert sheet["G3"].number_format == "yyyy-mm-dd"
    assert sheet["H4"].alignment.wrap_text
    assert sheet.column_dimensions["I"].hidden
    assert sheet["F3"].value == "Follow up" and sheet["E3"].value == "=LEN(A3)"
    assert workbook[STATE_SHEET].sheet_state == "veryHidden"
    assert workbook.active.title == "Applications"


def test_values_keep_their_types(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    rows = open_local(path, header_row=2).read().rows
    assert rows[0][3] == datetime(2024, 3, 1)
    assert rows[1][4] == 7.5
    assert rows[0][5] == "old"


def with_cached_value(path: Path, formula: str, cached: str) -> None:
    """Give a formula the cached result a spreadsheet app would have stored."""
    members = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    sheet_xml = members["xl/worksheets/sheet1.xml"].decode()
    target = (
        f"<f>{formula}</f><v></v>"
        if f"<f>{formula}</f><v></v>" in sheet_xml
        else f"<f>{formula}</f>"
    )
    members["xl/worksheets/sheet1.xml"] = sheet_xml.replace(
        target, f"<f>{formula}</f><v>{cached}</v>"
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_a_formula_reads_as_its_cached_value(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    with_cached_value(path, "LEN(A3)", "4")
    assert open_local(path, header_row=2).read().rows[0][4] == 4


def test_tab_and_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Stage"], [["Acme", "applied"]], title_rows=2)
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Second").append(["Company", "Position"])
    workbook.move_sheet("Second", offset=-1)
    workbook["Second"].sheet_state = "hidden"
    workbook.save(path)
    data = open_local(path, header_row=3).read()
    assert (data.tab, data.header, data.rows) == (
        "Tracker",
        ["Company", "Stage"],
        [["Acme", "applied"]],
    )
    assert open_local(path, tab="Second").read().header == ["Company", "Position"]
    with pytest.raises(TrackerError, match="no tab named 'Nope'"):
        open_local(path, tab="Nope").read()


def test_write_keeps_one_backup_and_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    original, original_inode = path.read_bytes(), path.stat().st_ino
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Why", "first")], [], SyncState())
    assert (tmp_path / "t.xlsx.bak").read_bytes() == original
    assert (tmp_path / "t.xlsx.bak").stat().st_ino == original_inode  # linked, not copied
    after_first = path.read_bytes()
    backend.read()
    backend.write([CellUpdate(2, "Why", "second")], [], SyncState())
    assert (tmp_path / "t.xlsx.bak").read_bytes() == after_first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx", "t.xlsx.bak"]


def test_a_file_changed_since_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    backend = open_local(path)
    backend.read()
    save_tracker(path, ["Company", "Why"], [["Acme edited", None]])
    edited = path.read_bytes()
    with pytest.raises(ConflictError, match="changed while syncing"):
        backend.write([CellUpdate(2, "Why", "x")], [], SyncState())
    assert path.read_bytes() == edited


def test_a_file_open_in_excel_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    (tmp_path / "~$t.xlsx").write_bytes(b"lock")
    backend = open_local(path)
    backend.read()
    with pytest.raises(TrackerError, match="open in a spreadsheet app"):
        backend.write([CellUpdate(2, "Why", "x")], [], SyncState())


def test_macro_workbooks_open_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsm"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Why", "x")], [], SyncState())
    assert open_local(path).read().rows == [["Acme", "x"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "password-protected"),
        (b"PK\x03\x04 truncated", "not a readable .xlsx"),
        (b"Company,Stage\n", "not a readable .xlsx"),
    ],
)
def test_encrypted_and_corrupt_files_are_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(content)
    with pytest.raises(TrackerError, match=message):
        open_local(path).read()


def test_a_new_file_keeps_the_old_permissions(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    os.chmod(path, 0o640)
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Why", "x")], [], SyncState())
    assert path.stat().st_mode & 0o777 == 0o640


def test_formula_like_text_is_stored_with_an_apostrophe(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    save_tracker(path, ["Company", "Why"], [["Acme", None]])
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Why", "+1 day")], [], SyncState())
    cell: Any = openpyxl.load_workbook(path).active["B2"]
    assert (cell.value, cell.data_type) == ("'+1 day", "s")
