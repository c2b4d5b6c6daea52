"""Apply a sync's owned-cell updates to a workbook's bytes, surgically.

Only the tracker worksheet part, the ``_syncer`` state sheet and (when a new cell format is
needed) xl/styles.xml are rewritten; see ``xlsx_package`` for how the other members are kept.
Syncer's text goes in as inline strings, so xl/sharedStrings.xml is never touched.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from syncer.backends.base import CellUpdate, SyncState, canonical_text
from syncer.backends.local import OwnedKind, neutralise, owned_kind
from syncer.backends.xlsx_package import Package, PackageError, SheetEntry
from syncer.backends.xlsx_sheet import SheetEditor, SheetFormatError
from syncer.backends.xlsx_state import patched_state_xml, state_sheet_xml
from syncer.backends.xlsx_styles import MissingStylesError, StyleBook
from syncer.backends.xlsx_tables import sheet_tables
from syncer.drafts import SHORTENED_MARKER
from syncer.errors import HeaderError, TrackerError
from syncer.model import CellValue, normalize_label

STATE_SHEET = "_syncer"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: Excel refuses longer cells.
XLSX_CELL_LIMIT = 32_767
_WIDTHS = {OwnedKind.DRAFT: 60.0, OwnedKind.DATE: 12.0, OwnedKind.DATETIME: 17.0}
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


@dataclass(frozen=True)
class TrackerTab:
    """Where the tracker is: its tab title, header row and header texts as read."""

    title: str
    header_row: int
    header: Sequence[str]


def apply_updates(
    data: bytes,
    tab: TrackerTab,
    updates: Sequence[CellUpdate],
    new_columns: Sequence[str],
    state: SyncState | None,
    source: str,
    stored_state: SyncState | None = None,
) -> bytes:
    """The workbook's new bytes; ``state`` None leaves the state sheet as it is.

    ``stored_state`` is the state the workbook holds (as read): given, only the state sheet's
    rows that differ from it are rewritten.
    """
    with _tracker_part(data, tab.title, source) as (package, entries, tracker):
        styles_part = package.styles_part()
        styles = StyleBook(package.read(styles_part) if styles_part else None)
        editor = SheetEditor(package.read(tracker.part))
        writer = _CellWriter(editor, styles, package.uses_1904_dates())
        header = list(tab.header)
        # New headers go right of the last used or merged column: never inside a merged range.
        width = max(len(header), editor.used_width(tab.header_row))
        if new_columns:
            width = max(width, editor.merged_width(tab.header_row))
        header += [""] * (width - len(header))
        first_new = len(header) + 1
        _add_headers(editor, tab.header_row, header, new_columns, source)
        if new_columns:
            for table in sheet_tables(package, tracker.part):
                if table.join(tab.header_row, first_new, new_columns):
                    package.replace(table.part, table.to_bytes())
        for update in updates:
            if update.row <= tab.header_row:
                raise TrackerError(source, f"row {update.row} is not a data row")
            column = find_column(header, update.column)
            if column is None:
                raise HeaderError(source, f"no column {update.column!r} in the header row")
            writer.store(update.row, column, update.value, owned_kind(update.column))
        package.replace(tracker.part, editor.to_bytes())
        if editor.formula_removed:
            package.drop_calc_chain()
        if styles.changed and styles_part:
            package.replace(styles_part, styles.to_bytes())
        if state is not None:
            _store_state(package, entries, state, stored_state)
        out = io.BytesIO()
        package.write(out)
        return out.getvalue()


def formula_cells(
    data: bytes, tab: TrackerTab, updates: Sequence[CellUpdate], source: str
) -> set[tuple[int, int]]:
    """(sheet row, 0-based column) of the cells ``updates`` address that hold a formula."""
    targets = {(u.row, find_column(tab.header, u.column)) for u in updates}
    cells = {(row, column) for row, column in targets if column is not None}
    if not cells:  # only new columns: nothing there yet
        return set()
    with _tracker_part(data, tab.title, source) as (package, _, tracker):
        editor = SheetEditor(package.read(tracker.part))
        return {(row, column - 1) for row, column in cells if editor.has_formula(row, column)}


@contextmanager
def _tracker_part(
    data: bytes, title: str, source: str
) -> Iterator[tuple[Package, dict[str, SheetEntry], SheetEntry]]:
    """(the package, its tabs by title, the tracker's tab); a broken workbook is a TrackerError."""
    try:
        package = Package(data)
    except PackageError as error:
        raise TrackerError(source, f"not a readable .xlsx file ({error})") from error
    try:
        entries = {entry.title: entry for entry in package.sheets()}
        tracker = entries.get(title)
        if tracker is None or not tracker.is_worksheet:
            raise TrackerError(source, f"the tab {title!r} is not a worksheet syncer can write")
        yield package, entries, tracker
    except MissingStylesError as error:
        raise TrackerError(
            source, "the workbook has no cell styles part; save it in Excel first"
        ) from error
    except (PackageError, SheetFormatError) as error:
        raise TrackerError(source, f"cannot write this workbook ({error})") from error
    finally:
        package.close()


def find_column(header: Sequence[str], wanted: str) -> int | None:
    """1-based column of a header text (exact first, then ignoring case and separators)."""
    if wanted in header:
        return header.index(wanted) + 1
    key = normalize_label(wanted)
    for index, text in enumerate(header, start=1):
        if text and normalize_label(text) == key:
            return index
    return None


def cell_text(value: CellValue) -> str:
    """Syncer's text as a cell holds it: neutralised, XML-safe, within Excel's cell limit."""
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", canonical_text(value)))
    if len(text) > XLSX_CELL_LIMIT:
        text = text[: XLSX_CELL_LIMIT - len(SHORTENED_MARKER)].rstrip() + SHORTENED_MARKER
    return text


def _add_headers(
    editor: SheetEditor,
    header_row: int,
    header: list[str],
    new_columns: Sequence[str],
    source: str,
) -> None:
    """New owned headers at the right, looking like the last header there (width, format)."""
    filled = [column for column, text in enumerate(header, start=1) if text]
    model = filled[-1] if filled else None
    model_style = editor.style_of(header_row, model) if model else 0
    model_width = editor.column_width(model) if model else None
    for name in new_columns:
        if find_column(header, name) is not None:
            raise HeaderError(source, f"column {name!r} already exists")
        header.append(name)
        column = len(header)
        editor.set_text(header_row, column, cell_text(name), model_style)
        kind = owned_kind(name) or OwnedKind.TEXT
        width = _WIDTHS.get(kind, model_width or 14.0)
        editor.set_column(column, width, hidden=kind is OwnedKind.ROW_ID)


class _CellWriter:
    """Stores owned values: dates as serial numbers with a date format, text inline."""

    def __init__(self, editor: SheetEditor, styles: StyleBook, uses_1904: bool) -> None:
        self._editor = editor
        self._styles = styles
        self._epoch = _EPOCH_1904 if uses_1904 else _EPOCH_1900

    def store(self, row: int, column: int, value: CellValue, kind: OwnedKind | None) -> None:
        editor = self._editor
        if value is None:
            editor.clear(row, column)
            return
        base = editor.style_of(row, column)
        if kind is OwnedKind.DATE and isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            style = self._styles.with_number_format(base, DATE_FORMAT)
            editor.set_number(
                row, column, self._serial(datetime.combine(day, datetime.min.time())), style
            )
        elif kind is OwnedKind.DATETIME and isinstance(value, datetime):
            moment = value.replace(second=0, microsecond=0, tzinfo=None)
            style = self._styles.with_number_format(base, DATETIME_FORMAT)
            editor.set_number(row, column, self._serial(moment), style)
        else:
            style = self._styles.with_wrapped_text(base) if kind is OwnedKind.DRAFT else base
            editor.set_text(row, column, cell_text(value), style)

    def _serial(self, moment: datetime) -> str:
        """Excel's serial number for a moment (days since the workbook's epoch)."""
        elapsed = moment - self._epoch
        if elapsed.seconds == 0:
            return str(elapsed.days)
        return repr(elapsed.days + elapsed.seconds / 86_400)


def _store_state(
    package: Package, entries: dict[str, SheetEntry], state: SyncState, stored: SyncState | None
) -> None:
    """Write the veryHidden state sheet: created on the first write, patched where ``state``
    differs from the ``stored`` state it holds, or rewritten whole (``xlsx_state``)."""
    existing = entries.get(STATE_SHEET)
    if existing is not None and existing.is_worksheet:
        patch = None
        if stored is not None:
            patch = patched_state_xml(package.read(existing.part), stored, state)
        package.replace(existing.part, patch.xml if patch else state_sheet_xml(state.to_rows()))
        package.set_sheet_state(STATE_SHEET, "veryHidden")
    else:
        package.add_worksheet(STATE_SHEET, state_sheet_xml(state.to_rows()), state="veryHidden")
