"""Pure helpers for the Sheets backend: A1 ranges, serial dates, update rectangles, meta rows.

No I/O here, so the arithmetic that decides which cells are written is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from syncer.columns import column_letter, owned_headers
from syncer.errors import ConfigError
from syncer.model import CellValue, normalize_label

SHEETS_EPOCH = datetime(1899, 12, 30)
STATE_SHEET = "_syncer"
META = "_meta"
_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_DOC_IN_URL = re.compile(r"/document/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_ECHO_START = re.compile(r"^[A-Za-z]*(\d*)")


def _file_key(source: str, in_url: re.Pattern[str]) -> str | None:
    text = source.strip()
    found = in_url.search(text)
    if found:
        return found[1]
    return text if _BARE_KEY.match(text) else None


def spreadsheet_key(source: str) -> str:
    """The spreadsheet key in a Sheets URL (…/spreadsheets/d/KEY/…), or a bare key."""
    key = _file_key(source, _KEY_IN_URL)
    if key is None:
        raise ConfigError(
            f"{source}: not a Google Sheets URL (https://docs.google.com/spreadsheets/d/KEY/...) "
            "or key, nor a .xlsx/.csv path"
        )
    return key


def document_key(source: str) -> str | None:
    """The document id in a Google Docs URL (…/document/d/ID/…), or a bare id; else None."""
    return _file_key(source, _DOC_IN_URL)


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def split_echo(echo: str) -> tuple[str, int]:
    """``'My tab'!A1:Z1000`` -> ("My tab", 1): the sheet title and the first row of the range."""
    title, _, cells = echo.rpartition("!")
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    start = _ECHO_START.match(cells.partition(":")[0])
    row = int(start[1]) if start and start[1] else 1
    return title, row


def to_serial(value: date) -> float | int:
    """A date as a Sheets serial number (days since 1899-12-30; time of day as a fraction)."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None, second=0, microsecond=0)
        return (moment - SHEETS_EPOCH) / timedelta(days=1)
    return (value - SHEETS_EPOCH.date()).days


def from_serial(value: CellValue, with_time: bool) -> CellValue:
    """A serial number read from a date-formatted owned cell, as a date or datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    moment = SHEETS_EPOCH + timedelta(days=float(value))
    if with_time:
        seconds = round(moment.second + moment.microsecond / 1e6)
        return moment.replace(second=0, microsecond=0) + timedelta(seconds=seconds)
    return moment.date()


def owned_field_of(header: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[int, str]:
    """Column index -> owned field, for the owned columns standing in ``header``."""
    wanted: dict[str, str] = {}
    for name, text in owned_headers().items():
        wanted[normalize_label(text)] = name
        for alias in aliases.get(name, ()):
            wanted[normalize_label(alias)] = name
    return {
        index: wanted[normalize_label(text)]
        for index, text in enumerate(header)
        if text and normalize_label(text) in wanted
    }


@dataclass(frozen=True)
class Rectangle:
    """A block of cells to write in one ValueRange (0-based row/column of its top-left)."""

    row: int
    column: int
    values: list[list[object]]

    def a1(self, title: str) -> str:
        height, width = len(self.values), len(self.values[0])
        first = f"{column_letter(self.column)}{self.row + 1}"
        last = f"{column_letter(self.column + width - 1)}{self.row + height}"
        return f"{quote_title(title)}!{first}:{last}"


def rectangles(cells: Mapping[tuple[int, int], object]) -> list[Rectangle]:
    """Merge single cells into as few full rectangles as possible (runs in a row, then equal
    runs on consecutive rows stacked), so a write carries few ranges and no unchanged cell."""
    runs: list[tuple[int, int, list[object]]] = []  # (row, first column, values)
    for row, column in sorted(cells):
        value = cells[(row, column)]
        if runs and runs[-1][0] == row and runs[-1][1] + len(runs[-1][2]) == column:
            runs[-1][2].append(value)
        else:
            runs.append((row, column, [value]))
    blocks: list[Rectangle] = []
    open_blocks: dict[tuple[int, int], Rectangle] = {}  # (first column, width) -> block
    for row, column, values in runs:
        key = (column, len(values))
        block = open_blocks.get(key)
        if block is not None and block.row + len(block.values) == row:
            block.values.append(values)
            continue
        block = Rectangle(row, column, [values])
        open_blocks[key] = block
        blocks.append(block)
    return blocks


@dataclass
class SheetMeta:
    """What the state sheet remembers beside SyncState: the tab, its sheetId, the drafts Doc,
    and the spreadsheet's locale and time zone (read with the tab list, so a nightly run needs
    no request of its own for them)."""

    sheet_id: int | None = None
    tab: str = ""
    state_sheet_id: int | None = None  # the sheetId of ``_syncer`` itself, to grow it
    doc_id: str = ""
    doc_shared: bool = False  # the Doc syncer created is shared like the tracker
    doc_digests: dict[str, str] = field(default_factory=dict)
    locale: str = ""
    time_zone: str = ""

    def to_rows(self) -> list[list[str]]:
        rows = []
        if self.sheet_id is not None:
            rows.append([META, "sheet_id", str(self.sheet_id)])
        if self.tab:
            rows.append([META, "tab", self.tab])
        if self.state_sheet_id is not None:
            rows.append([META, "state_sheet_id", str(self.state_sheet_id)])
        if self.doc_id:
            rows.append([META, "doc_id", self.doc_id])
        if self.locale:
            rows.append([META, "locale", self.locale])
        if self.time_zone:
            rows.append([META, "time_zone", self.time_zone])
        if self.doc_shared:
            rows.append([META, "doc_shared", "1"])
        for row_id, value in sorted(self.doc_digests.items()):
            rows.append([META, f"doc:{row_id}", value])
        return rows

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[object]]) -> SheetMeta:
        meta = cls()
        for raw in rows:
            cells = [("" if v is None else str(v)) for v in raw] + ["", "", ""]
            if cells[0] != META:
                continue
            name, value = cells[1], cells[2]
            if name == "sheet_id" and value.lstrip("-").isdigit():
                meta.sheet_id = int(value)
            elif name == "state_sheet_id" and value.lstrip("-").isdigit():
                meta.state_sheet_id = int(value)
            elif name == "tab":
                meta.tab = value
            elif name == "doc_id":
                meta.doc_id = value
            elif name == "locale":
                meta.locale = value
            elif name == "time_zone":
                meta.time_zone = value
            elif name == "doc_shared":
                meta.doc_shared = value == "1"
            elif name.startswith("doc:"):
                meta.doc_digests[name[4:]] = value
        return meta


#: Ranges one re-read asks for at most. They go in a POST body (values:batchGetByDataFilter,
#: one a1Range filter each, about 60 bytes), not in a GET's URL, whose length clients of this
#: API have seen refused (dust-tt/dust#4042 keeps batchGet URLs near 1,500 characters); 1,000
#: keeps the body near 60 KB, far under the 2 MB payload Google recommends at most
#: (developers.google.com/sheets/api/limits). Beyond that, nearby spans merge.
MAX_READ_SPANS = 1_000


def row_spans(rows: Iterable[int], limit: int = MAX_READ_SPANS) -> list[tuple[int, int]]:
    """(first, last) spans that cover ``rows`` with the fewest other rows, at most ``limit``:
    the rows split at their widest gaps. A 1 % change of a 5,000-row tracker re-reads its 50
    rows, not the 4,900 between the first and the last."""
    ordered = sorted(set(rows))
    if not ordered:
        return []
    gaps = sorted(range(1, len(ordered)), key=lambda i: ordered[i] - ordered[i - 1], reverse=True)
    cuts = sorted(i for i in gaps[: max(limit, 1) - 1] if ordered[i] - ordered[i - 1] > 1)
    spans, start = [], 0
    for cut in [*cuts, len(ordered)]:
        spans.append((ordered[start], ordered[cut - 1]))
        start = cut
    return spans


@dataclass(frozen=True)
class CellsRead:
    """What one re-read asks for: whole rows in spans, or some columns over fewer spans,
    whichever reads fewer cells (``cover``), plus ``whole`` rows read entirely (the header);
    and how its reply reads back."""

    spans: list[tuple[int, int]]
    columns: list[int] | None  # None: whole rows
    whole: tuple[int, ...] = ()

    @property
    def major(self) -> str:
        return "ROWS" if self.columns is None else "COLUMNS"

    def ranges(self, title: str) -> list[str]:
        texts = [f"{title}!{row}:{row}" for row in self.whole]
        if self.columns is None:
            return texts + [f"{title}!{first}:{last}" for first, last in self.spans]
        return texts + [
            f"{title}!{column_letter(c)}{first}:{column_letter(c)}{last}"
            for first, last in self.spans
            for c in self.columns
        ]

    def body(self, title: str, render: Mapping[str, str]) -> dict[str, Any]:
        """The values:batchGetByDataFilter request: one a1Range filter a range."""
        filters = [{"a1Range": text} for text in self.ranges(title)]
        return {"dataFilters": filters, "majorDimension": self.major, **render}

    def cells(self, reply: dict[str, Any], title: str) -> dict[int, dict[int, Any]]:
        """Sheet row -> column -> value read. Each value range is found by the filter it says
        it matched (the reference gives their order nowhere); cells past a range's last value
        are blank (the API leaves them out)."""
        by_filter: dict[str, dict[str, Any]] = {}
        for matched in reply.get("valueRanges", []):
            for data_filter in matched.get("dataFilters", []):
                text = data_filter.get("a1Range")
                if isinstance(text, str):
                    by_filter.setdefault(text, matched.get("valueRange") or {})
        values = [by_filter.get(text, {}).get("values", []) for text in self.ranges(title)]
        read: dict[int, dict[int, Any]] = {}
        for row, lines in zip(self.whole, values, strict=False):
            if self.columns is None:  # one line: the row
                read[row] = dict(enumerate(lines[0] if lines else []))
            else:  # a line a column, one value each
                read[row] = {c: line[0] for c, line in enumerate(lines) if line}
        rest = values[len(self.whole) :]
        if self.columns is None:
            for (first, _last), lines in zip(self.spans, rest, strict=False):
                for offset, cells in enumerate(lines):
                    read.setdefault(first + offset, {}).update(enumerate(cells))
            return read
        pieces = [(first, c) for first, _last in self.spans for c in self.columns]
        for (first, column), lines in zip(pieces, rest, strict=False):
            for offset, value in enumerate(lines[0] if lines else []):
                read.setdefault(first + offset, {})[column] = value
        return read


def cover(
    rows: Iterable[int], columns: Sequence[int], width: int, whole: tuple[int, ...] = ()
) -> CellsRead:
    """How to re-read ``columns`` of ``rows`` (and all of the ``whole`` rows) in one request of
    at most ``MAX_READ_SPANS`` ranges: whole rows (up to that many spans of the sheet's
    ``width``), or the columns over fewer, longer spans (a first sync's one span of every
    row), whichever reads fewer cells."""
    wanted = sorted(set(rows))
    budget = MAX_READ_SPANS - len(whole)
    by_row = row_spans(wanted, budget)
    by_column = row_spans(wanted, max(1, budget // max(len(columns), 1)))
    row_cells = sum(last - first + 1 for first, last in by_row) * max(width, 1)
    column_cells = sum(last - first + 1 for first, last in by_column) * len(columns)
    if columns and column_cells < row_cells:
        return CellsRead(by_column, sorted(columns), whole)
    return CellsRead(by_row, None, whole)


def formulas_in(
    cells: dict[int, dict[int, Any]],
    wanted: set[tuple[int, int]],
    value_read: Callable[[int, int], object],
) -> set[tuple[int, int]]:
    """The (row, column) among ``wanted`` that hold a formula, from cells re-read
    (``CellsRead.cells``) under valueRenderOption FORMULA.

    Under FORMULA a formula reads as its text ("=...") and any other cell as its value, so a
    cell is a formula when that text differs from the value read (a stored string "=x",
    which syncer never writes but a person may, reads the same both ways).
    """
    found: set[tuple[int, int]] = set()
    for row, column in wanted:
        value = cells.get(row, {}).get(column)
        if isinstance(value, str) and value.startswith("=") and value != value_read(row, column):
            found.add((row, column))
    return found
