"""A1 notation as Google Sheets reads and echoes it.

A range is ``[sheet!]cells`` where the sheet title may be quoted with single quotes (a quote inside
is doubled) and ``cells`` is ``A1``, ``A1:D4``, ``A:A``, ``B1:B``, ``1:1``, ``A2:2``... The sheet
part alone means the whole sheet; a bare word that is not a cell reference is a sheet title or a
named range. Indexes here are 0-based and end-exclusive, like the API's GridRange; ``None`` means
unbounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class A1Error(ValueError):
    """The text is not a range Google could parse."""


_CELL = re.compile(r"^(?P<col>[A-Za-z]{1,3})?(?P<row>[1-9][0-9]*)?$")
_NAME = re.compile(r"^[^\s:!'\"]+(?: [^\s:!'\"]+)*$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_COLUMNS = 18278  # ZZZ


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    if index < 0:
        raise ValueError(f"negative column index {index}")
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    number = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


@dataclass(frozen=True)
class Bounds:
    """A rectangle of cells; ``None`` on a side means it is unbounded."""

    start_row: int | None = None
    end_row: int | None = None
    start_column: int | None = None
    end_column: int | None = None

    def clamp(self, row_count: int, column_count: int) -> Bounds:
        """The concrete rectangle inside a grid of the given size."""
        return Bounds(
            self.start_row or 0,
            row_count if self.end_row is None else self.end_row,
            self.start_column or 0,
            column_count if self.end_column is None else self.end_column,
        )

    @property
    def rows(self) -> int:
        return (self.end_row or 0) - (self.start_row or 0)

    @property
    def columns(self) -> int:
        return (self.end_column or 0) - (self.start_column or 0)


@dataclass(frozen=True)
class ParsedRange:
    """``sheet`` is the title (unquoted) or None; ``cells`` the bounds or None for "all";
    ``name`` is set instead when the text is a single word that may be a named range."""

    sheet: str | None
    cells: Bounds | None
    name: str | None = None


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'It''s'!A1`` into (``It's``, ``A1``); no ``!`` gives (None, text)."""
    if text.startswith("'"):
        index = 1
        title = ""
        while index < len(text):
            char = text[index]
            if char == "'":
                if text[index + 1 : index + 2] == "'":
                    title += "'"
                    index += 2
                    continue
                rest = text[index + 1 :]
                if rest == "":
                    return title, None
                if rest.startswith("!"):
                    return title, rest[1:]
                raise A1Error(text)
            title += char
            index += 1
        raise A1Error(text)
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


def _parse_cell(text: str) -> tuple[int | None, int | None]:
    match = _CELL.match(text.strip())
    if match is None or not text.strip():
        raise A1Error(text)
    col = column_index(match["col"]) if match["col"] else None
    row = int(match["row"]) - 1 if match["row"] else None
    if col is not None and col >= MAX_COLUMNS:
        raise A1Error(text)
    return row, col


def is_cell_reference(text: str) -> bool:
    try:
        parse_cells(text)
    except A1Error:
        return False
    return True


def parse_cells(text: str) -> Bounds:
    """``A1:D4`` -> Bounds(0, 4, 0, 4); reversed corners are normalised."""
    first, sep, second = text.partition(":")
    row1, col1 = _parse_cell(first)
    if not sep:
        if row1 is None or col1 is None:
            raise A1Error(text)
        return Bounds(row1, row1 + 1, col1, col1 + 1)
    row2, col2 = _parse_cell(second)
    if (col1 is None and row1 is None) or (col2 is None and row2 is None):
        raise A1Error(text)
    if col1 is None and col2 is not None and row1 is not None and row2 is None:
        raise A1Error(text)
    if row1 is None and row2 is not None and col1 is not None and col2 is None:
        raise A1Error(text)
    rows = _span(row1, row2)
    columns = _span(col1, col2)
    return Bounds(rows[0], rows[1], columns[0], columns[1])


def _span(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    """Start/end (exclusive) of one dimension; a side missing on either corner is unbounded."""
    if a is None and b is None:
        return None, None
    if a is None:
        return None, (b or 0) + 1
    if b is None:
        return a, None
    low, high = sorted((a, b))
    return low, high + 1


def parse_range(text: str) -> ParsedRange:
    """Parse a range as the values endpoints receive it."""
    if not text.strip():
        raise A1Error(text)
    sheet, cells = split_sheet(text)
    if sheet is not None:
        if cells is None:
            return ParsedRange(sheet, None)
        return ParsedRange(sheet, parse_cells(cells))
    assert cells is not None
    if is_cell_reference(cells):
        return ParsedRange(None, parse_cells(cells))
    if not _NAME.match(cells):
        raise A1Error(text)
    return ParsedRange(None, None, name=cells)


def quote_title(title: str) -> str:
    """Google's echo: plain identifiers bare, anything else in single quotes."""
    if _PLAIN_TITLE.match(title) and not is_cell_reference(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_cells(bounds: Bounds) -> str:
    """Concrete bounds as ``A1`` or ``A1:D4``."""
    start_row = bounds.start_row or 0
    start_col = bounds.start_column or 0
    end_row = bounds.end_row if bounds.end_row is not None else start_row + 1
    end_col = bounds.end_column if bounds.end_column is not None else start_col + 1
    first = f"{column_letters(start_col)}{start_row + 1}"
    if end_row - start_row == 1 and end_col - start_col == 1:
        return first
    return f"{first}:{column_letters(end_col - 1)}{end_row}"


def format_range(title: str, bounds: Bounds) -> str:
    return f"{quote_title(title)}!{format_cells(bounds)}"
