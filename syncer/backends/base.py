"""The one backend interface: read a tracker's tab, apply owned-cell updates.

Implemented by the local workbook backend (.xlsx/.csv) and the Google Sheets backend, and tested
by one shared contract suite (tests/backends/contract.py).
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from sys import intern
from typing import TYPE_CHECKING, Any, Protocol

from syncer.model import CellValue, quick_init

if TYPE_CHECKING:
    from syncer.backends.legacy_encoding import TextFitter
    from syncer.spill import Spill

GOOGLE_CELL_LIMIT = 50_000


#: ``field:digest`` pairs in a packed state row (one C-level scan per row, not one per pair).
_PAIRS = re.compile(r"([^\s:]+):(\S*)")


def digest(text: str) -> str:
    """A short fingerprint of what syncer wrote into a cell.

    The state keeps fingerprints, not the text itself: no applicant's words are copied into the
    state sheet or sidecar, and a 50,000-character draft costs 16 characters to remember.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def unpack(packed: str) -> dict[str, str]:
    """A packed state row's ``field:digest`` pairs (text that is no pair is skipped)."""
    # Names interned: 100,000 rows name the same few fields 800,000 times.
    return {intern(name): value for name, value in _PAIRS.findall(packed)}


def pack(pairs: Mapping[str, str]) -> str:
    return " ".join(f"{name}:{value}" for name, value in sorted(pairs.items()))


_VALUE = re.compile(r"\S*")


class StateCells(MutableMapping[str, dict[str, str]]):
    """Row id -> {field: digest}. A row read from storage stays the packed text it was stored
    as until someone asks for its pairs: a nightly run plans a few rows of 100,000, and a
    settled row's state is carried over as that text (half the memory of its dict, and none
    of the time to build it)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Mapping[str, dict[str, str]] | None = None) -> None:
        self._rows: dict[str, dict[str, str] | str] = dict(rows) if rows else {}

    @classmethod
    def from_packed(cls, rows: Iterable[Sequence[str]]) -> StateCells:
        """Rows of (row id, packed text), the later of two with one id winning."""
        cells = cls()
        cells.add_packed(rows)
        return cells

    def add_packed(self, rows: Iterable[Sequence[str]]) -> None:
        self._rows.update(rows)  # type: ignore[arg-type]

    def __getitem__(self, row_id: str) -> dict[str, str]:
        value = self._rows[row_id]
        if type(value) is str:
            value = self._rows[row_id] = unpack(value)
        return value  # type: ignore[return-value]

    def pairs(self, row_id: str) -> dict[str, str]:
        """A row's pairs ({} for no row), a packed row unpacked for the caller alone: it stays
        packed (a reader of every row once, like the journal, would unpack the whole state)."""
        value = self._rows.get(row_id)
        if value is None:
            return {}
        return unpack(value) if type(value) is str else value  # type: ignore[return-value]

    def get(self, row_id: str, default: Any = None) -> Any:
        return self[row_id] if row_id in self._rows else default

    def __setitem__(self, row_id: str, pairs: dict[str, str]) -> None:
        self._rows[row_id] = pairs

    def __delitem__(self, row_id: str) -> None:
        del self._rows[row_id]

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def value(self, row_id: str, name: str) -> str | None:
        """One field's digest of a row (None when the row or the field is not there), read
        from a packed row without unpacking it when the field comes first and only once
        (as syncer writes the memo, ``_p``)."""
        stored = self._rows.get(row_id)
        if stored is None:
            return None
        if type(stored) is str:
            key = name + ":"
            if key not in stored:
                return None
            if stored.startswith(key) and stored.find(key, 1) < 0:
                matched = _VALUE.match(stored, len(key))
                assert matched is not None  # \S* matches anywhere
                return matched.group()
            stored = self[row_id]
        return stored.get(name)  # type: ignore[union-attr]

    def take(self, other: StateCells) -> None:
        """Move ``other``'s rows here as they are (packed or not), after this one's; ``other``
        is left empty (into an empty state, its rows' table itself moves: no copy of it)."""
        if self._rows:
            self._rows.update(other._rows)
        else:
            self._rows = other._rows
        other._rows = {}

    def pack_rows(self) -> None:
        """Hold every row as its packed text (a plan's part sent from a worker process: a
        string per row crosses the pipe and lives in memory for a third of its dict's cost,
        and the state is stored packed anyway)."""
        rows = self._rows
        for row_id, stored in rows.items():
            if type(stored) is not str:
                rows[row_id] = pack(stored)  # type: ignore[arg-type]

    def carry(self, row_id: str, source: StateCells) -> None:
        """Keep ``source``'s row as it is (packed or not): the row is settled."""
        self._rows[row_id] = source._rows[row_id]

    def packed_row(self, row_id: str) -> str:
        stored = self._rows[row_id]
        return stored if type(stored) is str else pack(stored)  # type: ignore[arg-type]

    def sorted_packed(self) -> Iterator[tuple[str, str]]:
        """(row id, packed text) by row id, as the state is stored."""
        for row_id in sorted(self._rows):
            yield row_id, self.packed_row(row_id)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StateCells):
            return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())
        mine, theirs = self._rows, other._rows
        if len(mine) != len(theirs):
            return False
        for row_id, stored in mine.items():
            their = theirs.get(row_id)
            if stored is their:
                continue
            if their is None:
                return False
            if type(stored) is str and stored == their:
                continue
            if self[row_id] != other[row_id]:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StateCells({dict(self.items())!r})"


@dataclass(init=False)
class SyncState:
    """What syncer last wrote, kept inside the tracker (hidden sheet) or beside it (sidecar).

    ``cells[row_id][field]`` is the ``digest`` of the canonical text last written to that owned
    cell (``field`` is the owned field's name, e.g. ``due_date``). ``data_rows`` is how many
    data rows the last run saw (for the zero-rows guard).
    """

    cells: StateCells
    data_rows: int | None

    STATE_HEADER = ("row_id", "digests")

    def __init__(
        self, cells: Mapping[str, dict[str, str]] | None = None, data_rows: int | None = None
    ) -> None:
        self.cells = cells if isinstance(cells, StateCells) else StateCells(cells)
        self.data_rows = data_rows

    def to_rows(self) -> list[list[str]]:
        """Serialise as a two-column table (header first) for a hidden sheet or a sidecar.

        One row per tracker row: its id, then ``field:digest`` pairs separated by spaces. A
        10,000-row tracker's state is 20,000 cells, so reading it costs little.
        """
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[list[str]]:
        """``to_rows`` one row at a time: a writer that streams them never holds them all."""
        yield list(self.STATE_HEADER)
        if self.data_rows is not None:
            yield ["_meta", f"data_rows:{self.data_rows}"]
        for row_id, packed in self.cells.sorted_packed():
            yield [row_id, packed]

    @classmethod
    def from_rows(
        cls, rows: Iterable[Sequence[object]], cells: StateCells | None = None
    ) -> SyncState:
        """The state a table of rows holds; each row's pairs are read when first asked for."""
        return cls.from_packed(
            (
                (texts[0], texts[1])
                for texts in (
                    [("" if v is None else str(v)) for v in raw] + ["", ""] for raw in rows
                )
            ),
            cells,
        )

    @classmethod
    def from_packed(
        cls, rows: Iterable[Sequence[str]], cells: StateCells | None = None
    ) -> SyncState:
        """``from_rows`` of [row id, packed text] rows of two texts, as a sidecar reader finds
        them, kept in ``cells`` (empty; a streamed sync's are on disk) or in memory."""
        state = cls()
        header_id, header_packed = cls.STATE_HEADER

        def data(row: Sequence[str]) -> bool:
            if row[0] != "_meta":
                return bool(row[0]) and (row[0] != header_id or row[1] != header_packed)
            found = unpack(row[1]).get("data_rows", "")
            if found.isdigit():
                state.data_rows = int(found)
            return False

        state.cells = cells if cells is not None else StateCells()
        state.cells.add_packed(filter(data, rows))
        return state


class RowTexts(Protocol):
    """A tracker's data rows as text, read without building their values (a csv held in
    memory): the incremental plan recognises a settled row by its text alone, so a nightly run
    builds the values of the few rows it plans in full."""

    def __len__(self) -> int: ...

    def texts(self, index: int) -> list[str]:
        """Row ``index``'s cells as ``incremental.row_texts`` gives them: each value's
        ``canonical_text``, trailing blanks dropped."""
        ...

    def cells(self, index: int) -> list[CellValue]:
        """Row ``index``'s values (``SheetData.rows[index]``), built afresh unless held."""
        ...

    def id_texts(self, column: int) -> list[str]:
        """Every row's ``canonical_text`` of its cell in ``column``, stripped."""
        ...


@dataclass
class SheetData:
    """A tracker tab as read: the header row and the data rows below it, as raw values.

    ``rows[i]`` is sheet row ``header_row + 1 + i``. Rows may be ragged (shorter than the header);
    trailing blank rows may be missing. Values are what the cell holds: text, numbers, booleans,
    dates/datetimes (xlsx date cells), or None for blank. A formula cell reads as its computed
    value. Owned columns a backend wrote as dates (Due Date, Last Synced) read back as date /
    datetime, whatever the storage (Sheets serial numbers are converted by the backend).
    """

    source: str
    header_row: int
    header: list[str]
    rows: Sequence[list[CellValue]]
    state: SyncState = field(default_factory=SyncState)
    tab: str = ""
    #: The spreadsheet's own settings, where the backend has them (Google Sheets'
    #: properties.locale and properties.timeZone); None for a local file.
    locale: str | None = None
    time_zone: str | None = None
    #: The backend learnt bookkeeping of its own this run (e.g. the settings above) that only a
    #: write stores: the sync writes even when no cell changed, so later reads stay at one.
    unsaved_meta: bool = False
    #: (sheet row, column index) of owned cells that hold a person's formula (a backend that
    #: cannot tell from the values read fills it in ``find_formulas``).
    formulas: set[tuple[int, int]] = field(default_factory=set)
    #: For a file whose encoding cannot hold every character (a Windows-1252 csv): what fits
    #: syncer's text to it, so the plan compares and fingerprints exactly what will be written.
    text_fitter: TextFitter | None = None
    #: A big file read as a stream (csv): its rows, read again from the file each time they are
    #: iterated (``rows`` is then empty), and where the plan keeps what grows with the file.
    row_source: Iterable[list[CellValue]] | None = None
    spill: Spill | None = None
    #: ``rows`` as text, where the backend can read a row's text without its values.
    text_rows: RowTexts | None = None

    def each_row(self) -> Iterable[list[CellValue]]:
        """The data rows: the list read, or the stream."""
        return self.rows if self.row_source is None else self.row_source

    def sheet_row(self, index: int) -> int:
        return self.header_row + 1 + index


@quick_init
@dataclass(frozen=True, slots=True)
class CellUpdate:
    """Set one owned cell. ``row`` is the sheet row number (header = ``header_row``).

    ``row_id`` and ``expected`` (the cell's ``canonical_text`` when it was read) let a backend
    re-check, just before writing, that the row has not moved and the cell has not changed.
    """

    row: int
    column: str  # the owned column's header text as it stands (or will stand) in the header row
    value: CellValue  # None clears the cell
    row_id: str = ""
    expected: str = ""
    field: str = ""  # the owned field (e.g. ``due_date``) whatever the column's header says


def canonical_text(value: CellValue) -> str:
    """The text a cell value stands for, used to compare what is there with what is planned.

    Blank is ""; dates are ISO; date-times are ISO to the minute (midnight collapses to the date,
    as a date cell reads back as a datetime in openpyxl); integral floats lose their ".0".
    """
    if type(value) is str:  # the common case first: most cells read as text
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Backend(ABC):
    """Where a tracker lives."""

    #: How the tracker is named in messages (a path, or a Sheets URL/key).
    source: str
    #: The most characters one cell holds (Google Sheets' limit; Excel's is lower): a draft is
    #: cut to fit, with a visible marker, so the cell keeps exactly what syncer planned.
    cell_limit: int = GOOGLE_CELL_LIMIT

    @abstractmethod
    def read(self) -> SheetData:
        """Read the header row, every data row and the sync state. Raises TrackerError."""

    @abstractmethod
    def write(
        self,
        updates: Sequence[CellUpdate],
        new_columns: Sequence[str],
        state: SyncState,
    ) -> None:
        """Apply updates to owned cells only, in as few operations as possible.

        ``new_columns`` are owned headers to create, in order, at the right of the header row
        before the updates are applied (updates may address them). ``state`` replaces the stored
        sync state. Nothing else in the tracker changes. Raises TrackerError.
        """

    def find_formulas(self, data: SheetData, updates: Sequence[CellUpdate]) -> set[tuple[int, int]]:
        """Of the owned cells ``updates`` would write, the (sheet row, column index) of those
        holding a formula that the values read do not show. The default: none (a backend
        that reads formulas puts them in ``SheetData.formulas`` at once)."""
        return set()

    def recheck(self, updates: Sequence[CellUpdate]) -> Sequence[CellUpdate]:
        """Just before writing: drop updates whose row moved or cell changed since ``read``.

        Returns the kept updates, in order (equal to those given; the sync knows them by the
        cell they write). The default keeps them all; backends that can be edited during a run
        override it.
        """
        return updates
