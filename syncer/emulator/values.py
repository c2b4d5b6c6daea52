"""The values endpoints' logic: reading a range as a matrix, writing one (RAW or USER_ENTERED),
appending under a table and clearing.
"""

from __future__ import annotations

import json
from typing import Any

from syncer.emulator import a1, grid
from syncer.emulator.cells import raw_value
from syncer.emulator.core import Request
from syncer.emulator.dimensions import shift
from syncer.emulator.locale_input import parse_user_entered
from syncer.emulator.protection import ProtectedError, require_editable
from syncer.emulator.spreadsheet import JSON, RequestError, SheetState, Spreadsheet, cells_in


def matrix(
    book: Spreadsheet,
    sheet: SheetState,
    bounds: a1.Bounds,
    render: str,
    dates: str,
    major: str,
) -> list[list[Any]]:
    """The rendered values in ``bounds``, rows or columns first, trailing blanks trimmed."""
    rows = [
        [
            book.render(sheet, r, c, render, dates)
            for c in range(bounds.start_column or 0, bounds.end_column or 0)
        ]
        for r in range(bounds.start_row or 0, bounds.end_row or 0)
    ]
    if major == "COLUMNS":
        rows = [list(column) for column in zip(*rows, strict=True)] if rows else []
    trimmed = [trim_row(row) for row in rows]
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def value_range(book: Spreadsheet, text: str, request: Request) -> JSON:
    """values.get: the ValueRange of ``text`` under the request's render options."""
    return value_range_as(
        book,
        text,
        request.param("majorDimension") or "ROWS",
        request.param("valueRenderOption") or "FORMATTED_VALUE",
        request.param("dateTimeRenderOption") or "SERIAL_NUMBER",
    )


def value_ranges_by_data_filter(book: Spreadsheet, body: JSON) -> JSON:
    """values.batchGetByDataFilter (a POST: the options are the body's): a MatchedValueRange
    per data filter, each naming the filter it matched (Sheets v4 discovery document,
    ``BatchGetValuesByDataFilterResponse``). Only ``a1Range`` filters are emulated; a grid range
    or developer-metadata lookup is refused rather than answered wrongly."""
    filters = body.get("dataFilters") or []
    if not filters:
        raise RequestError("Must specify at least one data filter.")
    options = (
        body.get("majorDimension") or "ROWS",
        body.get("valueRenderOption") or "FORMATTED_VALUE",
        body.get("dateTimeRenderOption") or "SERIAL_NUMBER",
    )
    matched = []
    for data_filter in filters:
        text = data_filter.get("a1Range") if isinstance(data_filter, dict) else None
        if not isinstance(text, str) or set(data_filter) != {"a1Range"}:
            raise RequestError("the emulator answers only a1Range data filters")
        matched.append(
            {"valueRange": value_range_as(book, text, *options), "dataFilters": [data_filter]}
        )
    return {"spreadsheetId": book.spreadsheet_id, "valueRanges": matched}


def value_range_as(book: Spreadsheet, text: str, major: str, render: str, dates: str) -> JSON:
    """The ValueRange of ``text``, ``major`` dimension first, under those render options."""
    sheet, cells = book.resolve(text)
    bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
    if (bounds.end_row or 0) > sheet.row_count or (bounds.end_column or 0) > sheet.column_count:
        raise RequestError(
            f"Range ({a1.format_range(sheet.title, bounds)}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
        )
    values = matrix(book, sheet, bounds, render, dates, major)
    body: JSON = {"range": a1.format_range(sheet.title, bounds), "majorDimension": major}
    if values:
        body["values"] = values
    return body


def write_values(
    book: Spreadsheet,
    sheet: SheetState,
    row: int,
    column: int,
    values: list[list[Any]],
    option: str,
) -> None:
    """Type ``values`` in from (row, column) as RAW or USER_ENTERED; None leaves a cell as it is.
    The tab grows to hold them (the values endpoints check the grid first: only a person typing
    through the Python API grows a tab this way)."""
    height = len(values)
    width = max((len(line) for line in values), default=0)
    if height and width:
        require_editable(book, sheet, a1.Bounds(row, row + height, column, column + width))
    for r, line in enumerate(values):
        for c, value in enumerate(line):
            if value is None:
                continue
            key = (row + r, column + c)
            cell = sheet.cells.setdefault(key, {})
            fmt = cell.setdefault("userEnteredFormat", {})
            if option == "USER_ENTERED":
                plain_text = (fmt.get("numberFormat") or {}).get("type") == "TEXT"
                entered, number_format = parse_user_entered(value, book.locale, plain_text)
            else:
                entered, number_format = raw_value(value), None
            if entered is None:
                cell.pop("userEnteredValue", None)
            else:
                cell["userEnteredValue"] = entered
            if number_format and "numberFormat" not in fmt:
                fmt["numberFormat"] = number_format
            if not fmt:
                del cell["userEnteredFormat"]
            if not cell:
                del sheet.cells[key]
    sheet.grow(row + height, column + width)


def update_values(
    book: Spreadsheet, text: str, body: JSON, option: str | None, request: Request
) -> JSON:
    """values.update: one ValueRange written at ``text``; the UpdateValuesResponse."""
    if option not in {"RAW", "USER_ENTERED"}:
        raise RequestError("'valueInputOption' is required but not specified")
    values = body.get("values")
    if values is None:
        values = []
    if not isinstance(values, list) or not all(isinstance(v, list) for v in values):
        raise list_value_error(values)
    if body.get("majorDimension") == "COLUMNS":
        width = max((len(v) for v in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    sheet, cells = book.resolve(text)
    start_row = (cells.start_row if cells else 0) or 0
    start_col = (cells.start_column if cells else 0) or 0
    height = len(values)
    width = max((len(v) for v in values), default=0)
    single_cell = cells is not None and cells.rows == 1 and cells.columns == 1
    if cells is not None and not single_cell:
        if cells.end_row is not None and start_row + height > cells.end_row:
            raise RequestError(
                f"Requested writing within range [{text}], but tried writing "
                f"to row [{start_row + height}]"
            )
        if cells.end_column is not None and start_col + width > cells.end_column:
            raise RequestError(
                f"Requested writing within range [{text}], but tried writing "
                f"to column [{a1.column_letters(start_col + width - 1)}]"
            )
    grid.require_inside(sheet, start_row, start_col, height, width)
    write_values(book, sheet, start_row, start_col, values, option)
    written = a1.Bounds(start_row, start_row + max(height, 1), start_col, start_col + max(width, 1))
    reply: JSON = {"spreadsheetId": book.spreadsheet_id}
    if height and width:
        reply.update(
            {
                "updatedRange": a1.format_range(sheet.title, written),
                "updatedRows": height,
                "updatedColumns": width,
                "updatedCells": sum(1 for line in values for v in line if v is not None),
            }
        )
    else:
        reply["updatedRange"] = a1.format_range(sheet.title, written)
    if str(request.param("includeValuesInResponse", "false")).lower() == "true":
        reply["updatedData"] = value_range(book, a1.format_range(sheet.title, written), request)
    return reply


def clear_values(book: Spreadsheet, text: str) -> str:
    """Clear the values (formats stay) in ``text``; returns the cleared range in A1."""
    sheet, cells = book.resolve(text)
    bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
    require_editable(book, sheet, bounds)
    for key in cells_in(bounds):
        cell = sheet.cells.get(key)
        if cell is not None:
            cell.pop("userEnteredValue", None)
            if not cell:
                del sheet.cells[key]
    return a1.format_range(sheet.title, bounds)


def batch_update_values(book: Spreadsheet, body: JSON, request: Request) -> JSON:
    """values.batchUpdate: every ValueRange in ``data`` written, with the totals."""
    responses = []
    for index, item in enumerate(body.get("data", [])):
        try:
            responses.append(
                update_values(
                    book, item.get("range", ""), item, body.get("valueInputOption"), request
                )
            )
        except (grid.GridError, ProtectedError) as error:
            # Google names the ValueRange it refused (evidence: grid.py, protection.py).
            raise RequestError(f"Invalid data[{index}]: {error}") from None
    updated = [r for r in responses if "updatedCells" in r]
    reply: JSON = {"spreadsheetId": book.spreadsheet_id}
    if updated:
        reply.update(
            {
                "totalUpdatedRows": sum(r["updatedRows"] for r in updated),
                "totalUpdatedColumns": max(r["updatedColumns"] for r in updated),
                "totalUpdatedCells": sum(r["updatedCells"] for r in updated),
                "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in updated}),
            }
        )
    reply["responses"] = responses
    return reply


def append_values(book: Spreadsheet, text: str, body: JSON, request: Request) -> JSON:
    """values.append: the rows written under the table found at ``text``."""
    sheet, cells = book.resolve(text)
    bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
    table = find_table(sheet, bounds)
    row = table.end_row if table else bounds.start_row
    column = table.start_column if table else bounds.start_column
    lines = body.get("values") or []
    by_columns = body.get("majorDimension") == "COLUMNS"
    height = max((len(line) for line in lines), default=0) if by_columns else len(lines)
    if request.param("insertDataOption") == "INSERT_ROWS":
        shift(book, sheet, "ROWS", row or 0, height)
    # Only values.append adds rows to a tab ("new rows are added if needed"); never columns.
    sheet.grow((row or 0) + height, 0)
    grid.require_cell_limit(book)
    target = a1.format_range(sheet.title, a1.Bounds(row, (row or 0) + 1, column, (column or 0) + 1))
    updates = update_values(book, target, body, request.param("valueInputOption"), request)
    reply: JSON = {"spreadsheetId": book.spreadsheet_id}
    if table:
        reply["tableRange"] = a1.format_range(sheet.title, table)
    reply["updates"] = updates
    return reply


def trim_row(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def list_value_error(values: Any) -> RequestError:
    shown = json.dumps(values, ensure_ascii=False)
    message = (
        f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), {shown}"
    )
    return RequestError(
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "data.values", "description": message}],
            }
        ],
    )


def find_table(sheet: SheetState, bounds: a1.Bounds) -> a1.Bounds | None:
    """The block of filled rows that starts at the range's first row (values.append's
    "table"); None when that row is empty."""
    start_row = bounds.start_row or 0
    columns = range(bounds.start_column or 0, bounds.end_column or 0)

    def filled(row: int) -> list[int]:
        return [c for c in columns if (sheet.cells.get((row, c)) or {}).get("userEnteredValue")]

    row = start_row
    used: list[int] = []
    while row < sheet.row_count and filled(row):
        used.extend(filled(row))
        row += 1
    if not used:
        return None
    first = max(used)
    while first - 1 in used:
        first -= 1
    return a1.Bounds(start_row, row, first, max(used) + 1)
