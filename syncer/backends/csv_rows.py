"""A csv's records as rows: a record's fields to the row's values (``_RowValues``), and a held
file's rows kept as its text, each built when asked for (``_HeldRows``), from records split with
quotes undone (``_unquoted_records``)."""

from __future__ import annotations

import csv
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from syncer.backends.base import canonical_text
from syncer.backends.csv_scan import _Scanner, field_value
from syncer.backends.local import (
    OwnedKind,
    owned_kind,
    owned_value_from_text,
    restore_neutralised,
)
from syncer.incremental import row_texts
from syncer.model import CellValue

_MEMO_SIZE = 2_500  # remembered texts per column
_MEMO_TEXT_LENGTH = 200  # longer texts rarely repeat; remembering them would cost memory
_UNIQUE_KINDS = (OwnedKind.DRAFT, OwnedKind.ROW_ID)
_DATED = (OwnedKind.DATE, OwnedKind.DATETIME)


def _converted(text: str, kind: OwnedKind, converted: dict[str, CellValue]) -> CellValue:
    """``owned_value_from_text``, once per distinct text of a column: due dates and actions
    recur all down a big file (dates and text are immutable, so rows may share them). Draft
    paths and row ids are unique per row, so caching them would only cost memory."""
    if kind in _UNIQUE_KINDS:
        return owned_value_from_text(text, kind)
    try:
        return converted[text]
    except KeyError:
        value = converted[text] = owned_value_from_text(text, kind)
        return value


class _RowValues:
    """A record's raw fields to the row's values: quotes undone, blanks None, owned Due Date
    and Last Synced as dates. ``limit``: how many distinct texts to share before starting
    afresh (a streamed file's rows are not all held, so sharing all would only cost memory)."""

    def __init__(self, header: list[str], limit: int | None = None) -> None:
        self.owned: list[tuple[int, OwnedKind, dict[str, CellValue]]] = [
            (i, kind, {}) for i, h in enumerate(header) if (kind := owned_kind(h))
        ]
        self.limit = limit
        # One string object per distinct text: stages, dates, channels and industries recur
        # all down a file, so a 100,000-row file holds a few hundred of them in a million cells.
        self.seen: dict[str, str] = {}

    def row(self, raws: list[str]) -> list[CellValue]:
        if '"' in "".join(raws):  # one C-level scan instead of one call per field
            raws = [field_value(raw) if raw[:1] == '"' else raw for raw in raws]
        return self.values(raws)

    def values(self, fields: list[str]) -> list[CellValue]:
        """``row`` of fields already unquoted (a held file's rows, built when asked for)."""
        seen = self.seen
        if self.limit is not None and len(seen) > self.limit:
            seen.clear()
            for _column, _kind, converted in self.owned:
                converted.clear()
        shared = seen.setdefault
        row: list[CellValue] = [shared(value, value) if value else None for value in fields]
        for column, kind, converted in self.owned:
            if column < len(row):
                text = row[column]
                if type(text) is str:
                    row[column] = _converted(text, kind, converted)
        return row


@dataclass
class HeldPart:
    """What ``_HeldRows.read`` kept of a stretch of records: where each starts, its field
    count and what the held rows keep of it; the widest record's width, and where the last one
    stops (its start when there is none)."""

    starts: array[int] = field(default_factory=lambda: array("q"))
    counts: array[int] = field(default_factory=lambda: array("l"))
    joined: list[str | None] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    width: int = 0
    stop: int = 0


class _HeldRows(Sequence[list[CellValue]]):
    """A held file's data rows, each built from its record's text when first asked for.

    The file's text is held anyway (a rewrite copies it), so a row costs only the unquoted
    text of a record with quotes in it (its fields joined by NUL, which the file then holds
    nowhere) and its Row ID. ``texts`` gives a row's canonical texts without its values: a
    nightly run recognises its settled rows by them (incremental.py), and builds the values of
    only the rows it plans in full. A row once asked for by index or iteration is kept (so it
    stays the one list a caller may change), and then answers ``texts`` itself.
    """

    def __init__(self, scanner: _Scanner, first: int, values: _RowValues) -> None:
        self._scanner = scanner
        self._first = first  # the record index of the first data row
        self._starts: array[int] = array("q")
        self._values = values
        self._joined: list[str | None] = []
        self._ids: list[str] = []
        self._held: dict[int, list[CellValue]] = {}
        self.id_column = next(
            (column for column, kind, _ in values.owned if kind is OwnedKind.ROW_ID), None
        )
        # Owned columns of text, and of dates with their texts' canonical texts remembered
        # (due dates and time stamps recur all down a file).
        self._plain = [column for column, kind, _ in values.owned if kind not in _DATED]
        self._dated: list[tuple[int, OwnedKind, dict[str, str]]] = [
            (column, kind, {}) for column, kind, _ in values.owned if kind in _DATED
        ]

    def read(self, start: int, end: int) -> HeldPart:
        """The data records of the text from ``start`` (a record's start) to ``end`` (where
        the last one stops, or beyond it), kept as ``take`` adds them: a record with quotes
        as its unquoted fields joined by NUL (the file holds them nowhere), and its Row ID."""
        part = HeldPart(stop=start)
        starts, counts, joined, ids = part.starts, part.counts, part.joined, part.ids
        column = self.id_column
        width = 0
        for at, stop, fields, quoted in _unquoted_records(self._scanner, start, end):
            starts.append(at)
            counts.append(len(fields))
            width = max(width, len(fields))
            joined.append("\x00".join(fields) if quoted else None)
            row_id = fields[column] if column is not None and column < len(fields) else ""
            ids.append(restore_neutralised(row_id).strip() if row_id else "")
            part.stop = stop
        part.width = width
        return part

    def take(self, part: HeldPart) -> None:
        """Add the records ``read`` kept, after the ones held (in the file's order)."""
        self._starts.extend(part.starts)
        self._joined += part.joined
        self._ids += part.ids

    def done(self, end: int) -> None:
        self._starts.append(end)

    def __len__(self) -> int:
        return len(self._joined)

    @overload
    def __getitem__(self, index: int) -> list[CellValue]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[CellValue]]: ...

    def __getitem__(self, index: int | slice) -> list[CellValue] | list[list[CellValue]]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row index out of range")
        row = self._held.get(index)
        if row is None:
            row = self._held[index] = self._values.values(self._fields(index))
        return row

    def __iter__(self) -> Iterator[list[CellValue]]:
        for index in range(len(self)):
            yield self[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))

    def cells(self, index: int) -> list[CellValue]:
        """Row ``index``'s values, built afresh (not kept) unless the row is held."""
        row = self._held.get(index)
        return row if row is not None else self._values.values(self._fields(index))

    def texts(self, index: int) -> list[str]:
        """``incremental.row_texts(self[index])``, from the record's text: owned fields read
        back as ``owned_value_from_text`` would, as canonical text; trailing blanks dropped."""
        held = self._held.get(index)
        if held is not None:
            return row_texts(held)
        fields = self._fields(index)
        width = len(fields)
        for column in self._plain:  # read back as ``restore_neutralised`` leaves them
            if column < width and fields[column][:1] == "'":
                fields[column] = restore_neutralised(fields[column])
        for column, kind, known in self._dated:
            if column < width:
                text = fields[column]
                if text:
                    canonical = known.get(text)
                    if canonical is None:
                        canonical = canonical_text(owned_value_from_text(text, kind))
                        if len(text) <= _MEMO_TEXT_LENGTH and len(known) < _MEMO_SIZE:
                            known[text] = canonical
                    fields[column] = canonical
        while fields and not fields[-1]:
            fields.pop()
        return fields

    def id_texts(self, column: int) -> list[str]:
        """Each row's cell in ``column`` as canonical text, stripped (its Row ID)."""
        if column != self.id_column:
            return [
                texts[column].strip() if column < len(texts) else ""
                for texts in map(self.texts, range(len(self)))
            ]
        ids = self._ids
        if self._held:
            ids = list(ids)
            for index, row in self._held.items():
                ids[index] = canonical_text(row[column] if column < len(row) else None).strip()
        return ids

    def _fields(self, index: int) -> list[str]:
        """The record's fields, unquoted (as ``_Scanner.records`` splits it)."""
        joined = self._joined[index]
        if joined is not None:
            return joined.split("\x00")
        scanner = self._scanner
        start, stop = self._starts[index], self._starts[index + 1]
        body = scanner.text[start : scanner.body_end(start, stop)]
        return body.split(scanner.dialect.delimiter) if body else []


class _OneLine:
    """What the csv module reads one record's text from: the text once, then nothing (a
    record the module would read on into a second line is not one it can split)."""

    def __init__(self) -> None:
        self.text: str | None = None

    def __iter__(self) -> _OneLine:
        return self

    def __next__(self) -> str:
        text, self.text = self.text, None
        if text is None:
            raise _NotOneLine
        return text


class _NotOneLine(Exception):
    pass


#: A record's extent where its quotes pair up: up to the first line ending with an even count
#: of quotes before it. That is the scanner's extent (``_Scanner.record_extent``) whenever the
#: csv module then reads the text as one whole record: where a quote inside an unquoted field
#: (``5" screen``) throws the count off, the text is two records or part of one, and the module
#: stops at the line ending inside it (csv.Error) or asks for more (``_NotOneLine``). A third
#: of the regular expression's time on a synced file, whose drafts are quoted.
_BALANCED = re.compile(r'[^"\n]*(?:"[^"]*"[^"\n]*)*(?:\n|\Z)')


def split_held(text: str, start: int, newline: str = "\n", *, lines: int = 1_000) -> int | None:
    """A likely record start near the middle of ``text[start:]`` (``start``: a record's): the
    first line start past the middle with an even count of quotes before it, looked for over
    ``lines`` lines at most (None when there is none). Only likely: a quote inside an unquoted
    field (``5" screen``) throws the count off, which the caller finds out (the records read
    from ``start`` do not stop there) and reads on instead."""
    line = text.find(newline, start + (len(text) - start) // 2)
    if line < 0:
        return None
    quotes = text.count('"', start, line)
    for _ in range(lines):
        if quotes % 2 == 0:
            return line + 1 if line + 1 < len(text) else None
        after = text.find(newline, line + 1)
        if after < 0:
            return None
        quotes += text.count('"', line, after)
        line = after
    return None


def _unquoted_records(
    scanner: _Scanner, position: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, list[str], bool]]:
    """``_Scanner.records`` with each field's value (``field_value``) in place of its raw text,
    and whether the record has quotes: (start, stop, fields, quoted); from the record at
    ``position`` to the last that starts before ``end``.

    A record with quotes is split and unquoted by the csv module (in C), which reads one exactly
    as the scanner and ``field_value`` do where the record's text holds no CR (the module ends a
    record at any CR or LF outside quotes, the scanner only at the file's newline); otherwise,
    or when the module fails (a field over its size limit), as the scanner does.
    """
    text, newline, delimiter = scanner.text, scanner.dialect.newline, scanner.dialect.delimiter
    one_line = _OneLine()
    reader = csv.reader(one_line, delimiter=delimiter, quotechar='"', strict=False)
    by_module = newline == "\n"
    length = len(text)
    end = length if end is None else end
    while position < end:
        line_end = text.find(newline, position)
        stop = length if line_end < 0 else line_end + 1
        if text.find('"', position, stop) < 0:
            body = text[position : scanner.body_end(position, stop)]
            yield position, stop, body.split(delimiter) if body else [], False
            position = stop
            continue
        fields: list[str] | None = None
        balanced = _BALANCED.match(text, position) if by_module else None
        if balanced is not None:
            stop = balanced.end()
            body = text[position : scanner.body_end(position, stop)]
            if "\r" not in body:
                one_line.text = body
                try:
                    fields = next(reader)
                except (csv.Error, _NotOneLine, StopIteration):
                    fields = None
        if fields is None:
            raws, stop = scanner.fields_at(position)
            fields = [field_value(raw) if raw[:1] == '"' else raw for raw in raws]
        yield position, stop, fields, True
        position = stop
