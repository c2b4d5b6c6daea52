"""The look syncer gives a new owned column in Sheets: real dates, a wrapped Draft, a hidden
Row ID, every other one shown (requests for one spreadsheets:batchUpdate)."""

from __future__ import annotations

from typing import Any

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
DATETIME_FORMAT = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
DRAFT_WIDTH_PX = 360


def column_format(
    sheet_id: int, header_row: int, column: int, name: str | None
) -> list[dict[str, Any]]:
    """The look of a new owned column: date formats, a wrapped Draft, a hidden Row ID; any
    other new column is shown, even where the person hid the unused columns."""
    requests_ = _column_look(sheet_id, header_row, column, name)
    if name != "row_id":
        requests_.append(shown(sheet_id, column))
    return requests_


def shown(sheet_id: int, column: int) -> dict[str, Any]:
    """Unhide one column: a new column of syncer's may land among columns a person hid
    ("hide all unused columns"), and a hidden Next Action is no use."""
    return {
        "updateDimensionProperties": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "COLUMNS",
                "startIndex": column,
                "endIndex": column + 1,
            },
            "properties": {"hiddenByUser": False},
            "fields": "hiddenByUser",
        }
    }


def _column_look(
    sheet_id: int, header_row: int, column: int, name: str | None
) -> list[dict[str, Any]]:
    cells = {
        "sheetId": sheet_id,
        "startRowIndex": header_row,
        "startColumnIndex": column,
        "endColumnIndex": column + 1,
    }
    columns = {
        "sheetId": sheet_id,
        "dimension": "COLUMNS",
        "startIndex": column,
        "endIndex": column + 1,
    }
    if name in ("due_date", "last_synced"):
        pattern = DATE_FORMAT if name == "due_date" else DATETIME_FORMAT
        return [
            {
                "repeatCell": {
                    "range": cells,
                    "cell": {"userEnteredFormat": {"numberFormat": pattern}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        ]
    if name == "draft":
        return [
            {
                "repeatCell": {
                    "range": cells,
                    "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                    "fields": "userEnteredFormat.wrapStrategy",
                }
            },
            {
                "updateDimensionProperties": {
                    "range": columns,
                    "properties": {"pixelSize": DRAFT_WIDTH_PX},
                    "fields": "pixelSize",
                }
            },
        ]
    if name == "row_id":
        return [
            {
                "updateDimensionProperties": {
                    "range": columns,
                    "properties": {"hiddenByUser": True},
                    "fields": "hiddenByUser",
                }
            }
        ]
    return []
