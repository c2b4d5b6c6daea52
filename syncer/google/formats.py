"""The look syncer gives a new owned column in Sheets: real dates, a wrapped Draft, a hidden
Row ID (requests for one spreadsheets:batchUpdate)."""

from __future__ import annotations

from typing import Any

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
DATETIME_FORMAT = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
DRAFT_WIDTH_PX = 360


def column_format(
    sheet_id: int, header_row: int, column: int, name: str | None
) -> list[dict[str, Any]]:
    """The look of a new owned column: date formats, a wrapped Draft, a hidden Row ID."""
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
