"""Local tracker files: pick the backend for a path, plus what the .xlsx and .csv backends share.

Shared here: which owned column a header is (so a backend knows to store a date or wrap a draft),
formula-injection neutralising of syncer's own text, and the refusal to write a file open in a
spreadsheet app. The conditional atomic write is ``replace_file``.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from syncer.backends.base import Backend, canonical_text
from syncer.columns import owned_field
from syncer.errors import NotFoundError, TrackerError
from syncer.model import CellValue


class OwnedKind(Enum):
    """How an owned column is stored: its values' type and its cells' look."""

    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    DRAFT = "draft"
    ROW_ID = "row_id"


_KIND_BY_FIELD = {
    "due_date": OwnedKind.DATE,
    "last_synced": OwnedKind.DATETIME,
    "draft": OwnedKind.DRAFT,
    "row_id": OwnedKind.ROW_ID,
}


def owned_kind(header: str) -> OwnedKind | None:
    """The owned kind of a header text (matching ignores case, space, '-' and '_'), else None."""
    name = owned_field(header)
    return None if name is None else _KIND_BY_FIELD.get(name, OwnedKind.TEXT)


#: A cell text starting with one of these is run as a formula by spreadsheet apps.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix ' to syncer's own text that a spreadsheet app would otherwise run as a formula.

    Text already starting with ' gets one more, so ``restore_neutralised`` is its exact inverse.
    """
    return "'" + text if text.startswith((*FORMULA_TRIGGERS, "'")) else text


def restore_neutralised(text: str) -> str:
    """Undo ``neutralise`` on reading an owned cell, so a plan compares with what it wrote."""
    if text.startswith("'") and text[1:].startswith((*FORMULA_TRIGGERS, "'")):
        return text[1:]
    return text


def owned_text(value: CellValue, kind: OwnedKind) -> str:
    """The text syncer stores for an owned value in a text-only file (csv)."""
    if kind is OwnedKind.DATE and isinstance(value, date):
        return value.isoformat() if not isinstance(value, datetime) else value.date().isoformat()
    if kind is OwnedKind.DATETIME and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return neutralise(canonical_text(value))


def owned_value_from_text(text: str, kind: OwnedKind | None) -> CellValue:
    """Read an owned cell stored as text: ISO dates become dates, neutralised text is restored."""
    if kind is OwnedKind.DATE:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    if kind is OwnedKind.DATETIME:
        if len(text) == len("2024-01-31 09:30") and text[10] == " ":
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                return text
        return owned_value_from_text(text, OwnedKind.DATE)
    return restore_neutralised(text)


def check_not_open_in_app(path: Path, source: str) -> None:
    """Refuse to write a file that Excel or LibreOffice has open: its next save would undo ours."""
    places = {path, Path(os.path.realpath(path))}  # through a symlink, the app may use either
    for place in sorted(places):
        for lock_name in (f"~${place.name}", f".~lock.{place.name}#"):
            if (place.parent / lock_name).exists():
                raise TrackerError(
                    source, f"the file is open in a spreadsheet app ({lock_name} exists); close it"
                )


def open_local(
    path: str | os.PathLike[str], *, header_row: int = 1, tab: str | None = None
) -> Backend:
    """The backend for a local tracker file, chosen by its suffix (.xlsx, .xlsm, .csv, .tsv).

    A macro workbook (.xlsm) is written surgically like a .xlsx, so its macros are kept.
    """
    file = Path(path)
    source = str(path)
    suffix = file.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers", ".xltx", ".xltm"):
        raise TrackerError(source, f"syncer cannot write {suffix} files; save it as .xlsx or .csv")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".tsv"):
        raise TrackerError(source, "a local tracker must be a .xlsx, .xlsm, .csv or .tsv file")
    if not file.is_file():
        raise NotFoundError(source, "no such file")
    if header_row < 1:
        raise TrackerError(source, f"header row must be 1 or more, not {header_row}")
    # Each format imports only its own code: a .csv sync never loads openpyxl (and numpy).
    if suffix in (".xlsx", ".xlsm"):
        from syncer.backends.xlsx import XlsxBackend

        return XlsxBackend(file, header_row=header_row, tab=tab, source=source)
    from syncer.backends.csvfile import CsvBackend

    return CsvBackend(file, header_row=header_row, source=source)
