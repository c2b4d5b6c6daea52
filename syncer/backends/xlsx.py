"""A tracker in a .xlsx workbook (openpyxl).

``read`` uses a fast read-only, values-only view (a formula cell reads as the value the
spreadsheet app last computed). ``write`` loads the full workbook, sets only the owned cells and
the new owned headers, stores the sync state in the veryHidden sheet ``_syncer`` and saves through
a temp file; everything else openpyxl round-trips unchanged. Workbooks holding what openpyxl would
silently drop (macros, pictures, shapes, Excel 2010 extension lists...) are refused up front.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from copy import copy
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState, canonical_text
from syncer.backends.local import (
    OwnedKind,
    atomic_write,
    check_not_open_in_app,
    neutralise,
    owned_kind,
    restore_neutralised,
)
from syncer.drafts import SHORTENED_MARKER
from syncer.errors import ConflictError, HeaderError, TrackerError
from syncer.model import CellValue, normalize_label

STATE_SHEET = "_syncer"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: Excel refuses longer cells (openpyxl would cut the text silently, marker and all).
XLSX_CELL_LIMIT = 32_767
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WIDTHS = {OwnedKind.DRAFT: 60.0, OwnedKind.DATE: 12.0, OwnedKind.DATETIME: 17.0}

#: (zip member prefix, text in the member or b"" for any, what the person would lose).
_DROPPED_BY_OPENPYXL = (
    ("xl/vbaProject.bin", b"", "macros"),
    ("xl/media/", b"", "pictures"),
    ("xl/drawings/drawing", b"<xdr:sp", "shapes or text boxes"),
    ("xl/slicers/", b"", "slicers"),
    ("xl/timelines/", b"", "timelines"),
    ("xl/activeX/", b"", "form controls"),
    ("xl/ctrlProps/", b"", "form controls"),
    ("xl/threadedComments/", b"", "threaded comments"),
    ("xl/worksheets/sheet", b"x14:dataValidation", "drop-down lists that use another sheet"),
    ("xl/worksheets/sheet", b"x14:conditionalFormatting", "Excel 2010 conditional formats"),
    ("xl/worksheets/sheet", b"x14:sparklineGroup", "sparklines"),
)


def refuse_unsafe_workbook(data: bytes, source: str) -> None:
    """Raise TrackerError unless ``data`` is a plain .xlsx that openpyxl can rewrite losslessly."""
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
        names = archive.namelist()
        if "xl/workbook.xml" not in names:
            raise TrackerError(source, "not a readable .xlsx file (no xl/workbook.xml inside)")
        for prefix, marker, feature in _DROPPED_BY_OPENPYXL:
            for name in names:
                if name.startswith(prefix) and (not marker or marker in archive.read(name)):
                    raise TrackerError(
                        source,
                        f"the workbook has {feature}, which syncer's rewrite would lose; it is "
                        "left untouched. Keep the tracker in a workbook without them, or a .csv",
                    )


class XlsxBackend(Backend):
    """A tracker tab in a .xlsx workbook."""

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
        self._fingerprint: str | None = None
        self._state: SyncState | None = None
        self._tab_title = ""

    def read(self) -> SheetData:
        data = self._read_bytes()
        refuse_unsafe_workbook(data, self.source)
        workbook = self._load(data, read_only=True, data_only=True)
        try:
            sheet = self._tracker_sheet(workbook)
            header, rows = _read_table(sheet, self.header_row)
            state = _read_state(workbook)
        finally:
            workbook.close()
        self._fingerprint = hashlib.sha256(data).hexdigest()
        self._state = state
        self._tab_title = sheet.title
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
        if self._fingerprint is None:
            self.read()
        if not updates and not new_columns and state == self._state:
            return
        check_not_open_in_app(self.path, self.source)
        data = self._read_bytes()
        if hashlib.sha256(data).hexdigest() != self._fingerprint:
            raise ConflictError(
                self.source,
                "the file changed while syncing (saved by someone else?); nothing written",
            )
        workbook = self._load(data, read_only=False, data_only=False)
        sheet = workbook[self._tab_title]
        _apply(sheet, self.header_row, updates, new_columns, self.source)
        _store_state(workbook, state)
        atomic_write(self.path, workbook.save, backup=True)
        self._fingerprint = None
        self._state = state

    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as error:
            raise TrackerError(self.source, f"cannot read the file: {error.strerror}") from error

    def _load(self, data: bytes, *, read_only: bool, data_only: bool) -> Workbook:
        try:
            return load_workbook(
                io.BytesIO(data),
                read_only=read_only,
                data_only=data_only,
                keep_links=True,
                rich_text=not read_only,
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
            return workbook[self.tab]
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


def _used_width(sheet: Any, header_row: int) -> int:
    """The rightmost column holding a value (or formula) from the header row down.

    Styled but empty cells do not count; ``sheet._cells`` is read directly because
    ``iter_rows`` on a writable sheet would create the cells it visits.
    """
    columns = (
        column
        for (row, column), cell in sheet._cells.items()
        if row >= header_row and cell.value is not None
    )
    return max(columns, default=0)


def _apply(
    sheet: Any,
    header_row: int,
    updates: Sequence[CellUpdate],
    new_columns: Sequence[str],
    source: str,
) -> None:
    width = _used_width(sheet, header_row)
    header = [canonical_text(sheet.cell(header_row, col).value) for col in range(1, width + 1)]
    filled = [col for col, text in enumerate(header, start=1) if text]
    model = sheet.cell(header_row, filled[-1]) if filled else None
    for name in new_columns:
        if _find_column(header, name) is not None:
            raise HeaderError(source, f"column {name!r} already exists")
        header.append(name)
        _add_header(sheet, header_row, len(header), name, model)
    for update in updates:
        if update.row <= header_row:
            raise TrackerError(source, f"row {update.row} is not a data row")
        column = _find_column(header, update.column)
        if column is None:
            raise HeaderError(source, f"no column {update.column!r} in the header row")
        kind = owned_kind(update.column) or OwnedKind.TEXT
        _store(sheet.cell(update.row, column), update.value, kind)


def _find_column(header: Sequence[str], wanted: str) -> int | None:
    """1-based column of a header text (exact first, then ignoring case and separators)."""
    if wanted in header:
        return header.index(wanted) + 1
    key = normalize_label(wanted)
    for index, text in enumerate(header, start=1):
        if text and normalize_label(text) == key:
            return index
    return None


def _add_header(sheet: Any, header_row: int, column: int, name: str, model: Any) -> None:
    cell = sheet.cell(header_row, column)
    cell.value = name
    cell.data_type = "s"
    letter = get_column_letter(column)
    kind = owned_kind(name) or OwnedKind.TEXT
    dimension = sheet.column_dimensions[letter]
    if model is not None:
        cell._style = copy(model._style)
        # .get: indexing column_dimensions would create (and save) a dimension for the model
        model_dimension = sheet.column_dimensions.get(get_column_letter(model.column))
        model_width = model_dimension.width if model_dimension is not None else None
        dimension.width = _WIDTHS.get(kind, model_width or 14.0)
    else:
        dimension.width = _WIDTHS.get(kind, 14.0)
    if kind is OwnedKind.ROW_ID:
        dimension.hidden = True


def _store(cell: Any, value: CellValue, kind: OwnedKind) -> None:
    """Set one owned cell: dates as date cells, text neutralised and stripped of XML-illegal
    control characters, a draft wrapped."""
    if kind is OwnedKind.DATE and isinstance(value, date):
        cell.value = value.date() if isinstance(value, datetime) else value
        cell.number_format = DATE_FORMAT
        return
    if kind is OwnedKind.DATETIME and isinstance(value, datetime):
        cell.value = value.replace(second=0, microsecond=0, tzinfo=None)
        cell.number_format = DATETIME_FORMAT
        return
    if value is None:
        cell.value = None
        return
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", canonical_text(value)))
    if len(text) > XLSX_CELL_LIMIT:
        text = text[: XLSX_CELL_LIMIT - len(SHORTENED_MARKER)].rstrip() + SHORTENED_MARKER
    cell.value = text
    cell.data_type = "s"
    if kind is OwnedKind.DRAFT and not cell.alignment.wrap_text:
        alignment = copy(cell.alignment)
        alignment.wrap_text = True
        cell.alignment = alignment


def _store_state(workbook: Workbook, state: SyncState) -> None:
    if STATE_SHEET in workbook.sheetnames:
        sheet = workbook[STATE_SHEET]
        if sheet.max_row:
            sheet.delete_rows(1, sheet.max_row)
    else:
        sheet = workbook.create_sheet(STATE_SHEET)
    sheet.sheet_state = "veryHidden"
    for row_number, values in enumerate(state.to_rows(), start=1):
        for column, text in enumerate(values, start=1):
            cell = sheet.cell(row_number, column)
            cell.value = text
            cell.data_type = "s"
