"""A tab's grid is a hard edge: writes past it are refused, as Google refuses them.

Evidence (Google's answers, as public reports quote them word for word):

- values.update / values.batchUpdate past the grid: ``Range (Solar!Y1) exceeds grid limits.
  Max rows: 981, max columns: 24`` (home-assistant/core #104198, a header written one column
  past the grid), ``exceeds grid limits. Max rows: 2280, max columns: 178`` (pygsheets #124),
  and in a values.batchUpdate ``Invalid data[0]: Range (Raw!A19766) exceeds grid limits. Max
  rows: 19765, max columns: 23``. The range named is the block written. Nothing of the request
  is kept; only values.append adds rows (Google's reference: "the input will be appended ...
  new rows are added if needed").
- spreadsheets.batchUpdate requests on a GridRange (repeatCell, setDataValidation,
  updateCells with a range...): measured against the live API and published with the table of
  answers: a range that *starts* at or past the last row or column is refused, ``Invalid
  requests[0].repeatCell: Range (T!A1001:B) exceeds grid limits. Max rows: 1000, max columns:
  26`` (an open end is left open in the name); one that starts inside and ends past is applied
  to the cells the grid has.
- updateCells from a ``start`` coordinate: rows of data that run past the grid are refused
  (the stricter side: no published answer says Google clamps them).
- The workbook limit: ``This action would increase the number of cells in the workbook above
  the limit of 10000000 cells.`` (pygsheets #589, UoaWDCC/uasc-web #833; Google Workspace
  Updates, March 2022: ten million cells). Google applies a request, then checks the total
  (robin900/gspread-dataframe #37: a resize is refused on rowCount x old columnCount), so it is
  checked after every request of a batch.
"""

from __future__ import annotations

from syncer.emulator import a1
from syncer.emulator.spreadsheet import JSON, RequestError, SheetState, Spreadsheet

CELL_LIMIT = 10_000_000
CELL_LIMIT_MESSAGE = (
    f"This action would increase the number of cells in the workbook above the limit of "
    f"{CELL_LIMIT} cells."
)


class GridError(RequestError):
    """A write past a tab's grid (400 INVALID_ARGUMENT)."""


def _refusal(sheet: SheetState, cells: str) -> GridError:
    return GridError(
        f"Range ({a1.quote_title(sheet.title)}!{cells}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
    )


def require_inside(sheet: SheetState, row: int, column: int, height: int, width: int) -> None:
    """A block of values written at (row, column) must lie wholly inside the grid."""
    if not height or not width:
        return
    if row + height > sheet.row_count or column + width > sheet.column_count:
        block = a1.Bounds(row, row + height, column, column + width)
        raise _refusal(sheet, a1.format_cells(block))


def require_coordinate(sheet: SheetState, row: int, column: int) -> None:
    """A GridCoordinate must name a cell of the grid (Google's words for a start past it)."""
    if row >= sheet.row_count:
        raise GridError(
            f"GridCoordinate.rowIndex[{row}] is after last row in grid[{sheet.row_count - 1}]"
        )
    if column >= sheet.column_count:
        raise GridError(
            f"GridCoordinate.columnIndex[{column}] is after last column in grid"
            f"[{sheet.column_count - 1}]"
        )


def require_starts_inside(sheet: SheetState, bounds: a1.Bounds) -> None:
    """A GridRange must start inside the grid (its end may run past: that part is ignored)."""
    start_row, start_column = bounds.start_row or 0, bounds.start_column or 0
    if _empty(bounds) or (start_row < sheet.row_count and start_column < sheet.column_count):
        return
    end_column = "" if bounds.end_column is None else a1.column_letters(bounds.end_column - 1)
    end_row = "" if bounds.end_row is None else str(bounds.end_row)
    raise _refusal(sheet, f"{a1.column_letters(start_column)}{start_row + 1}:{end_column}{end_row}")


def inside(sheet: SheetState, bounds: a1.Bounds) -> a1.Bounds:
    """The part of ``bounds`` that the grid has (after ``require_starts_inside``)."""
    clamped = bounds.clamp(sheet.row_count, sheet.column_count)
    return a1.Bounds(
        clamped.start_row,
        min(clamped.end_row or 0, sheet.row_count),
        clamped.start_column,
        min(clamped.end_column or 0, sheet.column_count),
    )


def require_cell_limit(book: Spreadsheet) -> None:
    """The workbook's grids together may hold at most ten million cells."""
    if sum(sheet.row_count * sheet.column_count for sheet in book.sheets) > CELL_LIMIT:
        raise RequestError(CELL_LIMIT_MESSAGE)


def _empty(bounds: a1.Bounds) -> bool:
    """A range of no cells (rows 3 to 3) is taken and does nothing."""
    rows_empty = bounds.end_row is not None and bounds.end_row <= (bounds.start_row or 0)
    start_column = bounds.start_column or 0
    columns_empty = bounds.end_column is not None and bounds.end_column <= start_column
    return rows_empty or columns_empty


def cells_of(book: Spreadsheet, grid_range: JSON) -> tuple[SheetState, a1.Bounds]:
    """A GridRange's sheet and the concrete cells of it that the grid has; refused when it
    starts past the grid."""
    sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
    bounds = a1.Bounds(
        grid_range.get("startRowIndex", 0),
        grid_range.get("endRowIndex"),
        grid_range.get("startColumnIndex", 0),
        grid_range.get("endColumnIndex"),
    )
    require_starts_inside(sheet, bounds)
    return sheet, inside(sheet, bounds)
