"""`init --sheet` (prepare_sheet) and `doctor` against the emulator."""

from __future__ import annotations

import pytest

from syncer.errors import HeaderError
from syncer.google.setup import default_header, doctor, prepare_sheet
from syncer.google.sheet_cells import rectangles
from tests.google.conftest import Google, sheet_config


def test_an_empty_sheet_gets_headers_dropdowns_and_formats(google: Google) -> None:
    key = google.sheets.create_spreadsheet("New", {"Sheet1": []})
    done = prepare_sheet(sheet_config(key), transport=google.transport)
    assert done
    assert google.sheets.grid(key, "Sheet1")[0] == default_header()
    sheet = google.sheets.sheet(key, "Sheet1")
    assert sheet.properties["gridProperties"]["frozenRowCount"] == 1
    assert sheet.conditional_formats
    stage = google.sheets.cell(key, "Sheet1", "C2")
    values = stage["dataValidation"]["condition"]["values"]
    assert [v["userEnteredValue"] for v in values][:2] == ["Wishlist", "Applied"]


def test_a_header_row_without_the_required_headers_is_left_alone(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Mine", {"Sheet1": [["Employer", "Notes"]]})
    with pytest.raises(HeaderError, match="leaves it as it is"):
        prepare_sheet(sheet_config(key), transport=google.transport)
    assert google.sheets.grid(key, "Sheet1") == [["Employer", "Notes"]]


def test_doctor_reports_each_check(google: Google, example_sheet: str) -> None:
    checks = doctor(sheet_config(example_sheet), transport=google.transport)
    assert {c.name for c in checks} >= {"account", "access", "headers", "config"}
    assert all(c.ok for c in checks), checks
    broken = google.sheets.create_spreadsheet("Bad", {"Sheet1": [["Company", "Company"]]})
    failing = [c for c in doctor(sheet_config(broken), transport=google.transport) if not c.ok]
    assert [c.name for c in failing] == ["headers"] and failing[0].fix


def test_changed_cells_merge_into_few_rectangles() -> None:
    cells = {(1, 3): "a", (1, 4): "b", (2, 3): "c", (2, 4): "d", (5, 0): "x"}
    blocks = rectangles(cells)
    assert [(b.row, b.column, b.values) for b in blocks] == [
        (1, 3, [["a", "b"], ["c", "d"]]),
        (5, 0, [["x"]]),
    ]
    assert blocks[0].a1("It's") == "'It''s'!D2:E3"
