"""The emulator's Python-side API: set up a tracker, change it as a person would, inspect it."""

from __future__ import annotations

from syncer.emulator import SheetsService


def test_create_and_read_back(sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet(
        "Tracker",
        {
            "Applications": [
                ["Company", "Applied On", "Follow-Ups Sent"],
                ["Acme", "3/4/2024", "2"],
            ],
            "Notes": [["free text"]],
        },
    )
    assert sheets.grid(key, "Applications") == [
        ["Company", "Applied On", "Follow-Ups Sent"],
        ["Acme", "3/4/2024", "2"],
    ]
    assert sheets.grid(key, "Applications", render="UNFORMATTED_VALUE")[1] == ["Acme", 45355, 2]
    applied = sheets.cell(key, "Applications", "B2")
    assert applied["userEnteredFormat"]["numberFormat"] == {"type": "DATE", "pattern": "m/d/yyyy"}
    assert [s.title for s in sheets.spreadsheet(key).sheets] == ["Applications", "Notes"]


def test_formulas_evaluate_or_keep_their_text(sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet(
        "t", {"S": [["1", "2", "=SUM(A1:B1)*2", '=A1&"x"', "=VLOOKUP(1,A1:B1,2)"]]}
    )
    assert sheets.grid(key, "S") == [["1", "2", "6", "1x", "=VLOOKUP(1,A1:B1,2)"]]
    assert sheets.formula(key, "S", "C1") == "=SUM(A1:B1)*2"
    sheets.set_cell(key, "S", "A1", 10)
    assert sheets.grid(key, "S")[0][2] == "24"


def test_insert_rows_and_sort_keep_other_cells(sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("t", {"S": [["Company", "Rank"], ["B", "2"], ["A", "1"]]})
    sheets.set_format(key, "S", "A2", {"textFormat": {"italic": True}})
    before = sheets.snapshot(key)
    sheets.insert_rows(key, "S", at=2)
    assert sheets.grid(key, "S") == [["Company", "Rank"], [], ["B", "2"], ["A", "1"]]
    assert sheets.snapshot(key)["S"]["A3"] == before["S"]["A2"]
    sheets.delete_rows(key, "S", at=2)
    assert sheets.snapshot(key) == before
    sheets.sort(key, "S", "B")
    assert sheets.grid(key, "S") == [["Company", "Rank"], ["A", "1"], ["B", "2"]]
    assert sheets.cell(key, "S", "A3")["userEnteredFormat"]["textFormat"] == {"italic": True}


def test_dates_render_as_strings_when_asked(sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("t", {"S": [["2024-03-05 14:30"]]})
    book = sheets.spreadsheet(key)
    sheet = book.sheets[0]
    assert book.render(sheet, 0, 0, "UNFORMATTED_VALUE", "SERIAL_NUMBER") == 45356 + 14.5 / 24
    assert book.render(sheet, 0, 0, "UNFORMATTED_VALUE", "FORMATTED_STRING") == (
        "2024-03-05 14:30:00"
    )
