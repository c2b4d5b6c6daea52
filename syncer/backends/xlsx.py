"""A tracker in a .xlsx or .xlsm workbook.

``read`` uses openpyxl's fast read-only, values-only view (a formula cell reads as the value the
spreadsheet app last computed). ``write`` is surgical (``xlsx_write``): only the owned cells, the
new owned headers and the hidden ``_syncer`` state sheet change; every other part of the file
(pictures, charts, macros, comments, extensions, formulas and their cached values) is copied as
it was. Only files that are not a readable workbook at all are refused.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState, canonical_text
from syncer.backends.local import (
    OwnedKind,
    check_not_open_in_app,
    owned_kind,
    restore_neutralised,
)
from syncer.backends.replace_file import FileVersion, atomic_write, read_with_version, writing
from syncer.backends.xlsx_package import PackageError
from syncer.backends.xlsx_tables import totals_rows
from syncer.backends.xlsx_write import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    STATE_SHEET,
    XLSX_CELL_LIMIT,
    TrackerTab,
    apply_updates,
    formula_cells,
)
from syncer.errors import ConflictError, TrackerError
from syncer.model import CellValue

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "STATE_SHEET",
    "XLSX_CELL_LIMIT",
    "XlsxBackend",
    "refuse_unsafe_workbook",
]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refuse_unsafe_workbook(data: bytes, source: str) -> None:
    """Raise TrackerError unless ``data`` is a workbook package syncer can read and write."""
    if data.startswith(_OLE_MAGIC):
        raise TrackerError(
            source,
            "the workbook is password-protected (encrypted) or an old .xls file; syncer cannot "
            "open it. Remove the password or save it as .xlsx",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise TrackerError(
            source, "not a readable .xlsx file (corrupt or not a workbook)"
        ) from error
    with archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise TrackerError(source, "not a readable .xlsx file (no xl/workbook.xml inside)")


class XlsxBackend(Backend):
    """A tracker tab in a .xlsx (or macro-enabled .xlsm) workbook."""

    cell_limit = XLSX_CELL_LIMIT

    def __init__(
        self,
        path: Path,
        *,
        header_row: int = 1,
        tab: str | None = None,
        source: str | None = None,
    ) -> None:
        self.path = path
        self.header_row = header_row
        self.tab = tab
        self.source = source or str(path)
        self._version: FileVersion | None = None
        self._state: SyncState | None = None
        self._tab_title = ""
        self._header: list[str] = []

    def read(self) -> SheetData:
        data, version = read_with_version(self.path, self.source)
        refuse_unsafe_workbook(data, self.source)
        workbook = self._load(data)
        try:
            sheet = self._tracker_sheet(workbook)
            header, rows = _read_table(sheet, self.header_row)
            state = _read_state(workbook)
        finally:
            workbook.close()
        for row in _totals_rows(data, sheet.title, self.source):
            index = row - self.header_row - 1
            if 0 <= index < len(rows):
                rows[index] = []  # a Table's totals row is not an application: a blank row
        self._version = version
        self._state = state
        self._tab_title = sheet.title
        self._header = header
        return SheetData(
            source=self.source,
            header_row=self.header_row,
            header=header,
            rows=rows,
            state=state,
            tab=sheet.title,
        )

    def write(
        self,
        updates: Sequence[CellUpdate],
        new_columns: Sequence[str],
        state: SyncState,
    ) -> None:
        """Apply owned-cell updates; with nothing to change (and the same state) touch nothing."""
        if self._version is None:
            self.read()
        expected = self._version
        assert expected is not None
        if not updates and not new_columns and state == self._state:
            return
        check_not_open_in_app(self.path, self.source)
        data, version = read_with_version(self.path, self.source)
        if version != expected:
            raise ConflictError(
                self.source,
                f"{self.path.name} changed while syncing (saved by someone else?); nothing "
                "written, the next run plans it again",
            )
        tab = TrackerTab(self._tab_title, self.header_row, self._header)
        new_state = None if state == self._state else state
        content = apply_updates(
            data, tab, updates, new_columns, new_state, self.source, stored_state=self._state
        )
        atomic_write(
            self.path,
            writing(content),
            backup=True,
            expected=expected,
            source=self.source,
        )
        self._version = None
        self._state = state

    def find_formulas(self, data: SheetData, updates: Sequence[CellUpdate]) -> set[tuple[int, int]]:
        """The cells ``updates`` would write that hold a formula (the values read show only
        what the formula last computed)."""
        if not updates:
            return set()
        tab = TrackerTab(self._tab_title, self.header_row, self._header)
        return formula_cells(self._read_bytes(), tab, updates, self.source)

    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as error:
            raise TrackerError(self.source, f"cannot read the file: {error.strerror}") from error

    def _load(self, data: bytes) -> Workbook:
        try:
            with warnings.catch_warnings():
                # "extension is not supported": reading values does not need them, and the
                # surgical write keeps them.
                warnings.simplefilter("ignore", UserWarning)
                return load_workbook(
                    io.BytesIO(data), read_only=True, data_only=True, keep_links=True
                )
        except Exception as error:  # openpyxl raises many types for a damaged file
            raise TrackerError(self.source, f"not a readable .xlsx file ({error})") from error

    def _tracker_sheet(self, workbook: Workbook) -> Any:
        names = [name for name in workbook.sheetnames if name != STATE_SHEET]
        if self.tab is not None:
            if self.tab not in workbook.sheetnames or self.tab == STATE_SHEET:
                raise TrackerError(
                    self.source, f"no tab named {self.tab!r}; the tabs are: {', '.join(names)}"
                )
            sheet = workbook[self.tab]
            if not hasattr(sheet, "iter_rows"):
                raise TrackerError(
                    self.source, f"the tab {self.tab!r} is a chart sheet, not a worksheet"
                )
            return sheet
        for sheet in workbook.worksheets:
            if sheet.title != STATE_SHEET and sheet.sheet_state == "visible":
                return sheet
        raise TrackerError(self.source, "the workbook has no visible worksheet to read")


def _read_table(sheet: Any, header_row: int) -> tuple[list[str], list[list[CellValue]]]:
    """The header texts and data rows; rows are trimmed of trailing blanks and blank tail rows."""
    header: list[str] = []
    rows: list[list[CellValue]] = []
    width = 0
    last_filled = -1
    for index, values in enumerate(sheet.iter_rows(min_row=header_row, values_only=True)):
        row = [_plain(value) for value in values]
        while row and row[-1] is None:
            row.pop()
        width = max(width, len(row))
        if index == 0:
            header = [canonical_text(value) for value in row]
            continue
        if row:
            last_filled = len(rows)
        rows.append(row)
    del rows[last_filled + 1 :]
    header += [""] * (width - len(header))
    for column, text in enumerate(header):
        kind = owned_kind(text) if text else None
        if kind is not None:
            for row in rows:
                if column < len(row):
                    row[column] = _owned_read(row[column], kind)
    return header, rows


def _totals_rows(data: bytes, title: str, source: str) -> set[int]:
    try:
        return totals_rows(data, title)
    except (PackageError, zipfile.BadZipFile, etree.XMLSyntaxError) as error:
        raise TrackerError(source, f"not a readable .xlsx file ({error})") from error


def _plain(value: object) -> CellValue:
    """A cell value as SheetData holds it (times and durations become text)."""
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def _owned_read(value: CellValue, kind: OwnedKind) -> CellValue:
    if kind is OwnedKind.DATE and isinstance(value, datetime) and value.time() == time():
        return value.date()
    if isinstance(value, str):
        return restore_neutralised(value)
    return value


def _read_state(workbook: Workbook) -> SyncState:
    if STATE_SHEET not in workbook.sheetnames:
        return SyncState()
    return SyncState.from_rows(list(workbook[STATE_SHEET].iter_rows(values_only=True)))
