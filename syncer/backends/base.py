"""The one backend interface: read a tracker's tab, apply owned-cell updates.

Implemented by the local workbook backend (.xlsx/.csv) and the Google Sheets backend, and tested
by one shared contract suite (tests/backends/contract.py).
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from syncer.model import CellValue

if TYPE_CHECKING:
    from syncer.backends.legacy_encoding import TextFitter

GOOGLE_CELL_LIMIT = 50_000


#: ``field:digest`` pairs in a packed state row (one C-level scan per row, not one per pair).
_PAIRS = re.compile(r"([^\s:]+):(\S*)")


def digest(text: str) -> str:
    """A short fingerprint of what syncer wrote into a cell.

    The state keeps fingerprints, not the text itself: no applicant's words are copied into the
    state sheet or sidecar, and a 50,000-character draft costs 16 characters to remember.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class SyncState:
    """What syncer last wrote, kept inside the tracker (hidden sheet) or beside it (sidecar).

    ``cells[row_id][field]`` is the ``digest`` of the canonical text last written to that owned
    cell (``field`` is the owned field's name, e.g. ``due_date``). ``data_rows`` is how many
    data rows the last run saw (for the zero-rows guard).
    """

    cells: dict[str, dict[str, str]] = field(default_factory=dict)
    data_rows: int | None = None

    STATE_HEADER = ("row_id", "digests")

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
        cells = self.cells
        for row_id in sorted(cells):
            packed = " ".join(f"{name}:{value}" for name, value in sorted(cells[row_id].items()))
            yield [row_id, packed]

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]]) -> SyncState:
        state = cls()
        # One string per field name: 100,000 rows name the same few fields 800,000 times.
        names: dict[str, str] = {}
        for raw in rows:
            cells = [("" if v is None else str(v)) for v in raw] + ["", ""]
            row_id, packed = cells[0], cells[1]
            if not row_id or (row_id, packed) == cls.STATE_HEADER:
                continue
            pairs = {names.setdefault(name, name): value for name, value in _PAIRS.findall(packed)}
            if row_id == "_meta":
                if pairs.get("data_rows", "").isdigit():
                    state.data_rows = int(pairs["data_rows"])
                continue
            state.cells[row_id] = pairs
        return state


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
    rows: list[list[CellValue]]
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

    def sheet_row(self, index: int) -> int:
        return self.header_row + 1 + index


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

        Returns the kept updates themselves (the same objects, in order). The default keeps them
        all; backends that can be edited during a run override it.
        """
        return updates
