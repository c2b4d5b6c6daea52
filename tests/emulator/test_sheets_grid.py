"""A tab's grid is a hard edge, as on Google: writes past it are refused whole (400), only
values.append adds rows, and a workbook holds at most ten million cells (evidence in
syncer/emulator/grid.py)."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError

from syncer.emulator import SheetsService


def refused(error: pytest.ExceptionInfo[APIError]) -> tuple[int, str, str]:
    body: dict[str, Any] = error.value.error
    return error.value.code, str(body.get("status")), str(body.get("message"))


def grid_of(gc: gspread.Client, key: str, title: str) -> tuple[int, int]:
    sheet = gc.open_by_key(key).worksheet(title)
    return sheet.row_count, sheet.col_count


def test_new_spreadsheets_and_added_tabs_are_1000_by_26(gc: gspread.Client) -> None:
    book = gc.create("t")
    plain = book.batch_update({"requests": [{"addSheet": {"properties": {"title": "More"}}}]})
    grid = plain["replies"][0]["addSheet"]["properties"]["gridProperties"]
    assert (grid["rowCount"], grid["columnCount"]) == (1000, 26)
    assert (book.sheet1.row_count, book.sheet1.col_count) == (1000, 26)


def test_a_values_update_one_row_past_the_grid_is_refused_with_googles_message(
    gc: gspread.Client, sheets: SheetsService
) -> None:
    sheet = gc.create("t").sheet1
    before = sheets.snapshot(sheet.spreadsheet_id)
    with pytest.raises(APIError) as error:
        sheet.update([["x"], ["y"]], "A1000")
    assert refused(error) == (
        400,
        "INVALID_ARGUMENT",
        "Range (Sheet1!A1000:A1001) exceeds grid limits. Max rows: 1000, max columns: 26",
    )
    assert sheets.snapshot(sheet.spreadsheet_id) == before, "nothing of the write is kept"
    assert grid_of(gc, sheet.spreadsheet_id, "Sheet1") == (1000, 26)
    sheet.update([["x"]], "Z1000")  # the last cell is inside


def test_a_header_one_column_past_the_grid_is_refused(gc: gspread.Client) -> None:
    sheet = gc.create("t").add_worksheet("My tab", rows=10, cols=3)
    with pytest.raises(APIError) as error:
        sheet.update([["a", "b", "c", "d"]], "A1")
    assert refused(error)[2] == (
        "Range ('My tab'!A1:D1) exceeds grid limits. Max rows: 10, max columns: 3"
    )


def test_a_values_batch_update_past_the_grid_is_refused_whole(
    gc: gspread.Client, sheets: SheetsService
) -> None:
    sheet = gc.create("t").add_worksheet("small", rows=2, cols=2)
    with pytest.raises(APIError) as error:
        sheet.batch_update(
            [{"range": "A1", "values": [["kept?"]]}, {"range": "A3", "values": [["x"]]}]
        )
    assert refused(error)[2] == (
        "Invalid data[1]: Range (small!A3) exceeds grid limits. Max rows: 2, max columns: 2"
    )
    assert sheets.grid(sheet.spreadsheet_id, "small") == [], "the first range is not kept either"


def test_only_values_append_adds_rows(gc: gspread.Client, sheets: SheetsService) -> None:
    sheet = gc.create("t").add_worksheet("small", rows=2, cols=2)
    sheet.update([["a", "b"], ["c", "d"]], "A1")
    sheet.append_rows([["e", "f"], ["g", "h"]])
    assert grid_of(gc, sheet.spreadsheet_id, "small") == (4, 2)
    assert sheets.grid(sheet.spreadsheet_id, "small")[-1] == ["g", "h"]
    with pytest.raises(APIError) as error:
        sheet.append_row(["i", "j", "k"])
    assert "exceeds grid limits" in refused(error)[2], "append adds rows, never columns"


def test_a_grid_range_that_starts_past_the_grid_is_refused(gc: gspread.Client) -> None:
    book = gc.create("t")
    bold = {"userEnteredFormat": {"textFormat": {"bold": True}}}

    def repeat(grid_range: dict[str, int]) -> dict[str, Any]:
        return {
            "repeatCell": {
                "range": {"sheetId": 0, **grid_range},
                "cell": bold,
                "fields": "userEnteredFormat.textFormat.bold",
            }
        }

    with pytest.raises(APIError) as error:
        book.batch_update(
            {
                "requests": [
                    repeat({"startRowIndex": 0}),
                    repeat({"startRowIndex": 1000, "endColumnIndex": 2}),
                ]
            }
        )
    assert refused(error)[2] == (
        "Invalid requests[1].repeatCell: Range (Sheet1!A1001:B) exceeds grid limits. "
        "Max rows: 1000, max columns: 26"
    )
    # Starting inside and ending past is applied to the cells the grid has; the grid stays.
    book.batch_update({"requests": [repeat({"startRowIndex": 999, "endRowIndex": 1003})]})
    assert grid_of(gc, book.id, "Sheet1") == (1000, 26)


def test_update_cells_rows_past_the_grid_are_refused(gc: gspread.Client) -> None:
    book = gc.create("t")
    cell = {"userEnteredValue": {"stringValue": "x"}}
    with pytest.raises(APIError) as error:
        book.batch_update(
            {
                "requests": [
                    {
                        "updateCells": {
                            "start": {"sheetId": 0, "rowIndex": 999, "columnIndex": 0},
                            "rows": [{"values": [cell]}, {"values": [cell]}],
                            "fields": "userEnteredValue",
                        }
                    }
                ]
            }
        )
    assert refused(error)[2] == (
        "Invalid requests[0].updateCells: Range (Sheet1!A1000:A1001) exceeds grid limits. "
        "Max rows: 1000, max columns: 26"
    )


def test_growing_a_grid_first_in_the_same_batch_lets_the_write_in(gc: gspread.Client) -> None:
    book = gc.create("t")
    book.batch_update(
        {
            "requests": [
                {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 6}},
                {
                    "updateCells": {
                        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 31},
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": "AF"}}]}],
                        "fields": "userEnteredValue",
                    }
                },
            ]
        }
    )
    assert book.sheet1.acell("AF1").value == "AF"


def test_the_workbook_holds_at_most_ten_million_cells(gc: gspread.Client) -> None:
    book = gc.create("t")
    with pytest.raises(APIError) as error:
        book.batch_update(
            {
                "requests": [
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": 0, "gridProperties": {"rowCount": 384_616}},
                            "fields": "gridProperties.rowCount",
                        }
                    }
                ]
            }
        )
    assert refused(error)[2] == (
        "Invalid requests[0].updateSheetProperties: This action would increase the number of "
        "cells in the workbook above the limit of 10000000 cells."
    )
    assert grid_of(gc, book.id, "Sheet1") == (1000, 26), "nothing of the batch is kept"
    book.batch_update(
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "gridProperties": {"rowCount": 384_615}},
                        "fields": "gridProperties.rowCount",
                    }
                }
            ]
        }
    )
    with pytest.raises(APIError) as added:
        book.add_worksheet("one more", rows=1, cols=26)
    assert "above the limit of 10000000 cells" in refused(added)[2]
