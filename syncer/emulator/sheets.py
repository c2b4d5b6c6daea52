"""Sheets v4 in memory: spreadsheets, the values endpoints and spreadsheets.batchUpdate.

A cell is stored the way the API describes it (a CellData dict: ``userEnteredValue``,
``userEnteredFormat``, ``note``, ``dataValidation``) so that field-mask updates (repeatCell,
updateCells) and reads (``fields=sheets.data...``) work on one shape. Effective and formatted
values are computed when read.

Formulas: arithmetic, comparisons, ``&``, cell/range references and SUM, AVERAGE, MIN, MAX,
COUNT, COUNTA, IF, CONCATENATE, LEN, UPPER, LOWER, ROUND, ABS. A formula outside that subset
keeps its own text as its value (Google would compute it; tests that need more should not rely
on the emulator's arithmetic).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import random
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from syncer.emulator import a1
from syncer.emulator.core import ANONYMOUS, Emulator, Request, Response, google_error
from syncer.emulator.drive import (
    SPREADSHEET_MIME,
    DriveService,
    FileKind,
    apply_field_mask,
    parse_field_mask,
)

Cell = dict[str, Any]  # a CellData as the API spells it
Value = str | float | bool | None

SHEETS_EPOCH = dt.date(1899, 12, 30)
_DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": c}} for t, c in _THEME_COLORS],
}


class RequestError(Exception):
    """A 400 INVALID_ARGUMENT with Google's message (and optional ``details``)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details


# -- user-entered values ------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PERCENT = re.compile(r"^([+-]?(\d+\.?\d*|\.\d+))%$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def serial_number(moment: dt.date | dt.datetime) -> float:
    """Days since 1899-12-30, with the time of day as a fraction."""
    if isinstance(moment, dt.datetime):
        delta = moment - dt.datetime.combine(SHEETS_EPOCH, dt.time())
        return delta.total_seconds() / 86400
    return float((moment - SHEETS_EPOCH).days)


def parse_user_entered(value: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(ExtendedValue, numberFormat to apply) for a value typed into the UI (USER_ENTERED)."""
    if not isinstance(value, str):
        return raw_value(value), None
    if value == "":
        return None, None
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    text = value.strip()
    if text.upper() in {"TRUE", "FALSE"}:
        return {"boolValue": text.upper() == "TRUE"}, None
    if _NUMBER.match(text.replace(",", "")) and not text.startswith(","):
        return {"numberValue": _number(float(text.replace(",", "")))}, None
    percent = _PERCENT.match(text)
    if percent:
        return {"numberValue": float(percent[1]) / 100}, {"type": "PERCENT", "pattern": "0%"}
    return _parse_date(text) or ({"stringValue": value}, None)


def _parse_date(text: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    iso = _ISO_DATE.match(text)
    us = _US_DATE.match(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        clock, pattern = iso.groups()[3:], "yyyy-mm-dd"
    elif us:
        month, day, year = int(us[1]), int(us[2]), int(us[3])
        clock, pattern = us.groups()[3:], "m/d/yyyy"
    else:
        return None
    try:
        moment = dt.datetime(
            year, month, day, int(clock[0] or 0), int(clock[1] or 0), int(clock[2] or 0)
        )
    except ValueError:
        return None
    if clock[0] is None:
        return {"numberValue": _number(serial_number(moment.date()))}, {
            "type": "DATE",
            "pattern": pattern,
        }
    pattern += " h:mm:ss" if pattern.startswith("m/") else " hh:mm:ss"
    return {"numberValue": serial_number(moment)}, {"type": "DATE_TIME", "pattern": pattern}


def raw_value(value: Any) -> dict[str, Any] | None:
    """ExtendedValue for RAW input: strings stay strings."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": _number(value)}
    return {"stringValue": str(value)}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


# -- rendering ----------------------------------------------------------------------------------


def format_number(value: float, number_format: dict[str, Any] | None) -> str:
    """The FORMATTED_VALUE of a number under a (small subset of) Sheets number formats."""
    kind = (number_format or {}).get("type")
    pattern = (number_format or {}).get("pattern", "")
    if kind in {"DATE", "DATE_TIME", "TIME"}:
        return _format_date(value, pattern or "yyyy-mm-dd")
    if kind == "PERCENT" or pattern.endswith("%"):
        return _format_decimal(value * 100, pattern.rstrip("%")) + "%"
    if pattern and kind in {"NUMBER", "CURRENCY", "SCIENTIFIC"}:
        return _format_decimal(value, pattern)
    return _general(value)


def _general(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        mantissa, exponent = f"{value:.5E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{int(exponent):+03d}"
    digits = max(0, 10 - len(str(int(abs(value)))))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _format_decimal(value: float, pattern: str) -> str:
    decimals = len(pattern.split(".")[1].rstrip("%")) if "." in pattern else 0
    prefix = pattern[: len(pattern) - len(pattern.lstrip("$€£\"'"))].strip("\"'")
    text = f"{abs(value):,.{decimals}f}" if "," in pattern else f"{abs(value):.{decimals}f}"
    return ("-" if value < 0 else "") + prefix + text


_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|am/pm", re.IGNORECASE)


def _format_date(value: float, pattern: str) -> str:
    moment = dt.datetime.combine(SHEETS_EPOCH, dt.time()) + dt.timedelta(days=value)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    out: list[str] = []
    position = 0
    after_hour = False
    for match in _DATE_TOKENS.finditer(pattern):
        out.append(pattern[position : match.start()])
        token = match[0].lower()
        minute = after_hour and token in {"m", "mm"}
        out.append(_date_token(moment, token, minute))
        after_hour = token in {"h", "hh"} or (minute and after_hour)
        position = match.end()
    out.append(pattern[position:])
    return "".join(out)


def _date_token(moment: dt.datetime, token: str, minute: bool) -> str:
    if minute:
        return f"{moment.minute:02d}" if token == "mm" else str(moment.minute)
    table = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.month:02d}",
        "m": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{moment.hour:02d}",
        "h": str(moment.hour),
        "ss": f"{moment.second:02d}",
        "am/pm": "AM" if moment.hour < 12 else "PM",
    }
    return table[token]


def plain(value: dict[str, Any] | None) -> Value:
    """An ExtendedValue as a Python value."""
    if not value:
        return None
    for key in ("numberValue", "stringValue", "boolValue", "formulaValue"):
        if key in value:
            found: Value = value[key]
            return found
    if "errorValue" in value:
        return str(value["errorValue"].get("message", "#ERROR!"))
    return None


# -- formulas -----------------------------------------------------------------------------------


class FormulaError(Exception):
    """The formula is outside the subset the emulator evaluates."""


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)"
    r"|(?P<string>\"(?:[^\"]|\"\")*\")"
    r"|(?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w]*)!)?\$?[A-Za-z]{1,3}\$?\d+"
    r"(?::\$?[A-Za-z]{1,3}\$?\d+)?)"
    r"|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<op><=|>=|<>|[-+*/^&=<>(),]))"
)


class FormulaEvaluator:
    """A small recursive-descent evaluator over one spreadsheet."""

    def __init__(self, book: Spreadsheet, sheet: SheetState, visiting: set[Any]) -> None:
        self.book = book
        self.sheet = sheet
        self.visiting = visiting
        self.tokens: list[tuple[str, str]] = []
        self.position = 0

    def evaluate(self, formula: str) -> Value:
        text = formula[1:]
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise FormulaError(formula)
            kind = match.lastgroup or ""
            self.tokens.append((kind, match[kind]))
            position = match.end()
        value = self._comparison()
        if self.position != len(self.tokens):
            raise FormulaError(formula)
        return value

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        self.position += 1
        return token

    def _comparison(self) -> Value:
        left = self._concat()
        while self._peek()[1] in {"=", "<>", "<", ">", "<=", ">="}:
            op = self._take()[1]
            right = self._concat()
            left = _compare(op, left, right)
        return left

    def _concat(self) -> Value:
        left = self._sum()
        while self._peek()[1] == "&":
            self._take()
            left = _text(left) + _text(self._sum())
        return left

    def _sum(self) -> Value:
        left = self._product()
        while self._peek()[1] in {"+", "-"}:
            op = self._take()[1]
            right = _num(self._product())
            left = _num(left) + right if op == "+" else _num(left) - right
        return left

    def _product(self) -> Value:
        left = self._power()
        while self._peek()[1] in {"*", "/"}:
            op = self._take()[1]
            right = _num(self._power())
            if op == "/" and right == 0:
                raise FormulaError("division by zero")
            left = _num(left) * right if op == "*" else _num(left) / right
        return left

    def _power(self) -> Value:
        left = self._unary()
        while self._peek()[1] == "^":
            self._take()
            left = _num(left) ** _num(self._unary())
        return left

    def _unary(self) -> Value:
        if self._peek()[1] in {"-", "+"}:
            op = self._take()[1]
            value = _num(self._unary())
            return -value if op == "-" else value
        return self._atom()

    def _atom(self) -> Value:
        kind, text = self._take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            values = self._reference(text)
            if len(values) != 1:
                raise FormulaError(text)
            return values[0]
        if kind == "name" and self._peek()[1] == "(":
            return self._call(text.upper())
        if kind == "name" and text.upper() in {"TRUE", "FALSE"}:
            return text.upper() == "TRUE"
        if text == "(":
            value = self._comparison()
            if self._take()[1] != ")":
                raise FormulaError("missing )")
            return value
        raise FormulaError(text)

    def _arguments(self) -> list[list[Value]]:
        self._take()
        arguments: list[list[Value]] = []
        if self._peek()[1] == ")":
            self._take()
            return arguments
        while True:
            kind, text = self._peek()
            following = (
                self.tokens[self.position + 1][1] if self.position + 1 < len(self.tokens) else ")"
            )
            if kind == "ref" and following in {",", ")"}:
                self._take()
                arguments.append(self._reference(text))
            else:
                arguments.append([self._comparison()])
            separator = self._take()[1]
            if separator == ")":
                return arguments
            if separator != ",":
                raise FormulaError("bad argument list")

    def _call(self, name: str) -> Value:
        arguments = self._arguments()
        flat = [v for argument in arguments for v in argument]
        numbers = [float(v) for v in flat if isinstance(v, int | float) and not isinstance(v, bool)]
        if name == "SUM":
            return sum(numbers)
        if name in {"MIN", "MAX"}:
            return (min if name == "MIN" else max)(numbers) if numbers else 0.0
        if name == "AVERAGE":
            if not numbers:
                raise FormulaError("AVERAGE of nothing")
            return sum(numbers) / len(numbers)
        if name == "COUNT":
            return float(len(numbers))
        if name == "COUNTA":
            return float(sum(1 for v in flat if v not in (None, "")))
        if name == "IF" and len(arguments) in {2, 3}:
            chosen = (
                arguments[1]
                if _truthy(arguments[0][0])
                else (arguments[2] if len(arguments) == 3 else [False])
            )
            return chosen[0]
        if name == "CONCATENATE":
            return "".join(_text(v) for v in flat)
        if len(flat) == 1 and name in {"LEN", "UPPER", "LOWER", "ABS"}:
            single = flat[0]
            functions: dict[str, Callable[[Value], Value]] = {
                "LEN": lambda v: float(len(_text(v))),
                "UPPER": lambda v: _text(v).upper(),
                "LOWER": lambda v: _text(v).lower(),
                "ABS": lambda v: abs(_num(v)),
            }
            return functions[name](single)
        if name == "ROUND" and len(flat) in {1, 2}:
            digits = int(_num(flat[1])) if len(flat) == 2 else 0
            return float(round(_num(flat[0]), digits))
        raise FormulaError(name)

    def _reference(self, text: str) -> list[Value]:
        sheet = self.sheet
        if "!" in text:
            title, cells = a1.split_sheet(text)
            found = self.book.sheet_by_title(title or "")
            if found is None or cells is None:
                raise FormulaError(text)
            sheet, text = found, cells
        bounds = a1.parse_cells(text.replace("$", ""))
        values: list[Value] = []
        for row in range(bounds.start_row or 0, bounds.end_row or 0):
            for column in range(bounds.start_column or 0, bounds.end_column or 0):
                values.append(self.book.effective(sheet, row, column, self.visiting))
        return values


def _num(value: Value) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError as exc:
        raise FormulaError(f"not a number: {value!r}") from exc


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _general(value)
    return str(value)


def _truthy(value: Value) -> bool:
    return bool(_num(value)) if not isinstance(value, str) else value.upper() == "TRUE"


def _compare(op: str, left: Value, right: Value) -> bool:
    def key(value: Value) -> tuple[int, Any]:
        if isinstance(value, bool):
            return (2, value)
        if isinstance(value, str):
            return (1, value.lower())
        return (0, _num(value))

    a, b = key(left), key(right)
    results = {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}
    return results[op]


# -- the model ----------------------------------------------------------------------------------


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


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[SheetState] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)

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
        return _number(value) if isinstance(value, float) else value

    def render(self, sheet: SheetState, row: int, column: int, option: str, dates: str) -> Any:
        """A cell as values.get returns it for a valueRenderOption / dateTimeRenderOption."""
        cell = sheet.cells.get((row, column)) or {}
        entered = cell.get("userEnteredValue") or {}
        if option == "FORMULA" and "formulaValue" in entered:
            return entered["formulaValue"]
        value = self.effective(sheet, row, column)
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        if value is None:
            return ""
        if isinstance(value, bool):
            return value if option != "FORMATTED_VALUE" else ("TRUE" if value else "FALSE")
        if isinstance(value, int | float):
            is_date = (number_format or {}).get("type") in {"DATE", "DATE_TIME", "TIME"}
            if option == "FORMATTED_VALUE" or (is_date and dates == "FORMATTED_STRING"):
                return format_number(value, number_format)
            return value
        return value


def _new_sheet_properties(
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


def _echo_grid_range(grid_range: dict[str, Any]) -> dict[str, Any]:
    """Proto3 JSON omits a zero sheetId."""
    echoed = {k: v for k, v in grid_range.items() if v is not None}
    if echoed.get("sheetId") == 0:
        del echoed["sheetId"]
    return echoed


def _cells_in(bounds: a1.Bounds) -> list[tuple[int, int]]:
    return [
        (row, column)
        for row in range(bounds.start_row or 0, bounds.end_row or 0)
        for column in range(bounds.start_column or 0, bounds.end_column or 0)
    ]


def with_color_styles(value: Any) -> Any:
    """Sheets mirrors every ``xColor`` into ``xColorStyle.rgbColor`` (and back)."""
    if isinstance(value, list):
        return [with_color_styles(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: with_color_styles(item) for key, item in value.items()}
    for key in list(result):
        if key.endswith(("Color", "rgbColor")) and isinstance(result[key], dict):
            result[key] = {k: _channel(v) for k, v in result[key].items() if v not in (0, None)}
        if key.endswith("Color") and key != "rgbColor" and isinstance(result[key], dict):
            result.setdefault(key + "Style", {"rgbColor": result[key]})
        if key.endswith("ColorStyle") and isinstance(result[key], dict):
            rgb = result[key].get("rgbColor")
            if rgb is not None:
                result.setdefault(key[: -len("Style")], rgb)
    return result


def _channel(value: Any) -> Any:
    """Sheets keeps 8 bits per colour channel (0.5 reads back as 127/255)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return int(value * 255 + 1e-6) / 255
    return value


def apply_masked_update(
    target: dict[str, Any], source: dict[str, Any], tree: dict[str, Any]
) -> None:
    """Copy the fields named by a mask from source to target; a named field that the source
    lacks is cleared (Google's update semantics)."""
    if not tree or "*" in tree:
        target.clear()
        target.update(copy.deepcopy({k: v for k, v in source.items() if v is not None}))
        return
    for key, sub in tree.items():
        value = source.get(key) if isinstance(source, dict) else None
        if not sub:
            if isinstance(value, dict) and all(v is None for v in value.values()):
                value = None
            if value is None or value == {} or value == "":
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)
            continue
        child = target.setdefault(key, {})
        apply_masked_update(child, value if isinstance(value, dict) else {}, sub)
        if not child:
            target.pop(key, None)


# -- the service --------------------------------------------------------------------------------

_BASE = r"/v4/spreadsheets/([^/:]+)"
_SERVICES: weakref.WeakKeyDictionary[Emulator, SheetsService] = weakref.WeakKeyDictionary()
_JSON = dict[str, Any]


def _not_found() -> Response:
    return google_error(404, "Requested entity was not found.")


class SheetsService:
    """The Sheets v4 endpoints plus a Python API for tests to set up and inspect sheets."""

    def __init__(self, emulator: Emulator, drive: DriveService, seed: int = 0) -> None:
        self.emulator = emulator
        self.drive = drive
        self.books: dict[str, Spreadsheet] = {}
        self.random = random.Random(seed)
        self.caller = ANONYMOUS.email  # who sent the request being handled

    @classmethod
    def install(cls, emulator: Emulator) -> SheetsService:
        """Register the Sheets routes (and Drive, which owns the files) once per emulator."""
        existing = _SERVICES.get(emulator)
        if existing is not None:
            return existing
        drive = DriveService.install(emulator)
        service = cls(emulator, drive)
        _SERVICES[emulator] = service
        drive.register_kind(
            SPREADSHEET_MIME,
            FileKind(
                service._create_for_drive,
                service._copy_book,
                service._drop,
            ),
        )
        add = emulator.router.add
        add("POST", r"/v4/spreadsheets", service._create)
        add("GET", _BASE, service._get)
        add("POST", _BASE + ":batchUpdate", service._batch_update)
        add("GET", _BASE + "/values:batchGet", service._values_batch_get)
        add("POST", _BASE + "/values:batchUpdate", service._values_batch_update)
        add("POST", _BASE + "/values:batchClear", service._values_batch_clear)
        add("POST", _BASE + "/values/(.+):append", service._values_append)
        add("POST", _BASE + "/values/(.+):clear", service._values_clear)
        add("GET", _BASE + "/values/(.+)", service._values_get)
        add("PUT", _BASE + "/values/(.+)", service._values_update)
        return service

    # -- Python API --------------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str,
        sheets: dict[str, list[list[Any]]] | None = None,
        owner: str = ANONYMOUS.email,
        raw: bool = False,
    ) -> str:
        """A new spreadsheet (with its Drive file) holding the given rows per tab; values are
        typed in as a person would (USER_ENTERED) unless ``raw``. Returns its id."""
        file = self.drive.add_file(title, SPREADSHEET_MIME, owner)
        book = self._create_book(file.id, title, first_tab=next(iter(sheets or {}), "Sheet1"))
        for index, (tab, rows) in enumerate((sheets or {}).items()):
            sheet = book.sheets[0] if index == 0 else self._add_sheet(book, {"title": tab})
            self._write(book, sheet, 0, 0, rows, "RAW" if raw else "USER_ENTERED")
        return file.id

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        return self.books[spreadsheet_id]

    def sheet(self, spreadsheet_id: str, tab: str) -> SheetState:
        sheet = self.books[spreadsheet_id].sheet_by_title(tab)
        if sheet is None:
            raise KeyError(tab)
        return sheet

    def grid(
        self, spreadsheet_id: str, tab: str, render: str = "FORMATTED_VALUE"
    ) -> list[list[Any]]:
        """The tab's values as values.get returns them (trailing blanks trimmed)."""
        sheet = self.sheet(spreadsheet_id, tab)
        rows, columns = sheet.data_extent()
        return self._matrix(
            self.books[spreadsheet_id],
            sheet,
            a1.Bounds(0, rows, 0, columns),
            render,
            "SERIAL_NUMBER",
            "ROWS",
        )

    def set_cell(
        self, spreadsheet_id: str, tab: str, cell: str, value: Any, raw: bool = False
    ) -> None:
        bounds = a1.parse_cells(cell)
        self._write(
            self.books[spreadsheet_id],
            self.sheet(spreadsheet_id, tab),
            bounds.start_row or 0,
            bounds.start_column or 0,
            [[value]],
            "RAW" if raw else "USER_ENTERED",
        )

    def cell(self, spreadsheet_id: str, tab: str, cell: str) -> Cell:
        """A copy of the stored CellData (userEnteredValue, userEnteredFormat, note...)."""
        bounds = a1.parse_cells(cell)
        sheet = self.sheet(spreadsheet_id, tab)
        return copy.deepcopy(sheet.cells.get((bounds.start_row or 0, bounds.start_column or 0), {}))

    def formula(self, spreadsheet_id: str, tab: str, cell: str) -> str | None:
        entered = self.cell(spreadsheet_id, tab, cell).get("userEnteredValue") or {}
        return entered.get("formulaValue")

    def set_format(self, spreadsheet_id: str, tab: str, cell: str, fmt: dict[str, Any]) -> None:
        bounds = a1.parse_cells(cell)
        sheet = self.sheet(spreadsheet_id, tab)
        for key in _cells_in(bounds):
            sheet.cells.setdefault(key, {})["userEnteredFormat"] = with_color_styles(fmt)

    def snapshot(self, spreadsheet_id: str) -> dict[str, dict[str, Cell]]:
        """Every stored cell by tab and A1, to check later that nothing else changed."""
        return {
            sheet.title: {
                a1.format_cells(a1.Bounds(r, r + 1, c, c + 1)): copy.deepcopy(cell)
                for (r, c), cell in sorted(sheet.cells.items())
                if cell
            }
            for sheet in self.books[spreadsheet_id].sheets
        }

    def insert_rows(self, spreadsheet_id: str, tab: str, at: int, count: int = 1) -> None:
        """Insert ``count`` blank rows before 1-based row ``at`` (as a person would)."""
        sheet = self.sheet(spreadsheet_id, tab)
        self._insert_dimension(
            self.books[spreadsheet_id],
            {
                "insertDimension": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": at - 1,
                        "endIndex": at - 1 + count,
                    }
                }
            },
        )

    def delete_rows(self, spreadsheet_id: str, tab: str, at: int, count: int = 1) -> None:
        sheet = self.sheet(spreadsheet_id, tab)
        self._delete_dimension(
            self.books[spreadsheet_id],
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": at - 1,
                        "endIndex": at - 1 + count,
                    }
                }
            },
        )

    def sort(
        self,
        spreadsheet_id: str,
        tab: str,
        column: str,
        ascending: bool = True,
        header_rows: int = 1,
    ) -> None:
        """Sort the data rows of a tab by one column (letter), as the UI's sort does."""
        sheet = self.sheet(spreadsheet_id, tab)
        rows, columns = sheet.data_extent()
        self._sort_range(
            self.books[spreadsheet_id],
            {
                "sortRange": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "startRowIndex": header_rows,
                        "endRowIndex": rows,
                        "startColumnIndex": 0,
                        "endColumnIndex": columns,
                    },
                    "sortSpecs": [
                        {
                            "dimensionIndex": a1.column_index(column),
                            "sortOrder": "ASCENDING" if ascending else "DESCENDING",
                        }
                    ],
                }
            },
        )

    def share(self, spreadsheet_id: str, email: str, role: str = "writer") -> None:
        self.drive.share(spreadsheet_id, email, role)

    # -- Drive hooks -------------------------------------------------------------------------

    def _create_book(
        self, spreadsheet_id: str, title: str, first_tab: str = "Sheet1"
    ) -> Spreadsheet:
        properties = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": copy.deepcopy(_DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(_THEME),
        }
        book = Spreadsheet(spreadsheet_id, properties)
        book.sheets.append(SheetState(_new_sheet_properties(0, first_tab, 0, 1000, 26)))
        self.books[spreadsheet_id] = book
        return book

    def _create_for_drive(self, spreadsheet_id: str, title: str) -> None:
        self._create_book(spreadsheet_id, title)

    def _copy_book(self, source_id: str, new_id: str, name: str) -> None:
        book = copy.deepcopy(self.books[source_id])
        book.spreadsheet_id = new_id
        book.properties["title"] = name
        self.books[new_id] = book

    def _drop(self, spreadsheet_id: str) -> None:
        self.books.pop(spreadsheet_id, None)

    # -- plumbing ----------------------------------------------------------------------------

    def _open(self, request: Request, match: re.Match[str]) -> Spreadsheet | Response:
        spreadsheet_id = unquote(match[1])
        book = self.books.get(spreadsheet_id)
        if book is None or spreadsheet_id not in self.drive.files:
            return _not_found()
        self.caller = self.emulator.identify(request).email
        if not self.drive.can_access(spreadsheet_id, self.caller):
            return google_error(403, "The caller does not have permission")
        return book

    def _resolve(self, book: Spreadsheet, text: str) -> tuple[SheetState, a1.Bounds | None]:
        """A range's sheet and (possibly unbounded) cells; RequestError when unparsable."""
        try:
            parsed = a1.parse_range(text)
        except a1.A1Error:
            name = text.rpartition("!")[2]
            if any(n["name"] == name for n in book.named_ranges):
                return self._resolve(book, name)
            raise RequestError(f"Unable to parse range: {text}") from None
        if parsed.name is not None:
            named = next((n for n in book.named_ranges if n["name"] == parsed.name), None)
            if named is not None:
                sheet = book.sheet_by_id(named["range"].get("sheetId", 0))
                return sheet, grid_range_bounds(sheet, named["range"])
            sheet_or_none = book.sheet_by_title(parsed.name)
            if sheet_or_none is None:
                raise RequestError(f"Unable to parse range: {text}")
            return sheet_or_none, None
        if parsed.sheet is None:
            return book.sheets[0], parsed.cells
        sheet_or_none = book.sheet_by_title(parsed.sheet)
        if sheet_or_none is None:
            raise RequestError(f"Unable to parse range: {text}")
        return sheet_or_none, parsed.cells

    def _guard(
        self,
        request: Request,
        match: re.Match[str],
        action: Callable[[Spreadsheet], Response],
        mutates: bool = False,
    ) -> Response:
        opened = self._open(request, match)
        if isinstance(opened, Response):
            return opened
        saved = copy.deepcopy(opened) if mutates else None
        try:
            response = action(opened)
        except RequestError as error:
            if saved is not None:
                self.books[opened.spreadsheet_id] = saved
            response = google_error(400, str(error))
            if error.details:
                response.body["error"]["details"] = error.details
            return response
        if mutates:
            self.drive.touch(opened.spreadsheet_id)
        return response

    def _matrix(
        self,
        book: Spreadsheet,
        sheet: SheetState,
        bounds: a1.Bounds,
        render: str,
        dates: str,
        major: str,
    ) -> list[list[Any]]:
        rows = [
            [
                book.render(sheet, r, c, render, dates)
                for c in range(bounds.start_column or 0, bounds.end_column or 0)
            ]
            for r in range(bounds.start_row or 0, bounds.end_row or 0)
        ]
        if major == "COLUMNS":
            rows = [list(column) for column in zip(*rows, strict=True)] if rows else []
        trimmed = [_trim_row(row) for row in rows]
        while trimmed and not trimmed[-1]:
            trimmed.pop()
        return trimmed

    def _value_range(self, book: Spreadsheet, text: str, request: Request) -> _JSON:
        sheet, cells = self._resolve(book, text)
        bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
        if (bounds.end_row or 0) > sheet.row_count or (bounds.end_column or 0) > sheet.column_count:
            raise RequestError(
                f"Range ({a1.format_range(sheet.title, bounds)}) exceeds grid limits. "
                f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
            )
        major = request.param("majorDimension") or "ROWS"
        values = self._matrix(
            book,
            sheet,
            bounds,
            request.param("valueRenderOption") or "FORMATTED_VALUE",
            request.param("dateTimeRenderOption") or "SERIAL_NUMBER",
            major,
        )
        body: _JSON = {"range": a1.format_range(sheet.title, bounds), "majorDimension": major}
        if values:
            body["values"] = values
        return body

    def _write(
        self,
        book: Spreadsheet,
        sheet: SheetState,
        row: int,
        column: int,
        values: list[list[Any]],
        option: str,
    ) -> None:
        for r, line in enumerate(values):
            for c, value in enumerate(line):
                if value is None:
                    continue
                key = (row + r, column + c)
                cell = sheet.cells.setdefault(key, {})
                if option == "USER_ENTERED":
                    entered, number_format = parse_user_entered(value)
                else:
                    entered, number_format = raw_value(value), None
                if entered is None:
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = entered
                fmt = cell.setdefault("userEnteredFormat", {})
                if number_format and "numberFormat" not in fmt:
                    fmt["numberFormat"] = number_format
                if not fmt:
                    del cell["userEnteredFormat"]
                if not cell:
                    del sheet.cells[key]
        height = len(values)
        width = max((len(line) for line in values), default=0)
        sheet.grow(row + height, column + width)

    def _update_values(
        self, book: Spreadsheet, text: str, body: _JSON, option: str | None, request: Request
    ) -> _JSON:
        if option not in {"RAW", "USER_ENTERED"}:
            raise RequestError("'valueInputOption' is required but not specified")
        values = body.get("values")
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(v, list) for v in values):
            raise _list_value_error(values)
        if body.get("majorDimension") == "COLUMNS":
            width = max((len(v) for v in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
        sheet, cells = self._resolve(book, text)
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
        self._write(book, sheet, start_row, start_col, values, option)
        written = a1.Bounds(
            start_row, start_row + max(height, 1), start_col, start_col + max(width, 1)
        )
        reply: _JSON = {"spreadsheetId": book.spreadsheet_id}
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
            reply["updatedData"] = self._value_range(
                book, a1.format_range(sheet.title, written), request
            )
        return reply

    # -- values endpoints --------------------------------------------------------------------

    def _values_get(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        return self._guard(
            request, match, lambda book: Response(200, self._value_range(book, text, request))
        )

    def _values_batch_get(self, request: Request, match: re.Match[str]) -> Response:
        def action(book: Spreadsheet) -> Response:
            ranges = request.query.get("ranges", [])
            return Response(
                200,
                {
                    "spreadsheetId": book.spreadsheet_id,
                    "valueRanges": [self._value_range(book, r, request) for r in ranges],
                },
            )

        return self._guard(request, match, action)

    def _values_update(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        body = request.json() or {}
        option = request.param("valueInputOption")
        return self._guard(
            request,
            match,
            lambda book: Response(200, self._update_values(book, text, body, option, request)),
            mutates=True,
        )

    def _values_batch_update(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}

        def action(book: Spreadsheet) -> Response:
            responses = [
                self._update_values(
                    book, item.get("range", ""), item, body.get("valueInputOption"), request
                )
                for item in body.get("data", [])
            ]
            updated = [r for r in responses if "updatedCells" in r]
            reply: _JSON = {"spreadsheetId": book.spreadsheet_id}
            if updated:
                reply.update(
                    {
                        "totalUpdatedRows": sum(r["updatedRows"] for r in updated),
                        "totalUpdatedColumns": max(r["updatedColumns"] for r in updated),
                        "totalUpdatedCells": sum(r["updatedCells"] for r in updated),
                        "totalUpdatedSheets": len(
                            {r["updatedRange"].rpartition("!")[0] for r in updated}
                        ),
                    }
                )
            reply["responses"] = responses
            return Response(200, reply)

        return self._guard(request, match, action, mutates=True)

    def _values_append(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        body = request.json() or {}

        def action(book: Spreadsheet) -> Response:
            sheet, cells = self._resolve(book, text)
            bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
            table = _find_table(book, sheet, bounds)
            row = table.end_row if table else bounds.start_row
            column = table.start_column if table else bounds.start_column
            if request.param("insertDataOption") == "INSERT_ROWS":
                height = len(body.get("values") or [])
                self._shift(book, sheet, "ROWS", row or 0, height)
            target = a1.format_range(
                sheet.title, a1.Bounds(row, (row or 0) + 1, column, (column or 0) + 1)
            )
            updates = self._update_values(
                book, target, body, request.param("valueInputOption"), request
            )
            reply: _JSON = {"spreadsheetId": book.spreadsheet_id}
            if table:
                reply["tableRange"] = a1.format_range(sheet.title, table)
            reply["updates"] = updates
            return Response(200, reply)

        return self._guard(request, match, action, mutates=True)

    def _clear(self, book: Spreadsheet, text: str) -> str:
        sheet, cells = self._resolve(book, text)
        bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
        for key in _cells_in(bounds):
            cell = sheet.cells.get(key)
            if cell is not None:
                cell.pop("userEnteredValue", None)
                if not cell:
                    del sheet.cells[key]
        return a1.format_range(sheet.title, bounds)

    def _values_clear(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        return self._guard(
            request,
            match,
            lambda book: Response(
                200, {"spreadsheetId": book.spreadsheet_id, "clearedRange": self._clear(book, text)}
            ),
            mutates=True,
        )

    def _values_batch_clear(self, request: Request, match: re.Match[str]) -> Response:
        ranges = (request.json() or {}).get("ranges", [])
        return self._guard(
            request,
            match,
            lambda book: Response(
                200,
                {
                    "spreadsheetId": book.spreadsheet_id,
                    "clearedRanges": [self._clear(book, r) for r in ranges],
                },
            ),
            mutates=True,
        )

    # -- spreadsheets.get / create -----------------------------------------------------------

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
        owner = self.emulator.identify(request).email
        file = self.drive.add_file(title, SPREADSHEET_MIME, owner)
        book = self._create_book(file.id, title)
        for index, spec in enumerate(body.get("sheets") or []):
            properties = spec.get("properties") or {}
            if index == 0:
                apply_masked_update(
                    book.sheets[0].properties, {**book.sheets[0].properties, **properties}, {}
                )
            else:
                self._add_sheet(book, properties)
        return Response(200, self._resource(book, request))

    def _get(self, request: Request, match: re.Match[str]) -> Response:
        return self._guard(
            request, match, lambda book: Response(200, self._resource(book, request))
        )

    def _resource(self, book: Spreadsheet, request: Request) -> _JSON:
        mask = request.param("fields")
        tree = parse_field_mask(mask) if mask else {}
        wants_data = str(request.param("includeGridData", "false")).lower() == "true" or (
            "data" in tree.get("sheets", {})
        )
        ranges = request.query.get("ranges", [])
        resource = self.spreadsheet_resource(book, wants_data, ranges)
        if not mask:
            return resource
        masked: _JSON = apply_field_mask(resource, tree)
        for sheet in masked.get("sheets", []):
            for data in sheet.get("data", []):
                _trim_row_data(data)
        return masked

    def spreadsheet_resource(
        self, book: Spreadsheet, grid_data: bool = False, ranges: list[str] | None = None
    ) -> _JSON:
        selected: dict[int, list[a1.Bounds | None]] = {}
        for text in ranges or []:
            sheet, cells = self._resolve(book, text)
            selected.setdefault(sheet.sheet_id, []).append(cells)
        sheets = []
        for sheet in book.sheets:
            if ranges and sheet.sheet_id not in selected:
                continue
            entry: _JSON = {"properties": copy.deepcopy(sheet.properties)}
            if grid_data:
                entry["data"] = [
                    self._grid_data(book, sheet, cells)
                    for cells in selected.get(sheet.sheet_id, [None])
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
        resource: _JSON = {
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

    def _grid_data(self, book: Spreadsheet, sheet: SheetState, cells: a1.Bounds | None) -> _JSON:
        bounds = (cells or a1.Bounds()).clamp(sheet.row_count, sheet.column_count)
        start_row, start_col = bounds.start_row or 0, bounds.start_column or 0
        data: _JSON = {}
        if start_row:
            data["startRow"] = start_row
        if start_col:
            data["startColumn"] = start_col
        rows = []
        for r in range(start_row, bounds.end_row or 0):
            values = [
                self._cell_data(book, sheet, r, c) for c in range(start_col, bounds.end_column or 0)
            ]
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

    def _cell_data(self, book: Spreadsheet, sheet: SheetState, row: int, column: int) -> Cell:
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
            cell["effectiveFormat"] = _merge(_DEFAULT_FORMAT, cell["userEnteredFormat"])
        return cell

    # -- spreadsheets.batchUpdate ------------------------------------------------------------

    def _batch_update(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}

        def action(book: Spreadsheet) -> Response:
            replies = []
            for index, item in enumerate(body.get("requests") or []):
                kind = next(iter(item), "")
                handler = self._handlers().get(kind)
                if handler is None:
                    raise RequestError(
                        f'Invalid JSON payload received. Unknown name "{kind}" at '
                        f"'requests[{index}]': Cannot find field."
                    )
                try:
                    replies.append(handler(book, item) or {})
                except RequestError as error:
                    raise RequestError(f"Invalid requests[{index}].{kind}: {error}") from None
            reply: _JSON = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                reply["updatedSpreadsheet"] = self.spreadsheet_resource(
                    book,
                    bool(body.get("responseIncludeGridData")),
                    body.get("responseRanges") or None,
                )
            return Response(200, reply)

        return self._guard(request, match, action, mutates=True)

    def _handlers(self) -> dict[str, Callable[[Spreadsheet, _JSON], _JSON | None]]:
        return {
            "addSheet": lambda book, item: {
                "addSheet": {
                    "properties": copy.deepcopy(
                        self._add_sheet(book, item["addSheet"].get("properties") or {}).properties
                    )
                }
            },
            "deleteSheet": self._delete_sheet,
            "updateSheetProperties": self._update_sheet_properties,
            "updateSpreadsheetProperties": self._update_spreadsheet_properties,
            "repeatCell": self._repeat_cell,
            "updateCells": self._update_cells,
            "setDataValidation": self._set_data_validation,
            "addConditionalFormatRule": self._add_conditional_format,
            "deleteConditionalFormatRule": self._delete_conditional_format,
            "addNamedRange": self._add_named_range,
            "updateNamedRange": self._update_named_range,
            "deleteNamedRange": self._delete_named_range,
            "addProtectedRange": self._add_protected_range,
            "deleteProtectedRange": self._delete_protected_range,
            "mergeCells": self._merge_cells,
            "unmergeCells": self._unmerge_cells,
            "insertDimension": self._insert_dimension,
            "deleteDimension": self._delete_dimension,
            "appendDimension": self._append_dimension,
            "updateDimensionProperties": self._update_dimension_properties,
            "autoResizeDimensions": lambda book, item: None,
            "sortRange": self._sort_range,
            "setBasicFilter": self._set_basic_filter,
            "clearBasicFilter": self._clear_basic_filter,
            "addDimensionGroup": self._add_dimension_group,
            "deleteDimensionGroup": self._delete_dimension_group,
            "copyPaste": self._copy_paste,
            "cutPaste": self._cut_paste,
        }

    def _add_sheet(self, book: Spreadsheet, properties: _JSON) -> SheetState:
        title = properties.get("title") or f"Sheet{len(book.sheets) + 1}"
        if book.sheet_by_title(title) is not None:
            raise RequestError(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        sheet_id = properties.get("sheetId")
        if sheet_id is None:
            sheet_id = self.random.randrange(1, 2**31)
        elif any(s.sheet_id == sheet_id for s in book.sheets):
            raise RequestError(f"Sheet with id {sheet_id} already exists.")
        grid = properties.get("gridProperties") or {}
        new = _new_sheet_properties(
            sheet_id, title, 0, grid.get("rowCount", 1000), grid.get("columnCount", 26)
        )
        for key, value in properties.items():
            if key not in {"sheetId", "title", "index", "gridProperties", "sheetType"}:
                new[key] = copy.deepcopy(value)
        for key, value in grid.items():
            if value:
                new["gridProperties"][key] = value
        sheet = SheetState(with_color_styles(new))
        index = properties.get("index", len(book.sheets))
        book.sheets.insert(min(index, len(book.sheets)), sheet)
        book.reindex()
        return sheet

    def _delete_sheet(self, book: Spreadsheet, item: _JSON) -> None:
        sheet = book.sheet_by_id(item["deleteSheet"]["sheetId"])
        if len(book.sheets) == 1:
            raise RequestError("You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        book.named_ranges = [
            n for n in book.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id
        ]
        book.reindex()

    def _update_sheet_properties(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["updateSheetProperties"]
        properties = spec.get("properties") or {}
        sheet = book.sheet_by_id(properties.get("sheetId", 0))
        fields = spec.get("fields") or ""
        if not fields:
            raise RequestError("At least one field must be updated, but none were specified.")
        if "title" in properties and properties["title"] != sheet.title:
            other = book.sheet_by_title(properties["title"])
            if other is not None and other is not sheet:
                raise RequestError(
                    f'A sheet with the name "{properties["title"]}" already '
                    "exists. Please enter another name."
                )
        tree = parse_field_mask(fields)
        old_index = sheet.properties["index"]
        updated = copy.deepcopy(sheet.properties)
        apply_masked_update(updated, with_color_styles(properties), tree)
        if "tabColorStyle" in tree and "tabColor" not in tree:
            updated.pop("tabColor", None)
            if "tabColorStyle" in updated:
                updated["tabColor"] = updated["tabColorStyle"].get("rgbColor", {})
        for key in ("sheetId", "title", "sheetType"):
            updated.setdefault(key, sheet.properties[key])
        grid = updated.setdefault("gridProperties", {})
        grid.setdefault("rowCount", sheet.row_count)
        grid.setdefault("columnCount", sheet.column_count)
        for key in [
            k for k, v in grid.items() if v in (0, False) and k.startswith(("frozen", "hide"))
        ]:
            del grid[key]
        if updated.get("hidden") is False:
            del updated["hidden"]
        if updated.get("hidden") and all(
            s.properties.get("hidden") for s in book.sheets if s is not sheet
        ):
            raise RequestError("You can't hide all the sheets in a document.")
        sheet.properties = {k: updated[k] for k in _property_order(updated)}
        if "index" in tree and properties.get("index") is not None:
            book.sheets.remove(sheet)
            target = properties["index"]
            book.sheets.insert(target - 1 if target > old_index else target, sheet)
        sheet.properties["index"] = old_index
        book.reindex()

    def _update_spreadsheet_properties(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["updateSpreadsheetProperties"]
        apply_masked_update(
            book.properties,
            spec.get("properties") or {},
            parse_field_mask(spec.get("fields") or "*"),
        )
        file = self.drive.files.get(book.spreadsheet_id)
        if file is not None:
            file.name = book.properties.get("title", file.name)

    def _cells_of(self, book: Spreadsheet, grid_range: _JSON) -> tuple[SheetState, a1.Bounds]:
        sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
        return sheet, grid_range_bounds(sheet, grid_range)

    def _set_cell_fields(
        self, sheet: SheetState, key: tuple[int, int], data: Cell, tree: dict[str, Any]
    ) -> None:
        cell = sheet.cells.setdefault(key, {})
        apply_masked_update(cell, with_color_styles(copy.deepcopy(data)), tree)
        if "userEnteredFormat" in cell:
            cell["userEnteredFormat"] = with_color_styles(cell["userEnteredFormat"])
        if not cell:
            del sheet.cells[key]

    def _repeat_cell(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["repeatCell"]
        sheet, bounds = self._cells_of(book, spec["range"])
        tree = parse_field_mask(spec.get("fields") or "*")
        for key in _cells_in(bounds):
            self._set_cell_fields(sheet, key, spec.get("cell") or {}, tree)

    def _update_cells(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["updateCells"]
        tree = parse_field_mask(spec.get("fields") or "*")
        if "range" in spec:
            sheet, bounds = self._cells_of(book, spec["range"])
        else:
            start = spec["start"]
            sheet = book.sheet_by_id(start.get("sheetId", 0))
            rows = spec.get("rows") or []
            bounds = a1.Bounds(
                start.get("rowIndex", 0),
                start.get("rowIndex", 0) + len(rows),
                start.get("columnIndex", 0),
                start.get("columnIndex", 0)
                + max((len(r.get("values") or []) for r in rows), default=0),
            )
        rows = spec.get("rows") or []
        for r, row in enumerate(range(bounds.start_row or 0, bounds.end_row or 0)):
            values = (rows[r].get("values") or []) if r < len(rows) else []
            for c, column in enumerate(range(bounds.start_column or 0, bounds.end_column or 0)):
                data = values[c] if c < len(values) else {}
                self._set_cell_fields(sheet, (row, column), data, tree)

    def _set_data_validation(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["setDataValidation"]
        sheet, bounds = self._cells_of(book, spec["range"])
        for key in _cells_in(bounds):
            self._set_cell_fields(
                sheet, key, {"dataValidation": spec.get("rule")}, {"dataValidation": {}}
            )

    def _add_conditional_format(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["addConditionalFormatRule"]
        rule = with_color_styles(copy.deepcopy(spec["rule"]))
        rule["ranges"] = [_echo_grid_range(r) for r in rule.get("ranges", [])]
        sheet = book.sheet_by_id(spec["rule"]["ranges"][0].get("sheetId", 0))
        sheet.conditional_formats.insert(spec.get("index", len(sheet.conditional_formats)), rule)

    def _delete_conditional_format(self, book: Spreadsheet, item: _JSON) -> _JSON:
        spec = item["deleteConditionalFormatRule"]
        sheet = book.sheet_by_id(spec.get("sheetId", 0))
        index = spec.get("index", 0)
        if index >= len(sheet.conditional_formats):
            raise RequestError(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
        rule = sheet.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": rule}}

    def _add_named_range(self, book: Spreadsheet, item: _JSON) -> _JSON:
        named = copy.deepcopy(item["addNamedRange"]["namedRange"])
        if any(n["name"] == named.get("name") for n in book.named_ranges):
            raise RequestError(f"Named range with name '{named.get('name')}' already exists.")
        book.sheet_by_id(named["range"].get("sheetId", 0))
        stored = {
            "namedRangeId": named.get("namedRangeId") or str(self.random.randrange(2**31)),
            "name": named["name"],
            "range": _echo_grid_range(named["range"]),
        }
        book.named_ranges.append(stored)
        return {"addNamedRange": {"namedRange": copy.deepcopy(stored)}}

    def _named(self, book: Spreadsheet, named_range_id: str) -> _JSON:
        for named in book.named_ranges:
            if named["namedRangeId"] == named_range_id:
                return named
        raise RequestError(f"No named range with id: {named_range_id}")

    def _update_named_range(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["updateNamedRange"]
        named = self._named(book, spec["namedRange"]["namedRangeId"])
        source = copy.deepcopy(spec["namedRange"])
        if "range" in source:
            source["range"] = _echo_grid_range(source["range"])
        fields = spec.get("fields") or ""
        if not fields:
            raise RequestError("At least one field must be updated, but none were specified.")
        apply_masked_update(named, source, parse_field_mask(fields))

    def _delete_named_range(self, book: Spreadsheet, item: _JSON) -> None:
        named = self._named(book, item["deleteNamedRange"]["namedRangeId"])
        book.named_ranges.remove(named)

    def _add_protected_range(self, book: Spreadsheet, item: _JSON) -> _JSON:
        spec = copy.deepcopy(item["addProtectedRange"]["protectedRange"])
        sheet = book.sheet_by_id(spec["range"].get("sheetId", 0))
        editors = {k: v for k, v in (spec.get("editors") or {}).items() if v}
        stored: _JSON = {
            "protectedRangeId": spec.get("protectedRangeId") or self.random.randrange(1, 2**31),
            "range": _echo_grid_range(spec["range"]),
        }
        if spec.get("description"):
            stored["description"] = spec["description"]
        if spec.get("warningOnly"):
            stored["warningOnly"] = True
        stored["requestingUserCanEdit"] = True
        stored["editors"] = editors
        reply = copy.deepcopy(stored)
        users = stored["editors"].setdefault("users", [])
        if self.caller not in users:
            users.insert(0, self.caller)
        sheet.protected_ranges.append(stored)
        return {"addProtectedRange": {"protectedRange": reply}}

    def _delete_protected_range(self, book: Spreadsheet, item: _JSON) -> None:
        wanted = item["deleteProtectedRange"]["protectedRangeId"]
        for sheet in book.sheets:
            for protected in sheet.protected_ranges:
                if protected["protectedRangeId"] == wanted:
                    sheet.protected_ranges.remove(protected)
                    return
        raise RequestError(f"No protected range with id: {wanted}")

    def _merge_cells(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["mergeCells"]
        sheet, bounds = self._cells_of(book, spec["range"])
        kind = spec.get("mergeType", "MERGE_ALL")
        pieces = [bounds]
        if kind == "MERGE_ROWS":
            pieces = [
                a1.Bounds(r, r + 1, bounds.start_column, bounds.end_column)
                for r in range(bounds.start_row or 0, bounds.end_row or 0)
            ]
        elif kind == "MERGE_COLUMNS":
            pieces = [
                a1.Bounds(bounds.start_row, bounds.end_row, c, c + 1)
                for c in range(bounds.start_column or 0, bounds.end_column or 0)
            ]
        sheet.merges = [
            m for m in sheet.merges if not _overlaps(bounds, grid_range_bounds(sheet, m))
        ]
        for piece in pieces:
            for key in _cells_in(piece)[1:]:
                cell = sheet.cells.get(key)
                if cell:
                    cell.pop("userEnteredValue", None)
            sheet.merges.append(_echo_grid_range(_bounds_grid_range(sheet.sheet_id, piece)))

    def _unmerge_cells(self, book: Spreadsheet, item: _JSON) -> None:
        sheet, bounds = self._cells_of(book, item["unmergeCells"]["range"])
        sheet.merges = [
            m for m in sheet.merges if not _overlaps(bounds, grid_range_bounds(sheet, m))
        ]

    def _shift(
        self, book: Spreadsheet, sheet: SheetState, dimension: str, start: int, count: int
    ) -> None:
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
            ("startRowIndex", "endRowIndex")
            if axis == 0
            else ("startColumnIndex", "endColumnIndex")
        )
        ranges = (
            [m for m in sheet.merges]
            + [p["range"] for p in sheet.protected_ranges]
            + [
                n["range"]
                for n in book.named_ranges
                if n["range"].get("sheetId", 0) == sheet.sheet_id
            ]
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

    def _insert_dimension(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["insertDimension"]["range"]
        sheet = book.sheet_by_id(spec.get("sheetId", 0))
        start, end = spec.get("startIndex", 0), spec["endIndex"]
        self._shift(book, sheet, spec["dimension"], start, end - start)

    def _delete_dimension(self, book: Spreadsheet, item: _JSON) -> None:
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
        self._shift(book, sheet, spec["dimension"], start, start - end)

    def _append_dimension(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["appendDimension"]
        sheet = book.sheet_by_id(spec.get("sheetId", 0))
        key = "rowCount" if spec["dimension"] == "ROWS" else "columnCount"
        sheet.properties["gridProperties"][key] += spec["length"]

    def _update_dimension_properties(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["updateDimensionProperties"]
        grid_range = spec["range"]
        sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
        metadata = (
            sheet.row_metadata if grid_range["dimension"] == "ROWS" else (sheet.column_metadata)
        )
        tree = parse_field_mask(spec.get("fields") or "*")
        for index in range(grid_range.get("startIndex", 0), grid_range["endIndex"]):
            entry = metadata.setdefault(index, {})
            apply_masked_update(entry, spec.get("properties") or {}, tree)
            if entry.get("hiddenByUser") is False:
                del entry["hiddenByUser"]

    def _sort_range(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["sortRange"]
        sheet, bounds = self._cells_of(book, spec["range"])
        start_col = bounds.start_column or 0
        rows = list(range(bounds.start_row or 0, bounds.end_row or 0))
        columns = range(start_col, bounds.end_column or 0)
        records = [
            {c: sheet.cells.pop((r, c)) for c in columns if (r, c) in sheet.cells} for r in rows
        ]

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

    def _set_basic_filter(self, book: Spreadsheet, item: _JSON) -> None:
        spec = copy.deepcopy(item["setBasicFilter"]["filter"])
        sheet = book.sheet_by_id(spec["range"].get("sheetId", 0))
        bounds = grid_range_bounds(sheet, spec["range"])
        spec["range"] = _echo_grid_range(_bounds_grid_range(sheet.sheet_id, bounds))
        sheet.basic_filter = spec

    def _clear_basic_filter(self, book: Spreadsheet, item: _JSON) -> None:
        book.sheet_by_id(item["clearBasicFilter"].get("sheetId", 0)).basic_filter = None

    def _groups(self, book: Spreadsheet, grid_range: _JSON) -> tuple[SheetState, list[_JSON]]:
        sheet = book.sheet_by_id(grid_range.get("sheetId", 0))
        return sheet, sheet.row_groups if grid_range["dimension"] == "ROWS" else (
            sheet.column_groups
        )

    def _add_dimension_group(self, book: Spreadsheet, item: _JSON) -> _JSON:
        grid_range = copy.deepcopy(item["addDimensionGroup"]["range"])
        sheet, groups = self._groups(book, grid_range)
        depth = 1 + sum(
            1
            for g in groups
            if g["range"]["startIndex"] <= grid_range["startIndex"]
            and g["range"]["endIndex"] >= grid_range["endIndex"]
        )
        groups.append({"range": _echo_grid_range(grid_range), "depth": depth})
        control = (
            "rowGroupControlAfter"
            if grid_range["dimension"] == "ROWS"
            else ("columnGroupControlAfter")
        )
        sheet.properties["gridProperties"][control] = True
        groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))
        return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}

    def _delete_dimension_group(self, book: Spreadsheet, item: _JSON) -> _JSON:
        grid_range = item["deleteDimensionGroup"]["range"]
        _sheet, groups = self._groups(book, grid_range)
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
        return {
            "deleteDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)} if groups else {}
        }

    def _copy_paste(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["copyPaste"]
        source_sheet, source = self._cells_of(book, spec["source"])
        target_sheet, target = self._cells_of(book, spec["destination"])
        self._paste(source_sheet, source, target_sheet, target, spec.get("pasteType"))

    def _cut_paste(self, book: Spreadsheet, item: _JSON) -> None:
        spec = item["cutPaste"]
        source_sheet, source = self._cells_of(book, spec["source"])
        destination = spec["destination"]
        target_sheet = book.sheet_by_id(destination.get("sheetId", 0))
        row, column = destination.get("rowIndex", 0), destination.get("columnIndex", 0)
        target = a1.Bounds(row, row + source.rows, column, column + source.columns)
        moved = {
            key: source_sheet.cells.pop(key)
            for key in _cells_in(source)
            if key in source_sheet.cells
        }
        for (r, c), cell in moved.items():
            target_sheet.cells[
                (r - (source.start_row or 0) + row, c - (source.start_column or 0) + column)
            ] = cell
        target_sheet.grow(target.end_row or 0, target.end_column or 0)

    def _paste(
        self,
        source_sheet: SheetState,
        source: a1.Bounds,
        target_sheet: SheetState,
        target: a1.Bounds,
        paste_type: str | None,
    ) -> None:
        fields: dict[str, Any] = {
            "PASTE_VALUES": {"userEnteredValue": {}},
            "PASTE_FORMAT": {"userEnteredFormat": {}},
            "PASTE_NOTES": {"note": {}},
            "PASTE_DATA_VALIDATION": {"dataValidation": {}},
        }.get(paste_type or "", {})
        height, width = max(source.rows, 1), max(source.columns, 1)
        for r, c in _cells_in(target):
            origin = (
                (source.start_row or 0) + (r - (target.start_row or 0)) % height,
                (source.start_column or 0) + (c - (target.start_column or 0)) % width,
            )
            data = copy.deepcopy(source_sheet.cells.get(origin, {}))
            self._set_cell_fields(target_sheet, (r, c), data, fields)


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


def _overlaps(first: a1.Bounds, second: a1.Bounds) -> bool:
    return (
        (first.start_row or 0) < (second.end_row or 0)
        and (second.start_row or 0) < (first.end_row or 0)
        and (first.start_column or 0) < (second.end_column or 0)
        and (second.start_column or 0) < (first.end_column or 0)
    )


def _bounds_grid_range(sheet_id: int, bounds: a1.Bounds) -> _JSON:
    return {
        "sheetId": sheet_id,
        "startRowIndex": bounds.start_row,
        "endRowIndex": bounds.end_row,
        "startColumnIndex": bounds.start_column,
        "endColumnIndex": bounds.end_column,
    }


def _property_order(properties: _JSON) -> list[str]:
    order = [
        "sheetId",
        "title",
        "index",
        "sheetType",
        "gridProperties",
        "hidden",
        "tabColor",
        "rightToLeft",
        "tabColorStyle",
    ]
    return [k for k in order if k in properties] + [k for k in properties if k not in order]


def _trim_row_data(data: _JSON) -> None:
    """Drop cells, rows and rowData left empty by a field mask, as Google does."""
    rows = data.get("rowData")
    if rows is None:
        return
    for row in rows:
        values = row.get("values", [])
        while values and not values[-1]:
            values.pop()
        if not values:
            row.pop("values", None)
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        del data["rowData"]


def _trim_row(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def _merge(base: _JSON, override: _JSON) -> _JSON:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _list_value_error(values: Any) -> RequestError:
    import json

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


def _find_table(book: Spreadsheet, sheet: SheetState, bounds: a1.Bounds) -> a1.Bounds | None:
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
