"""Formula references follow the rows and columns they point at, as in Sheets.

Inserting rows or columns moves the references after the insertion point (a range that spans it
grows); deleting them moves later references back, shrinks a range that loses some of its cells
and turns a reference whose every cell is gone into ``#REF!``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syncer.emulator import a1
from syncer.emulator.formulas import FORMULA_TOKEN

_ENDPOINT = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


@dataclass(frozen=True)
class DimensionShift:
    """Rows (axis 0) or columns (axis 1) of one tab inserted (count > 0) or deleted (count < 0)
    at 0-based ``start``."""

    sheet_title: str
    axis: int
    start: int
    count: int

    def first(self, index: int) -> int:
        """Where a range's first row/column goes."""
        if index < self.start:
            return index
        if self.count < 0 and index < self.start - self.count:
            return self.start
        return index + self.count

    def last(self, index: int) -> int:
        """Where a range's last row/column goes (below ``first`` when all of it is deleted)."""
        if index < self.start:
            return index
        if self.count < 0 and index < self.start - self.count:
            return self.start - 1
        return index + self.count


def shift_formula(formula: str, home_title: str, moved: DimensionShift) -> str:
    """``formula`` (in a cell of the tab ``home_title``) with its references to the moved tab
    rewritten."""
    out: list[str] = []
    position = 0
    text = formula[1:]
    while text[position:].strip():
        match = FORMULA_TOKEN.match(text, position)
        if match is None or match.end() == position:
            return formula  # not a formula the evaluator reads: leave it as typed
        if match.lastgroup == "ref":
            start = match.start("ref")
            out.append(text[position:start])
            out.append(_shift_reference(match["ref"], home_title, moved))
        else:
            out.append(match[0])
        position = match.end()
    return "=" + "".join(out) + text[position:]


def _shift_reference(reference: str, home_title: str, moved: DimensionShift) -> str:
    prefix, _, cells = reference.rpartition("!")
    title = a1.split_sheet(reference)[0] if prefix else home_title
    if (title or "").lower() != moved.sheet_title.lower():
        return reference
    ends = [_ENDPOINT.fullmatch(part) for part in cells.split(":")]
    if not all(ends):
        return reference
    parts = [(m[1], m[2], m[3], int(m[4]) - 1) for m in ends if m is not None]
    if moved.axis == 0:
        indices = [row for *_, row in parts]
    else:
        indices = [a1.column_index(letters.upper()) for _, letters, _, _ in parts]
    first = moved.first(indices[0])
    last = moved.last(indices[-1])
    if last < first:
        return "#REF!"
    new_indices = [first] if len(parts) == 1 else [first, last]
    rebuilt = []
    for (column_mark, letters, row_mark, row), index in zip(parts, new_indices, strict=True):
        if moved.axis == 0:
            rebuilt.append(f"{column_mark}{letters}{row_mark}{index + 1}")
        else:
            rebuilt.append(f"{column_mark}{a1.column_letters(index)}{row_mark}{row + 1}")
    return (f"{prefix}!" if prefix else "") + ":".join(rebuilt)
