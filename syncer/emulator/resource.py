"""The Spreadsheet resource as spreadsheets.get (and batchUpdate's updatedSpreadsheet) returns
it: properties, tabs, grid data with effective and formatted values.
"""

from __future__ import annotations

import copy

from syncer.emulator import a1
from syncer.emulator.cells import Cell, raw_value
from syncer.emulator.core import Request
from syncer.emulator.drive import apply_field_mask, parse_field_mask
from syncer.emulator.fieldmask import trim_row_data
from syncer.emulator.spreadsheet import JSON, SheetState, Spreadsheet
from syncer.emulator.styles import effective_format


def requested_resource(book: Spreadsheet, request: Request) -> JSON:
    """spreadsheets.get: the resource, with grid data and a ``fields`` mask as requested."""
    mask = request.param("fields")
    tree = parse_field_mask(mask) if mask else {}
    wants_data = str(request.param("includeGridData", "false")).lower() == "true" or (
        "data" in tree.get("sheets", {})
    )
    ranges = request.query.get("ranges", [])
    resource = spreadsheet_resource(book, wants_data, ranges)
    if not mask:
        return resource
    masked: JSON = apply_field_mask(resource, tree)
    for sheet in masked.get("sheets", []):
        for data in sheet.get("data", []):
            trim_row_data(data)
    return masked


def spreadsheet_resource(
    book: Spreadsheet, grid_data: bool = False, ranges: list[str] | None = None
) -> JSON:
    """The Spreadsheet resource; ``ranges`` limits the tabs (and grid data) to those ranges."""
    selected: dict[int, list[a1.Bounds | None]] = {}
    for text in ranges or []:
        sheet, cells = book.resolve(text)
        selected.setdefault(sheet.sheet_id, []).append(cells)
    sheets = []
    for sheet in book.sheets:
        if ranges and sheet.sheet_id not in selected:
            continue
        entry: JSON = {"properties": copy.deepcopy(sheet.properties)}
        if grid_data:
            entry["data"] = [
                _grid_data(book, sheet, cells) for cells in selected.get(sheet.sheet_id, [None])
            ]
        for key, value in (
            ("merges", sheet.merges),
            ("conditionalFormats", sheet.conditional_formats),
            ("protectedRanges", sheet.protected_ranges),
            ("rowGroups", sheet.row_groups),
            ("columnGroups", sheet.column_groups),
        ):
            if value:
                entry[key] = copy.deepcopy(value)
        if sheet.basic_filter:
            entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        sheets.append(entry)
    resource: JSON = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": copy.deepcopy(book.properties),
        "sheets": sheets,
    }
    if book.named_ranges:
        resource["namedRanges"] = copy.deepcopy(book.named_ranges)
    resource["spreadsheetUrl"] = (
        f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    )
    return resource


def _grid_data(book: Spreadsheet, sheet: SheetState, cells: a1.Bounds | None) -> JSON:
    bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
    start_row, start_col = bounds.start_row or 0, bounds.start_column or 0
    data: JSON = {}
    if start_row:
        data["startRow"] = start_row
    if start_col:
        data["startColumn"] = start_col
    rows = []
    for r in range(start_row, bounds.end_row or 0):
        values = [_cell_data(book, sheet, r, c) for c in range(start_col, bounds.end_column or 0)]
        while values and not values[-1]:
            values.pop()
        rows.append({"values": values} if values else {})
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        data["rowData"] = rows
    data["rowMetadata"] = [
        {"pixelSize": 21, **sheet.row_metadata.get(r, {})}
        for r in range(start_row, bounds.end_row or 0)
    ]
    data["columnMetadata"] = [
        {"pixelSize": 100, **sheet.column_metadata.get(c, {})}
        for c in range(start_col, bounds.end_column or 0)
    ]
    return data


def _cell_data(book: Spreadsheet, sheet: SheetState, row: int, column: int) -> Cell:
    stored = sheet.cells.get((row, column))
    if not stored:
        return {}
    cell = copy.deepcopy(stored)
    value = book.effective(sheet, row, column)
    if value is not None:
        cell["effectiveValue"] = raw_value(value) or {"stringValue": ""}
        cell["formattedValue"] = book.render(
            sheet, row, column, "FORMATTED_VALUE", "FORMATTED_STRING"
        )
    if "userEnteredFormat" in cell:
        cell["effectiveFormat"] = effective_format(cell["userEnteredFormat"])
    return cell


# -- spreadsheets.batchUpdate ------------------------------------------------------------
