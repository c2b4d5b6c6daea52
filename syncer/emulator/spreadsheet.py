"""The spreadsheet model: a spreadsheet, its tabs and their sparse cells, and grid ranges.

Effective values (formulas evaluated) and rendered values are computed when read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncer.emulator import a1
from syncer.emulator.cells import (
    Cell,
    CellError,
    DateSerial,
    Value,
    compact_number,
    format_number,
    inferred_format,
    plain,
)
from syncer.emulator.formulas import FormulaError, FormulaEvaluator
from syncer.emulator.locales import Locale, locale_of

if TYPE_CHECKING:
    from syncer.emulator.protection import Editor

JSON = dict[str, Any]


class RequestError(Exception):
    """A 400 INVALID_ARGUMENT with Google's message (and optional ``details``)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details


@dataclass
class SheetState:
    """One tab: its properties (as the API spells them) and its sparse cells."""

    properties: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    row_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    column_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    row_groups: list[dict[str, Any]] = field(default_factory=list)
    column_groups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def column_count(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    def grow(self, rows: int, columns: int) -> None:
        grid = self.properties["gridProperties"]
        grid["rowCount"] = max(grid["rowCount"], rows)
        grid["columnCount"] = max(grid["columnCount"], columns)

    def data_extent(self) -> tuple[int, int]:
        """(rows, columns) up to the last cell that holds a value."""
        filled = [key for key, cell in self.cells.items() if cell.get("userEnteredValue")]
        if not filled:
            return 0, 0
        return max(r for r, _ in filled) + 1, max(c for _, c in filled) + 1


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Spreadsheet:
    """One spreadsheet: its properties, its tabs in order and its named ranges.

    ``clock`` (an aware datetime, usually the service's) is what TODAY() and NOW() read;
    ``editor`` is who makes the edits of the request being handled (None: no API caller, so
    protected ranges are not checked).
    """

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[SheetState] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    #: Named ranges whose tab was deleted: Google keeps them as hidden ``#REF!`` ranges that
    #: the API neither lists, reads, updates nor deletes, but whose name stays taken.
    broken_named_ranges: list[dict[str, Any]] = field(default_factory=list)
    clock: Callable[[], dt.datetime] = utc_now
    editor: Editor | None = None

    @property
    def locale(self) -> Locale:
        """How typed text is read and numbers are shown (properties.locale)."""
        return locale_of(self.properties.get("locale"))

    def local_now(self) -> dt.datetime:
        """The clock's time in the spreadsheet's time zone (properties.timeZone: "The time zone
        of the spreadsheet", and the formats guide: date-time serials "don't store time zone
        offsets. Instead, they are based on the spreadsheet's timeZone")."""
        moment = self.clock()
        try:
            zone = ZoneInfo(str(self.properties.get("timeZone") or "Etc/GMT"))
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("Etc/GMT")
        return moment.astimezone(zone) if moment.tzinfo else moment

    def sheet_by_title(self, title: str) -> SheetState | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        return next((s for s in self.sheets if s.title.lower() == lowered), None)

    def sheet_by_id(self, sheet_id: int) -> SheetState:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise RequestError(f"No grid with id: {sheet_id}")

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def resolve(self, text: str) -> tuple[SheetState, a1.Bounds | None]:
        """A range's sheet and (possibly unbounded) cells; RequestError when unparsable."""
        try:
            parsed = a1.parse_range(text)
        except a1.A1Error:
            name = text.rpartition("!")[2]
            if any(n["name"] == name for n in self.named_ranges):
                return self.resolve(name)
            raise RequestError(f"Unable to parse range: {text}") from None
        if parsed.name is not None:
            named = next((n for n in self.named_ranges if n["name"] == parsed.name), None)
            if named is not None:
                sheet = self.sheet_by_id(named["range"].get("sheetId", 0))
                return sheet, grid_range_bounds(sheet, named["range"])
            sheet_or_none = self.sheet_by_title(parsed.name)
            if sheet_or_none is None:
                raise RequestError(f"Unable to parse range: {text}")
            return sheet_or_none, None
        if parsed.sheet is None:
            return self.sheets[0], parsed.cells
        sheet_or_none = self.sheet_by_title(parsed.sheet)
        if sheet_or_none is None:
            raise RequestError(f"Unable to parse range: {text}")
        return sheet_or_none, parsed.cells

    def effective(
        self, sheet: SheetState, row: int, column: int, visiting: set[Any] | None = None
    ) -> Value:
        """The value a cell shows (formulas evaluated)."""
        cell = sheet.cells.get((row, column))
        entered = (cell or {}).get("userEnteredValue")
        if not entered:
            return None
        if "formulaValue" not in entered:
            return plain(entered)
        key = (sheet.sheet_id, row, column)
        visiting = visiting if visiting is not None else set()
        formula = str(entered["formulaValue"])
        if key in visiting:
            return formula
        visiting.add(key)
        try:
            value = FormulaEvaluator(self, sheet, visiting).evaluate(formula)
        except (FormulaError, ValueError, OverflowError, IndexError):
            value = formula
        finally:
            visiting.discard(key)
        if isinstance(value, float) and not isinstance(value, DateSerial):
            return compact_number(value)
        return value

    def render(self, sheet: SheetState, row: int, column: int, option: str, dates: str) -> Any:
        """A cell as values.get returns it for a valueRenderOption / dateTimeRenderOption."""
        cell = sheet.cells.get((row, column)) or {}
        entered = cell.get("userEnteredValue") or {}
        # ValueRenderOption FORMULA (discovery sheets.v4.json): "Values will not be calculated.
        # The reply will include the formulas"; any other cell reads as its value.
        if option == "FORMULA" and "formulaValue" in entered:
            return entered["formulaValue"]
        value = self.effective(sheet, row, column)
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        if value is None:
            return ""
        if isinstance(value, CellError):
            return value.code  # Sheets answers an error cell with its code in every render
        if isinstance(value, bool):
            return value if option != "FORMATTED_VALUE" else ("TRUE" if value else "FALSE")
        if isinstance(value, DateSerial):
            number_format = number_format or inferred_format(value.kind, self.locale)
            value = compact_number(value)
        if isinstance(value, int | float):
            is_date = (number_format or {}).get("type") in {"DATE", "DATE_TIME", "TIME"}
            if option == "FORMATTED_VALUE" or (is_date and dates == "FORMATTED_STRING"):
                return format_number(value, number_format, self.locale)
            return value
        return value


def new_sheet_properties(
    sheet_id: int, title: str, index: int, rows: int, columns: int
) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": columns},
    }


def grid_range_bounds(sheet: SheetState, grid_range: dict[str, Any]) -> a1.Bounds:
    """A GridRange dict as concrete bounds on its sheet."""
    return a1.Bounds(
        grid_range.get("startRowIndex", 0),
        grid_range.get("endRowIndex", sheet.row_count),
        grid_range.get("startColumnIndex", 0),
        grid_range.get("endColumnIndex", sheet.column_count),
    )


def echo_grid_range(grid_range: dict[str, Any]) -> dict[str, Any]:
    """Proto3 JSON omits a zero sheetId."""
    echoed = {k: v for k, v in grid_range.items() if v is not None}
    if echoed.get("sheetId") == 0:
        del echoed["sheetId"]
    return echoed


def cells_in(bounds: a1.Bounds) -> list[tuple[int, int]]:
    return [
        (row, column)
        for row in range(bounds.start_row or 0, bounds.end_row or 0)
        for column in range(bounds.start_column or 0, bounds.end_column or 0)
    ]


def overlaps(first: a1.Bounds, second: a1.Bounds) -> bool:
    return (
        (first.start_row or 0) < (second.end_row or 0)
        and (second.start_row or 0) < (first.end_row or 0)
        and (first.start_column or 0) < (second.end_column or 0)
        and (second.start_column or 0) < (first.end_column or 0)
    )


def bounds_grid_range(sheet_id: int, bounds: a1.Bounds) -> JSON:
    return {
        "sheetId": sheet_id,
        "startRowIndex": bounds.start_row,
        "endRowIndex": bounds.end_row,
        "startColumnIndex": bounds.start_column,
        "endColumnIndex": bounds.end_column,
    }
