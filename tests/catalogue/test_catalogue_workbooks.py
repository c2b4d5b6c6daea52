"""The bad-input catalogue, workbooks as people really have them: columns hidden by "hide all
unused columns", an Excel Table (ListObject) over the tracker with a totals row, merged cells
in the header row. syncer's new columns are visible, join the Table and never land inside a
merged range; the totals row is not an application; every person's cell is kept; and the
written file still opens (openpyxl, and LibreOffice when it is installed).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from syncer.columns import column_letter
from syncer.sync import sync_tracker
from tests.catalogue.helpers import (
    BASE_HEADER,
    OWNED_HEADERS,
    assert_xlsx_person_cells_kept,
    follow_up_due,
    sync,
    xlsx_cells,
    xlsx_owned,
)
from tests.catalogue.test_catalogue_sheets import batch_update, sheet_id
from tests.google.conftest import OPTIONS, Google, sheet_config

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
APPLIED = "2026-11-18"
DUE = follow_up_due(__import__("datetime").date(2026, 11, 18)).isoformat()
ROWS = [
    ["Acme", "Dev", "applied", APPLIED, "note", "mine"],
    ["Globex", "Analyst", "wishlist", "", "", "0042"],
]
LAST_COLUMN = 16_384  # XFD


def part_xml(path: Path, member: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(member))


def hidden_columns(path: Path, upto: int = 30) -> set[int]:
    """The hidden columns among 1..upto of the first sheet, from its ``<col>`` ranges."""
    hidden: set[int] = set()
    for col in part_xml(path, "xl/worksheets/sheet1.xml").iter(f"{MAIN}col"):
        if col.get("hidden") in ("1", "true"):
            low, high = int(col.get("min", "0")), int(col.get("max", "0"))
            hidden |= set(range(low, min(high, upto) + 1))
    return hidden


def workbook(path: Path, rows: list[list[object]] = ROWS) -> tuple[Workbook, object]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Applications"
    for values in [BASE_HEADER, *rows]:
        sheet.append(values)
    return book, sheet


def hidden_unused(path: Path) -> Path:
    """Columns G to XFD hidden, as Excel's "hide all unused columns" leaves them."""
    book, sheet = workbook(path)
    dimension = sheet.column_dimensions["G"]  # type: ignore[attr-defined]
    dimension.min, dimension.max, dimension.hidden = 7, LAST_COLUMN, True
    book.save(path)
    return path


def with_table(path: Path, *, totals: bool = True) -> Path:
    """An Excel Table "Jobs" over the tracker, with a totals row that counts the companies."""
    rows: list[list[object]] = [*ROWS]
    if totals:
        rows.append(["Total", None, None, None, None, "=SUBTOTAL(103,F2:F3)"])
    book, sheet = workbook(path, rows)
    table = Table(displayName="Jobs", ref=f"A1:F{len(rows) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    if totals:
        table.totalsRowCount = 1
    sheet.add_table(table)  # type: ignore[attr-defined]
    book.save(path)
    if totals:  # openpyxl writes no autoFilter for a Table with totals: Excel does
        _with_auto_filter(path, "A1:F3")
    return path


def _with_auto_filter(path: Path, ref: str) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    name = next(n for n in members if n.startswith("xl/tables/"))
    root = etree.fromstring(members[name])
    if root.find(f"{MAIN}autoFilter") is None:
        auto_filter = etree.Element(f"{MAIN}autoFilter", ref=ref)
        root.insert(0, auto_filter)
        members[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def merged_header(path: Path) -> Path:
    """The person's "My Column" header merged over F1:H1."""
    book, sheet = workbook(path)
    sheet.merge_cells("F1:H1")  # type: ignore[attr-defined]
    book.save(path)
    return path


def header_of(path: Path) -> list[object]:
    sheet = load_workbook(path).worksheets[0]
    return [cell.value for cell in sheet[1]]


# -- hidden columns ---------------------------------------------------------------------------


def test_new_columns_are_visible_where_unused_columns_were_hidden(tmp_path: Path) -> None:
    path = hidden_unused(tmp_path / "t.xlsx")
    before = xlsx_cells(path)

    run = sync(path)

    assert run.exit_code == 0, run.output
    assert_xlsx_person_cells_kept(before, path)
    header = header_of(path)
    assert header[6:] == OWNED_HEADERS
    row_id = header.index("Row ID") + 1
    assert hidden_columns(path) == {row_id, *range(row_id + 1, 31)}  # the rest stay hidden
    assert str(xlsx_owned(path, 2)["Due Date"])[:10] == DUE


# -- Excel Tables -----------------------------------------------------------------------------


def test_a_tables_totals_row_is_not_an_application(tmp_path: Path) -> None:
    path = with_table(tmp_path / "t.xlsx")
    before = xlsx_cells(path)

    run = sync(path)

    assert run.exit_code == 0, run.output
    assert [row["row"] for row in run.tracker["rows"]] == [2, 3]
    assert not any("row 4" in message for message in run.messages()), run.messages()
    assert_xlsx_person_cells_kept(before, path)
    assert set(xlsx_owned(path, 4).values()) == {None}
    assert load_workbook(path).worksheets[0]["F4"].value == "=SUBTOTAL(103,F2:F3)"


@pytest.mark.parametrize("totals", [True, False], ids=["totals row", "no totals row"])
def test_new_columns_join_the_table(tmp_path: Path, totals: bool) -> None:
    path = with_table(tmp_path / "t.xlsx", totals=totals)

    run = sync(path)

    assert run.exit_code == 0, run.output
    [member] = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/tables/")]
    table = part_xml(path, member)
    last = column_letter(len(BASE_HEADER) + len(OWNED_HEADERS) - 1)
    end = 4 if totals else 3
    assert table.get("ref") == f"A1:{last}{end}"
    names = [c.get("name") for c in table.iter(f"{MAIN}tableColumn")]
    assert names == [*BASE_HEADER, *OWNED_HEADERS]
    assert table.find(f"{MAIN}tableColumns").get("count") == str(len(names))
    if totals:
        assert table.find(f"{MAIN}autoFilter").get("ref") == f"A1:{last}3"
    [loaded] = load_workbook(path).worksheets[0].tables.values()
    assert loaded.ref == f"A1:{last}{end}"
    assert sync(path).tracker["cells_written"] == 0  # and the next run is quiet


def test_a_table_away_from_the_new_columns_is_left_alone(tmp_path: Path) -> None:
    """A Table over only some of the tracker's columns does not swallow syncer's columns."""
    path = tmp_path / "t.xlsx"
    book, sheet = workbook(path)
    sheet.add_table(Table(displayName="Left", ref="A1:C3"))  # type: ignore[attr-defined]
    book.save(path)
    original = part_xml(path, "xl/tables/table1.xml")

    assert sync(path).exit_code == 0

    assert etree.tostring(part_xml(path, "xl/tables/table1.xml")) == etree.tostring(original)


# -- merged header cells ----------------------------------------------------------------------


def test_new_headers_never_land_inside_a_merged_header(tmp_path: Path) -> None:
    path = merged_header(tmp_path / "t.xlsx")
    before = xlsx_cells(path)

    run = sync(path)

    assert run.exit_code == 0, run.output
    assert_xlsx_person_cells_kept(before, path)
    sheet = load_workbook(path).worksheets[0]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["F1:H1"]
    header = [cell.value for cell in sheet[1]]
    assert header[5:8] == ["My Column", None, None]
    assert header[8:] == OWNED_HEADERS
    assert str(xlsx_owned(path, 2)["Due Date"])[:10] == DUE


# -- the written files open in LibreOffice ----------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_written_workbooks_open_in_libreoffice(tmp_path: Path) -> None:
    made = [
        hidden_unused(tmp_path / "hidden.xlsx"),
        with_table(tmp_path / "table.xlsx"),
        merged_header(tmp_path / "merged.xlsx"),
    ]
    for path in made:
        assert sync(path).exit_code == 0
    out = tmp_path / "out"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(out),
            *map(str, made),
        ],
        check=True,
        capture_output=True,
        timeout=240,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    for path in made:
        with (out / f"{path.stem}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert "Next Action" in rows[0] and rows[1][0] == "Acme", (path.name, rows[:2])
        assert rows[1][rows[0].index("Next Action")] == "Follow up"


# -- Google Sheets: hidden columns ------------------------------------------------------------


def test_new_sheets_columns_are_visible_where_columns_were_hidden(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": [BASE_HEADER, *ROWS]})
    tab = sheet_id(google, key, "Applications")
    hide = {
        "updateDimensionProperties": {
            "range": {"sheetId": tab, "dimension": "COLUMNS", "startIndex": 6, "endIndex": 26},
            "properties": {"hiddenByUser": True},
            "fields": "hiddenByUser",
        }
    }
    batch_update(google, key, hide)

    result, _ = sync_tracker(sheet_config(key), OPTIONS, opener=google.opener())

    assert result.failed is None, result.failed
    metadata = google.sheets.sheet(key, "Applications").column_metadata
    hidden = {index for index in range(26) if metadata.get(index, {}).get("hiddenByUser")}
    row_id = len(BASE_HEADER) + OWNED_HEADERS.index("Row ID")
    assert hidden == {row_id, *range(row_id + 1, 26)}
    assert google.sheets.grid(key, "Applications")[0][6:] == OWNED_HEADERS
