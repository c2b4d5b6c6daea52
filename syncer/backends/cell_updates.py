"""A plan's cell updates held as columns, and read a row at a time.

A 100,000-row first sync writes 629,000 cells: as ``CellUpdate`` objects (80 bytes each, and a
list to hold them) they were a fifth of the run's peak. ``PackedUpdates`` keeps, per written
row, its sheet row, Row ID and which owned columns it writes (one shared "shape" for every row
that writes the same ones), and per cell its value and the text it replaces: 16 bytes, or 8
while every cell replaced a blank (a first sync's all do).

It stands in for the list of ``CellUpdate`` it holds (len, iteration, indexing, ==, repr), so a
backend that needs the objects makes them as it reads. The first sync's own passes (the
journal, the csv rewrite and its check) read ``row_groups`` instead and make none.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from operator import attrgetter
from typing import NamedTuple, overload

from syncer.backends.base import CellUpdate
from syncer.model import CellValue
from syncer.spill import ChunkLog


class RowGroup(NamedTuple):
    """One row's updates, in order: cell ``i`` writes ``values[i]`` to ``columns[i]``
    (owned field ``fields[i]``), where the cell read ``expected[i]``."""

    row: int
    row_id: str
    columns: tuple[str, ...]
    fields: tuple[str, ...]
    values: Sequence[CellValue]
    expected: Sequence[str]


_Shape = tuple[tuple[str, ...], tuple[str, ...]]  # (columns, fields)


class PackedUpdates(Sequence[CellUpdate]):
    """The list of ``CellUpdate`` a plan makes, kept a row at a time (see the module)."""

    __slots__ = (
        "_ends",
        "_expected",
        "_headers",
        "_row_ids",
        "_rows",
        "_shape_at",
        "_shape_of",
        "_shapes",
        "_shapes_by_fields",
        "_values",
    )

    def __init__(self, updates: Iterable[CellUpdate] = ()) -> None:
        self._rows: list[int] = []
        self._row_ids: list[str] = []
        self._shape_at = array("I")  # per row: its index in ``_shapes``
        self._ends = array("q")  # per row: the index after its last cell
        self._values: list[CellValue] = []
        self._expected: list[str] | None = None  # None: every cell's is "" (blank)
        self._shapes: list[_Shape] = []
        self._shape_of: dict[_Shape, int] = {}
        # The planner's shortcut: fields -> shape, for the one header mapping it names.
        self._headers: Mapping[str, str] | None = None
        self._shapes_by_fields: dict[tuple[str, ...], int] = {}
        self.extend(updates)

    def _shape(self, columns: tuple[str, ...], fields: tuple[str, ...]) -> int:
        key = (columns, fields)
        number = self._shape_of.get(key)
        if number is None:
            number = self._shape_of[key] = len(self._shapes)
            self._shapes.append(key)
        return number

    def add_row(
        self,
        row: int,
        row_id: str,
        writes: Sequence[tuple[str, CellValue, str]],
        headers: Mapping[str, str],
    ) -> None:
        """The updates of one row: a (field, value, expected text) each, written to the column
        ``headers`` names for the field (the planner's; the same mapping for a whole plan)."""
        if not writes:
            return
        if headers is not self._headers:
            self._headers, self._shapes_by_fields = headers, {}
        fields = tuple([name for name, _value, _expected in writes])
        shape = self._shapes_by_fields.get(fields)
        if shape is None:
            columns = tuple([headers[name] for name in fields])
            shape = self._shapes_by_fields[fields] = self._shape(columns, fields)
        self._rows.append(row)
        self._row_ids.append(row_id)
        self._shape_at.append(shape)
        size = len(self._values)
        self._values.extend([value for _name, value, _expected in writes])
        texts = [expected for _name, _value, expected in writes]
        if self._expected is not None:
            self._expected.extend(texts)
        elif any(texts):
            self._expected = [""] * size + texts
        self._ends.append(len(self._values))

    def add_packed(self, other: PackedUpdates) -> None:
        """Append ``other``'s updates, rows below this one's (a plan made in parts)."""
        size = len(self._values)
        numbers = [self._shape(columns, fields) for columns, fields in other._shapes]
        self._rows += other._rows
        self._row_ids += other._row_ids
        self._shape_at.extend([numbers[shape] for shape in other._shape_at])
        self._ends.extend([end + size for end in other._ends])
        if other._expected is not None:
            self._expected = (self._expected or [""] * size) + other._expected
        elif self._expected is not None:
            self._expected += [""] * len(other._values)
        self._values += other._values

    def append(self, update: CellUpdate) -> None:
        self.add_cell(
            update.row, update.row_id, update.column, update.field, update.value, update.expected
        )

    def add_cell(
        self, row: int, row_id: str, column: str, field: str, value: CellValue, expected: str
    ) -> None:
        """One update (``CellUpdate``'s fields): it joins the last row's when it has the same
        sheet row and Row ID."""
        rows = self._rows
        if rows and _same(rows[-1], row) and _same(self._row_ids[-1], row_id):
            columns, fields = self._shapes[self._shape_at[-1]]
            self._shape_at[-1] = self._shape((*columns, column), (*fields, field))
        else:
            rows.append(row)
            self._row_ids.append(row_id)
            self._shape_at.append(self._shape((column,), (field,)))
            self._ends.append(len(self._values))
        if self._expected is not None:
            self._expected.append(expected)
        elif expected != "":
            self._expected = [""] * len(self._values) + [expected]
        self._values.append(value)
        self._ends[-1] += 1

    def extend(self, updates: Iterable[CellUpdate]) -> None:
        for update in updates:
            self.append(update)

    def row_groups(self) -> Iterator[RowGroup]:
        """The updates a row at a time, in order, without making a ``CellUpdate`` each."""
        shapes, values, expected = self._shapes, self._values, self._expected
        start = 0
        for row, row_id, shape, end in zip(
            self._rows, self._row_ids, self._shape_at, self._ends, strict=True
        ):
            columns, fields = shapes[shape]
            read = _blanks(end - start) if expected is None else expected[start:end]
            yield RowGroup(row, row_id, columns, fields, values[start:end], read)
            start = end

    def __iter__(self) -> Iterator[CellUpdate]:
        for row, row_id, columns, fields, values, expected in self.row_groups():
            for column, value, before, name in zip(columns, values, expected, fields, strict=True):
                yield CellUpdate(row, column, value, row_id, before, name)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    @overload
    def __getitem__(self, index: int) -> CellUpdate: ...
    @overload
    def __getitem__(self, index: slice) -> list[CellUpdate]: ...
    def __getitem__(self, index: int | slice) -> CellUpdate | list[CellUpdate]:
        if isinstance(index, slice):
            return list(self)[index]
        size = len(self._values)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("PackedUpdates index out of range")
        group = bisect_right(self._ends, position)
        start = self._ends[group - 1] if group else 0
        columns, fields = self._shapes[self._shape_at[group]]
        at = position - start
        return CellUpdate(
            self._rows[group],
            columns[at],
            self._values[position],
            self._row_ids[group],
            "" if self._expected is None else self._expected[position],
            fields[at],
        )

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or any stand-in for one) of the same updates, as the list it is."""
        if not isinstance(other, PackedUpdates | list | ChunkLog):
            return NotImplemented
        others = list(other)
        return len(self) == len(others) and all(a == b for a, b in zip(self, others, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __repr__(self) -> str:
        return repr(list(self))


@cache
def _blanks(count: int) -> tuple[str, ...]:
    """What ``count`` cells read blank expect: ``count`` "" (a row's, shared by every row)."""
    return ("",) * count


def _same(first: object, second: object) -> bool:
    """The same key, type and all (``True == 1``, but a row of ``True`` is not row 1)."""
    return type(first) is type(second) and first == second


_ROW_KEY = attrgetter("row", "row_id")


def row_groups(updates: Iterable[CellUpdate]) -> Iterator[RowGroup]:
    """``updates`` a row at a time (consecutive updates of one sheet row and Row ID), read
    straight from a ``PackedUpdates``, grouped from any other sequence of updates."""
    if isinstance(updates, PackedUpdates):
        yield from updates.row_groups()
        return
    for (row, row_id), group in itertools.groupby(updates, _ROW_KEY):
        cells = list(group)
        yield RowGroup(
            row,
            row_id,
            tuple([u.column for u in cells]),
            tuple([u.field for u in cells]),
            [u.value for u in cells],
            [u.expected for u in cells],
        )
