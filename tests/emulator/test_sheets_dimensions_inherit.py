"""insertDimension's inheritFromBefore, and what rows/columns inserted or deleted carry along."""

from __future__ import annotations

import json
from typing import Any

import pytest

from syncer.emulator import SheetsService
from syncer.emulator.core import Emulator, Request

RED = {"backgroundColor": {"red": 1}}
GREEN = {"backgroundColor": {"green": 1}}


def batch_update(emulator: Emulator, key: str, *requests: Any) -> dict[str, Any]:
    body = json.dumps({"requests": requests}).encode()
    reply = emulator.handle(Request("POST", f"/v4/spreadsheets/{key}:batchUpdate", body=body))
    assert reply.status == 200, reply.body
    return dict(reply.body)


def insert(sheet_id: int, dimension: str, start: int, end: int, before: bool) -> dict[str, Any]:
    span = {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}
    return {"insertDimension": {"range": span, "inheritFromBefore": before}}


@pytest.fixture
def key(sheets: SheetsService) -> str:
    key = sheets.create_spreadsheet("t", {"S": [["red", "x"], ["green", "y"]]})
    sheets.set_format(key, "S", "A1:B1", RED)
    sheets.set_format(key, "S", "A2:B2", GREEN)
    return key


@pytest.mark.parametrize(("before", "colour"), [(True, RED), (False, GREEN)])
def test_inserted_rows_take_the_formats_of_the_row_before_or_after(
    emulator: Emulator, sheets: SheetsService, key: str, before: bool, colour: dict[str, Any]
) -> None:
    sheet_id = sheets.sheet(key, "S").sheet_id
    batch_update(emulator, key, insert(sheet_id, "ROWS", 1, 3, before))
    assert sheets.grid(key, "S") == [["red", "x"], [], [], ["green", "y"]]
    for cell in ("A2", "B3"):
        stored = sheets.cell(key, "S", cell)
        assert "userEnteredValue" not in stored
        assert stored["userEnteredFormat"]["backgroundColor"] == colour["backgroundColor"]
    assert "userEnteredFormat" not in sheets.cell(key, "S", "C2")


def test_inserted_columns_inherit_and_index_zero_cannot_inherit_from_before(
    emulator: Emulator, sheets: SheetsService, key: str
) -> None:
    sheet_id = sheets.sheet(key, "S").sheet_id
    batch_update(emulator, key, insert(sheet_id, "COLUMNS", 1, 2, True))
    assert sheets.grid(key, "S") == [["red", "", "x"], ["green", "", "y"]]
    assert sheets.cell(key, "S", "B2")["userEnteredFormat"]["backgroundColor"] == {"green": 1}
    body = json.dumps({"requests": [insert(sheet_id, "ROWS", 0, 1, True)]}).encode()
    reply = emulator.handle(Request("POST", f"/v4/spreadsheets/{key}:batchUpdate", body=body))
    assert reply.status == 400


def test_ranges_and_formulas_follow_inserted_and_deleted_rows(
    emulator: Emulator, sheets: SheetsService, key: str
) -> None:
    sheet_id = sheets.sheet(key, "S").sheet_id
    rows = {"sheetId": sheet_id, "startColumnIndex": 0, "endColumnIndex": 2}
    rule = {
        "ranges": [{**rows, "startRowIndex": 1, "endRowIndex": 2}],
        "booleanRule": {
            "condition": {"type": "NOT_BLANK"},
            "format": {"textFormat": {"bold": True}},
        },
    }
    batch_update(
        emulator,
        key,
        {"addConditionalFormatRule": {"rule": rule, "index": 0}},
        {"mergeCells": {"range": {**rows, "startRowIndex": 1, "endRowIndex": 2}}},
        {
            "addNamedRange": {
                "namedRange": {
                    "name": "Second",
                    "range": {**rows, "startRowIndex": 1, "endRowIndex": 2},
                }
            }
        },
    )
    sheets.set_cell(key, "S", "C5", "=A2&B2")
    batch_update(emulator, key, insert(sheet_id, "ROWS", 0, 2, False))
    sheet = sheets.sheet(key, "S")
    moved = {"startRowIndex": 3, "endRowIndex": 4}
    assert {k: sheet.conditional_formats[0]["ranges"][0][k] for k in moved} == moved
    assert {k: sheet.merges[0][k] for k in moved} == moved
    named = sheets.spreadsheet(key).named_ranges[0]["range"]
    assert {k: named[k] for k in moved} == moved
    assert sheets.formula(key, "S", "C7") == "=A4&B4"
    assert sheets.grid(key, "S")[6] == ["", "", "green"]  # the merge cleared B2
    delete = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}
    batch_update(emulator, key, {"deleteDimension": {"range": delete}})
    assert sheet.conditional_formats == [] and sheet.merges == []
    assert sheets.formula(key, "S", "C6") == "=#REF!&#REF!"
