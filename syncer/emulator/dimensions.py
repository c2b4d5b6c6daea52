"""Rows and columns: the spreadsheets.batchUpdate requests that insert, delete, resize, sort
and group them, and the shift that moves cells and ranges when rows or columns come and go.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from syncer.emulator import a1
from syncer.emulator.cells import Cell, Value, plain
from syncer.emulator.drive import parse_field_mask
from syncer.emulator.fieldmask import apply_masked_update
from syncer.emulator.grid import cells_of
from syncer.emulator.protection import require_editable
from syncer.emulator.references import DimensionShift, shift_formula
from syncer.emulator.spreadsheet import (
    JSON,
    RequestError,
    SheetState,
    Spreadsheet,
    echo_grid_range,
)


def shift(book: Spreadsheet, sheet: SheetState, dimension: str, start: int, count: int) -> None:
    """Insert (count > 0) or delete (count < 0) rows/columns at ``start``: cells, row/column
    metadata, merges, conditional formats, protected and named ranges and every formula's
    references move; what lay wholly in deleted rows/columns is gone."""
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
    _shift_ranges(book, sheet, axis, start, count)
    _shift_formulas(book, DimensionShift(sheet.title, axis, start, count))
    grid = sheet.properties["gridProperties"]
    grid["rowCount" if axis == 0 else "columnCount"] += count


def _shift_ranges(book: Spreadsheet, sheet: SheetState, axis: int, start: int, count: int) -> None:
    names = (
        ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    )
    rules = sheet.conditional_formats
    ranges = (
        list(sheet.merges)
        + [p["range"] for p in sheet.protected_ranges]
        + [u for p in sheet.protected_ranges for u in p.get("unprotectedRanges", [])]
        + [r for rule in rules for r in rule.get("ranges", [])]
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

    def collapsed(grid_range: JSON) -> bool:
        return names[0] in grid_range and grid_range[names[0]] >= grid_range.get(names[1], 1 << 30)

    sheet.merges = [m for m in sheet.merges if not collapsed(m)]
    sheet.protected_ranges = [p for p in sheet.protected_ranges if not collapsed(p["range"])]
    for rule in rules:
        rule["ranges"] = [r for r in rule.get("ranges", []) if not collapsed(r)]
    sheet.conditional_formats = [rule for rule in rules if rule["ranges"]]


def _shift_formulas(book: Spreadsheet, moved: DimensionShift) -> None:
    for tab in book.sheets:
        for cell in tab.cells.values():
            entered = cell.get("userEnteredValue") or {}
            if "formulaValue" in entered:
                entered["formulaValue"] = shift_formula(
                    str(entered["formulaValue"]), tab.title, moved
                )


#: What inserted rows/columns take from their neighbour, as Sheets copies it.
_INHERITED = ("userEnteredFormat", "dataValidation")


def insert_dimension(book: Spreadsheet, item: JSON) -> None:
    request = item["insertDimension"]
    spec = request["range"]
    sheet = book.sheet_by_id(spec.get("sheetId", 0))
    start, end = spec.get("startIndex", 0), spec["endIndex"]
    before = bool(request.get("inheritFromBefore"))
    if before and start == 0:
        raise RequestError("inheritFromBefore cannot be true when inserting at index 0.")
    shift(book, sheet, spec["dimension"], start, end - start)
    _inherit(sheet, spec["dimension"], start, end, start - 1 if before else end)


def _inherit(sheet: SheetState, dimension: str, start: int, end: int, source: int) -> None:
    """Give the new rows/columns [start, end) the formats and size of row/column ``source``."""
    axis = 0 if dimension == "ROWS" else 1
    limit = sheet.row_count if axis == 0 else sheet.column_count
    if not 0 <= source < limit:
        return
    templates = {
        key[1 - axis]: {k: copy.deepcopy(cell[k]) for k in _INHERITED if k in cell}
        for key, cell in sheet.cells.items()
        if key[axis] == source
    }
    metadata = sheet.row_metadata if axis == 0 else sheet.column_metadata
    size = {k: v for k, v in metadata.get(source, {}).items() if k == "pixelSize"}
    for index in range(start, end):
        for other, template in templates.items():
            if template:
                key = (index, other) if axis == 0 else (other, index)
                sheet.cells[key] = copy.deepcopy(template)
        if size:
            metadata[index] = dict(size)


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
    deleted = (
        a1.Bounds(start, end, None, None)
        if spec["dimension"] == "ROWS"
        else a1.Bounds(None, None, start, end)
    )
    require_editable(book, sheet, deleted)
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
    require_editable(book, sheet, bounds)
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
