"""Rows and columns: the spreadsheets.batchUpdate requests that insert, delete, resize, sort
and group them, and the shift that moves cells and ranges when rows or columns come and go.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from syncer.emulator.cells import Cell, Value, plain
from syncer.emulator.drive import parse_field_mask
from syncer.emulator.fieldmask import apply_masked_update
from syncer.emulator.spreadsheet import (
    JSON,
    RequestError,
    SheetState,
    Spreadsheet,
    cells_of,
    echo_grid_range,
)


def shift(book: Spreadsheet, sheet: SheetState, dimension: str, start: int, count: int) -> None:
    """Insert (count > 0) or delete (count < 0) rows/columns at ``start``."""
    axis = 0 if dimension == "ROWS" else 1

    def moved(index: int) -> int | None:
        if index < start:
            return index
        if count < 0 and index < start - count:
            return None
        return index + count

    cells: dict[tuple[int, int], Cell] = {}
    for key, cell in sheet.cells.items():
        index = moved(key[axis])
        if index is not None:
            cells[(index, key[1]) if axis == 0 else (key[0], index)] = cell
    sheet.cells = cells
    metadata = sheet.row_metadata if axis == 0 else sheet.column_metadata
    shifted = {moved(i): m for i, m in metadata.items()}
    metadata.clear()
    metadata.update({i: m for i, m in shifted.items() if i is not None})
    names = (
        ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    )
    ranges = (
        [m for m in sheet.merges]
        + [p["range"] for p in sheet.protected_ranges]
        + [n["range"] for n in book.named_ranges if n["range"].get("sheetId", 0) == sheet.sheet_id]
    )
    for grid_range in ranges:
        for name in names:
            if name in grid_range:
                edge = grid_range[name]
                grid_range[name] = (
                    edge + count
                    if edge > start or (name == names[0] and edge == start and count > 0)
                    else (max(start, edge + count) if count < 0 and edge > start else edge)
                )
    grid = sheet.properties["gridProperties"]
    grid["rowCount" if axis == 0 else "columnCount"] += count


def insert_dimension(book: Spreadsheet, item: JSON) -> None:
    spec = item["insertDimension"]["range"]
    sheet = book.sheet_by_id(spec.get("sheetId", 0))
    start, end = spec.get("startIndex", 0), spec["endIndex"]
    shift(book, sheet, spec["dimension"], start, end - start)


def delete_dimension(book: Spreadsheet, item: JSON) -> None:
    spec = item["deleteDimension"]["range"]
    sheet = book.sheet_by_id(spec.get("sheetId", 0))
    start = spec.get("startIndex", 0)
    limit = sheet.row_count if spec["dimension"] == "ROWS" else sheet.column_count
    end = spec.get("endIndex", limit)
    if end - start >= limit:
        raise RequestError(
            "You can't delete all the rows on the sheet."
            if spec["dimension"] == "ROWS"
            else "You can't delete all the columns on the sheet."
        )
    shift(book, sheet, spec["dimension"], start, start - end)


def append_dimension(book: Spreadsheet, item: JSON) -> None:
    spec = item["appendDimension"]
    sheet = book.sheet_by_id(spec.get("sheetId", 0))
    key = "rowCount" if spec["dimension"] == "ROWS" else "columnCount"
    sheet.properties["gridProperties"][key] += spec["length"]


def update_dimension_properties(book: Spreadsheet, item: JSON) -> None:
    spec = item["updateDimensionProperties"]
    grid_range = spec["range"]
    sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
    metadata = sheet.row_metadata if grid_range["dimension"] == "ROWS" else sheet.column_metadata
    tree = parse_field_mask(spec.get("fields") or "*")
    for index in range(grid_range.get("startIndex", 0), grid_range["endIndex"]):
        entry = metadata.setdefault(index, {})
        apply_masked_update(entry, spec.get("properties") or {}, tree)
        if entry.get("hiddenByUser") is False:
            del entry["hiddenByUser"]


def sort_range(book: Spreadsheet, item: JSON) -> None:
    spec = item["sortRange"]
    sheet, bounds = cells_of(book, spec["range"])
    start_col = bounds.start_column or 0
    rows = list(range(bounds.start_row or 0, bounds.end_row or 0))
    columns = range(start_col, bounds.end_column or 0)
    records = [{c: sheet.cells.pop((r, c)) for c in columns if (r, c) in sheet.cells} for r in rows]

    def value(record: dict[int, Cell], column: int) -> Value:
        return plain((record.get(column) or {}).get("userEnteredValue"))

    def compare(left: dict[int, Cell], right: dict[int, Cell]) -> int:
        for sort_spec in spec.get("sortSpecs") or [{"dimensionIndex": start_col}]:
            column = sort_spec.get("dimensionIndex", 0)
            order = -1 if sort_spec.get("sortOrder") == "DESCENDING" else 1
            result = _sort_compare(value(left, column), value(right, column), order)
            if result:
                return result
        return 0

    records.sort(key=functools.cmp_to_key(compare))
    for r, record in zip(rows, records, strict=True):
        for c, cell in record.items():
            sheet.cells[(r, c)] = cell


def _sort_compare(left: Value, right: Value, order: int) -> int:
    """Google's order: numbers, then text (case-insensitive), then booleans; blanks last."""
    if left in (None, "") or right in (None, ""):
        return (left in (None, "")) - (right in (None, ""))

    def key(value: Value) -> tuple[int, Any]:
        if isinstance(value, bool):
            return (2, value)
        if isinstance(value, int | float):
            return (0, value)
        return (1, str(value).lower())

    a, b = key(left), key(right)
    return order * ((a > b) - (a < b))


def _groups(book: Spreadsheet, grid_range: JSON) -> tuple[SheetState, list[JSON]]:
    sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
    return sheet, sheet.row_groups if grid_range["dimension"] == "ROWS" else sheet.column_groups


def add_dimension_group(book: Spreadsheet, item: JSON) -> JSON:
    grid_range = copy.deepcopy(item["addDimensionGroup"]["range"])
    sheet, groups = _groups(book, grid_range)
    depth = 1 + sum(
        1
        for g in groups
        if g["range"]["startIndex"] <= grid_range["startIndex"]
        and g["range"]["endIndex"] >= grid_range["endIndex"]
    )
    groups.append({"range": echo_grid_range(grid_range), "depth": depth})
    control = (
        "rowGroupControlAfter" if grid_range["dimension"] == "ROWS" else "columnGroupControlAfter"
    )
    sheet.properties["gridProperties"][control] = True
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(book: Spreadsheet, item: JSON) -> JSON:
    grid_range = item["deleteDimensionGroup"]["range"]
    _sheet, groups = _groups(book, grid_range)
    match = next(
        (
            g
            for g in sorted(groups, key=lambda g: -g["depth"])
            if g["range"]["startIndex"] <= grid_range["startIndex"]
            and g["range"]["endIndex"] >= grid_range["endIndex"]
        ),
        None,
    )
    if match is None:
        raise RequestError("No dimension group found in the range.")
    groups.remove(match)
    return {"deleteDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)} if groups else {}}
