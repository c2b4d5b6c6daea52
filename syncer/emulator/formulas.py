"""Formula evaluation: a small recursive-descent evaluator over one spreadsheet.

Arithmetic, comparisons, ``&``, cell/range references and SUM, AVERAGE, MIN, MAX, COUNT, COUNTA,
IF, CONCATENATE, LEN, UPPER, LOWER, ROUND, ABS. A formula outside that subset keeps its own text
as its value (Google would compute it; tests that need more should not rely on the emulator's
arithmetic).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from syncer.emulator import a1
from syncer.emulator.cells import Value, format_general

if TYPE_CHECKING:
    from syncer.emulator.spreadsheet import SheetState, Spreadsheet


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
        return format_general(value)
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
