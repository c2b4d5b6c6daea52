"""A tab's grid (its rowCount x columnCount) is a hard edge on Google: a values write past it is
refused whole with 400 "Range (...) exceeds grid limits". syncer grows a grid before it writes
past it. Pure helpers: the grid size a read's echo shows, and the requests that grow a grid.

Google echoes a range with no row bounds (a whole tab, ``'_syncer'!A:C``) to the grid's last
row, and a whole tab to its last column (``Sheet1!A1:Z1000``, in gspread's recorded traffic), so
the nightly read tells the grid's size at no extra cost.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from syncer.google.sheet_cells import STATE_SHEET

_LAST_CELL = re.compile(r":([A-Za-z]+)(\d+)$")
#: Rows the state sheet gets beyond what it needs when it is created or grown, so a tracker
#: that grows by a few rows a night grows ``_syncer`` about once per thousand new rows.
STATE_HEADROOM = 1000
STATE_COLUMNS = 3


@dataclass(frozen=True)
class Grid:
    rows: int
    columns: int


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def echoed_grid(echo: str) -> Grid | None:
    """The grid a whole-tab read's echo shows (``'Tab'!A1:AF1000`` -> 1000 x 32); None when
    the echo names no last cell."""
    cells = echo.rpartition("!")[2]
    found = _LAST_CELL.search(cells)
    if found is None:
        return None
    return Grid(int(found[2]), column_number(found[1]))


def grown(have: Grid, request: dict[str, Any]) -> Grid:
    """The grid after an appendDimension request."""
    spec = request["appendDimension"]
    if spec["dimension"] == "ROWS":
        return Grid(have.rows + spec["length"], have.columns)
    return Grid(have.rows, have.columns + spec["length"])


def grid_of(properties: dict[str, Any]) -> Grid:
    """A tab's grid from its SheetProperties (as spreadsheets.get returns them)."""
    grid = properties.get("gridProperties") or {}
    return Grid(int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))


def append(sheet_id: int, dimension: str, length: int) -> dict[str, Any]:
    """appendDimension: it only ever adds blank rows or columns, so no cell is ever lost."""
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def growth(
    sheet_id: int, have: Grid, rows: int, columns: int, headroom: int = 0
) -> list[dict[str, Any]]:
    """The appendDimension requests that let a tab hold ``rows`` x ``columns`` (none if it does);
    rows grow by ``headroom`` more than they need."""
    requests: list[dict[str, Any]] = []
    if rows > have.rows:
        requests.append(append(sheet_id, "ROWS", rows - have.rows + headroom))
    if columns > have.columns:
        requests.append(append(sheet_id, "COLUMNS", columns - have.columns))
    return requests


def state_sheet_id(key: str, taken: set[int]) -> int:
    """The sheetId syncer gives ``_syncer``: drawn from the spreadsheet's key, so a setup sent
    again after a lost answer makes the same sheet, and the next free one if it is taken."""
    sheet_id = zlib.crc32(f"syncer:{key}".encode()) & 0x7FFFFFFF
    while sheet_id in taken or sheet_id == 0:
        sheet_id = (sheet_id + 1) & 0x7FFFFFFF
    return sheet_id


def state_sheet(sheet_id: int, rows: int) -> dict[str, Any]:
    """addSheet for the hidden state sheet, sized for ``rows`` with headroom."""
    return {
        "addSheet": {
            "properties": {
                "sheetId": sheet_id,
                "title": STATE_SHEET,
                "hidden": True,
                "gridProperties": {
                    "rowCount": max(rows, 0) + STATE_HEADROOM,
                    "columnCount": STATE_COLUMNS,
                },
            }
        }
    }
