"""Local tracker files: pick the backend for a path, plus what the .xlsx and .csv backends share.

Shared here: which owned column a header is (so a backend knows to store a date or wrap a draft),
formula-injection neutralising of syncer's own text, the "changed on disk" fingerprint, and the
atomic write that keeps one ``<name>.bak`` of the previous version.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO

from syncer.backends.base import Backend, canonical_text
from syncer.columns import owned_field
from syncer.errors import ConflictError, NotFoundError, TrackerError
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


def file_fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes, streamed."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_unchanged(path: Path, source: str, fingerprint: str) -> None:
    """Raise ConflictError when the file is not the one read (someone saved it meanwhile)."""
    if not path.exists():
        raise ConflictError(source, f"{path.name} disappeared while syncing; nothing written")
    if file_fingerprint(path) != fingerprint:
        raise ConflictError(
            source,
            f"{path.name} changed while syncing (saved by someone else?); nothing written",
        )


def check_not_open_in_app(path: Path, source: str) -> None:
    """Refuse to write a file that Excel or LibreOffice has open: its next save would undo ours."""
    for lock_name in (f"~${path.name}", f".~lock.{path.name}#"):
        if (path.parent / lock_name).exists():
            raise TrackerError(
                source, f"the file is open in a spreadsheet app ({lock_name} exists); close it"
            )


def atomic_write(path: Path, write: Callable[[IO[bytes]], object], *, backup: bool) -> None:
    """Write ``path`` through a temp file in the same folder (fsync, os.replace).

    With ``backup`` the current file is first copied to ``<name>.bak`` (one backup, replaced on
    each write) the same atomic way. The new file keeps the old one's permission bits.
    """
    if backup and path.exists():
        previous = path.read_bytes()
        _replace_with(path.with_name(path.name + ".bak"), lambda out: out.write(previous), path)
    _replace_with(path, write, path if path.exists() else None)


def _replace_with(
    target: Path, write: Callable[[IO[bytes]], object], mode_from: Path | None
) -> None:
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, _mode_for(mode_from))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _mode_for(existing: Path | None) -> int:
    """The old file's permission bits, or what a plain new file gets under the umask."""
    if existing is not None:
        return existing.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


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
