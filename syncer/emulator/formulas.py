"""Formula evaluation: a small recursive-descent evaluator over one spreadsheet.

Arithmetic, comparisons, ``&``, cell/range references and SUM, AVERAGE, MIN, MAX, COUNT, COUNTA,
IF, CONCATENATE, LEN, UPPER, LOWER, ROUND, ABS, the volatile TODAY and NOW (on the spreadsheet's
clock, in its time zone), NA, IFERROR, IFNA, ISERROR, ISNA and error literals (``#REF!``).
Errors are values, as in Sheets: ``=1/0`` is ``#DIV/0!``, a deleted reference ``#REF!``, and an
error operand makes the result that error. A formula outside that subset keeps its own text as
its value (Google would compute it; tests that need more should not rely on the emulator's
arithmetic).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from syncer.emulator import a1
from syncer.emulator.cells import (
    ERROR_TYPES,
    CellError,
    DateSerial,
    Value,
    format_general,
    serial_number,
)

if TYPE_CHECKING:
    from syncer.emulator.spreadsheet import SheetState, Spreadsheet


class FormulaError(Exception):
    """The formula is outside the subset the emulator evaluates."""


#: Google's messages (en_US) for the errors the evaluator produces itself.
DIVIDE_BY_ZERO = CellError(
    "#DIV/0!", "DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero."
)
NOT_AVAILABLE = CellError("#N/A", "N_A", "Value not available.")
BAD_REFERENCE = CellError("#REF!", "REF", "Reference does not exist.")
_LITERAL_MESSAGES = {"#REF!": BAD_REFERENCE.message, "#N/A": NOT_AVAILABLE.message}


def error_literal(code: str) -> CellError:
    """The error an error literal in a formula (``=#REF!+1``) stands for."""
    upper = code.upper()
    return CellError(upper, ERROR_TYPES[upper], _LITERAL_MESSAGES.get(upper, ""))


_ERROR_LITERAL = "|".join(re.escape(code) for code in sorted(ERROR_TYPES, key=len, reverse=True))
FORMULA_TOKEN = re.compile(
    rf"\s*(?:(?P<error>{_ERROR_LITERAL})"
    r"|(?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)"
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
            match = FORMULA_TOKEN.match(text, position)
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
            left = _first_error(left, right) or _compare(op, left, right)
        return left

    def _concat(self) -> Value:
        left = self._sum()
        while self._peek()[1] == "&":
            self._take()
            right = self._sum()
            left = _first_error(left, right) or _text(left) + _text(right)
        return left

    def _sum(self) -> Value:
        left = self._product()
        while self._peek()[1] in {"+", "-"}:
            op = self._take()[1]
            right = self._product()
            left = _first_error(left, right) or _add(op, left, right)
        return left

    def _product(self) -> Value:
        left = self._power()
        while self._peek()[1] in {"*", "/"}:
            op = self._take()[1]
            right = self._power()
            error = _first_error(left, right)
            if error is not None:
                left = error
            elif op == "/" and _num(right) == 0:
                left = DIVIDE_BY_ZERO
            else:
                left = _num(left) * _num(right) if op == "*" else _num(left) / _num(right)
        return left

    def _power(self) -> Value:
        left = self._unary()
        while self._peek()[1] == "^":
            self._take()
            right = self._unary()
            left = _first_error(left, right) or _num(left) ** _num(right)
        return left

    def _unary(self) -> Value:
        if self._peek()[1] in {"-", "+"}:
            op = self._take()[1]
            value = self._unary()
            if isinstance(value, CellError):
                return value
            return -_num(value) if op == "-" else _num(value)
        return self._atom()

    def _atom(self) -> Value:
        kind, text = self._take()
        if kind == "error":
            return error_literal(text)
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
        if name in _ERROR_AWARE:
            return self._error_aware(name, arguments)
        error = _first_error(*flat)
        if error is not None:
            return error
        if not flat and name in {"TODAY", "NOW", "NA"}:
            return self._volatile(name)
        numbers = [float(v) for v in flat if isinstance(v, int | float) and not isinstance(v, bool)]
        if name == "SUM":
            return sum(numbers)
        if name in {"MIN", "MAX"}:
            return (min if name == "MIN" else max)(numbers) if numbers else 0.0
        if name == "AVERAGE":
            if not numbers:
                return CellError(
                    "#DIV/0!",
                    "DIVIDE_BY_ZERO",
                    "Evaluation of function AVERAGE caused a divide by zero error.",
                )
            return sum(numbers) / len(numbers)
        if name == "COUNT":
            return float(len(numbers))
        if name == "COUNTA":
            return float(sum(1 for v in flat if v not in (None, "")))
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

    def _error_aware(self, name: str, arguments: list[list[Value]]) -> Value:
        """The functions that look at an error instead of returning it: IF, IFERROR, IFNA,
        ISERROR, ISNA (their arguments are evaluated as Sheets' are, all of them)."""
        values = [argument[0] if len(argument) == 1 else None for argument in arguments]
        if name == "IF" and len(values) in {2, 3}:
            if isinstance(values[0], CellError):
                return values[0]
            if _truthy(values[0]):
                return values[1]
            return values[2] if len(values) == 3 else False
        if name in {"IFERROR", "IFNA"} and len(values) in {1, 2}:
            fallback = values[1] if len(values) == 2 else ""
            caught = isinstance(values[0], CellError) and (
                name == "IFERROR" or values[0].type == "N_A"
            )
            return fallback if caught else values[0]
        if name in {"ISERROR", "ISNA"} and len(values) == 1:
            value = values[0]
            return isinstance(value, CellError) and (name == "ISERROR" or value.type == "N_A")
        raise FormulaError(name)

    def _volatile(self, name: str) -> Value:
        if name == "NA":
            return NOT_AVAILABLE
        moment = self.book.local_now()
        if name == "TODAY":
            return DateSerial(float(serial_number(moment.date())), "DATE")
        return DateSerial(serial_number(moment.replace(tzinfo=None)), "DATE_TIME")

    def _reference(self, text: str) -> list[Value]:
        sheet = self.sheet
        if "!" in text:
            title, cells = a1.split_sheet(text)
            found = self.book.sheet_by_title(title or "")
            if found is None or cells is None:
                return [CellError("#REF!", "REF", f"Unresolved sheet name '{title}'.")]
            sheet, text = found, cells
        bounds = a1.parse_cells(text.replace("$", ""))
        values: list[Value] = []
        for row in range(bounds.start_row or 0, bounds.end_row or 0):
            for column in range(bounds.start_column or 0, bounds.end_column or 0):
                values.append(self.book.effective(sheet, row, column, self.visiting))
        return values


_ERROR_AWARE = {"IF", "IFERROR", "IFNA", "ISERROR", "ISNA"}


def _first_error(*values: Value) -> CellError | None:
    return next((v for v in values if isinstance(v, CellError)), None)


def _add(op: str, left: Value, right: Value) -> Value:
    """``+``/``-``: a date plus or minus days stays a date; a date minus a date is days."""
    total = _num(left) + _num(right) if op == "+" else _num(left) - _num(right)
    dates = [v for v in (left, right) if isinstance(v, DateSerial)]
    if len(dates) == 1 and (op == "+" or isinstance(left, DateSerial)):
        return DateSerial(total, dates[0].kind)
    return total


def _num(value: Value) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, CellError):
        raise FormulaError(value.code)
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
        return format_general(value)
    if isinstance(value, CellError):
        return value.code
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
