"""Protected ranges refuse edits from callers who are not among their editors, as Google does.

The spreadsheet's owner may always edit; a ``warningOnly`` protection only warns people in the
UI and never blocks an API write. A refused write fails the whole request and nothing of it is
kept. Google answers it with 400 INVALID_ARGUMENT, not 403 (theoephraim/node-google-spreadsheet
#20: "HTTP error 400: Bad Request ... You are trying to edit a protected cell or object. Please
contact the spreadsheet owner to remove protection if you need to edit."; gspread users quote
"APIError: [400]: You are trying to edit a protected cell or object"; in a values.batchUpdate
the message starts "Invalid data[0]: "). Edits made through the emulator's Python API
(``SheetsService.set_cell``...) are a person at the keyboard: ``Spreadsheet.editor`` is None
and nothing is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncer.emulator import a1
from syncer.emulator.spreadsheet import (
    RequestError,
    SheetState,
    Spreadsheet,
    grid_range_bounds,
    overlaps,
)

PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner to "
    "remove protection if you need to edit."
)


class ProtectedError(RequestError):
    """A write touched cells a protected range keeps from this caller (400 INVALID_ARGUMENT)."""

    def __init__(self) -> None:
        super().__init__(PROTECTED_MESSAGE)


@dataclass(frozen=True)
class Editor:
    """Who is editing the spreadsheet in the request being handled, and who owns it."""

    email: str
    owner: str

    def may_edit(self, protected: dict[str, Any]) -> bool:
        if protected.get("warningOnly") or self.email.lower() == self.owner.lower():
            return True
        editors = protected.get("editors") or {}
        if self.email.lower() in {user.lower() for user in editors.get("users", [])}:
            return True
        same_domain = _domain(self.email) == _domain(self.owner)
        return bool(editors.get("domainUsersCanEdit")) and same_domain


def require_editable(book: Spreadsheet, sheet: SheetState, bounds: a1.Bounds | None) -> None:
    """Raise ProtectedError when the current editor may not change the cells in ``bounds``
    (None: the whole tab, as deleting it does)."""
    editor = book.editor
    if editor is None:
        return
    whole = a1.Bounds(0, sheet.row_count, 0, sheet.column_count)
    target = (bounds or whole).clamp(sheet.row_count, sheet.column_count)
    for protected in sheet.protected_ranges:
        if editor.may_edit(protected):
            continue
        area = grid_range_bounds(sheet, protected.get("range") or {})
        if overlaps(area, target) and _touches_protected_cell(sheet, protected, area, target):
            raise ProtectedError


def _touches_protected_cell(
    sheet: SheetState, protected: dict[str, Any], area: a1.Bounds, target: a1.Bounds
) -> bool:
    """Whether some cell of ``target`` in ``area`` lies outside the unprotected ranges."""
    holes = [grid_range_bounds(sheet, r) for r in protected.get("unprotectedRanges") or []]
    if not holes:
        return True
    rows = range(
        max(area.start_row or 0, target.start_row or 0), min(area.end_row or 0, target.end_row or 0)
    )
    columns = range(
        max(area.start_column or 0, target.start_column or 0),
        min(area.end_column or 0, target.end_column or 0),
    )
    return any(
        not any(_contains(hole, row, column) for hole in holes)
        for row in rows
        for column in columns
    )


def _contains(bounds: a1.Bounds, row: int, column: int) -> bool:
    return (bounds.start_row or 0) <= row < (bounds.end_row or 0) and (
        bounds.start_column or 0
    ) <= column < (bounds.end_column or 0)


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()
