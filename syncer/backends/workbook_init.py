"""``syncer init``'s workbook: a new tracker with every default header, dropdowns and formats."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from syncer.backends.local import OwnedKind, atomic_write, owned_kind
from syncer.backends.xlsx import DATE_FORMAT, DATETIME_FORMAT
from syncer.errors import TrackerError
from syncer.resources import schema

TRACKER_TAB = "Applications"
FORMATTED_ROWS = 1000

_FORMAT_BY_KIND = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "count": "0"}
_WIDTH_BY_KIND = {"date": 13, "datetime": 17, "count": 10, "stage": 20, "channel": 13}
_WIDE_TEXT = {"notes": 40, "topics_discussed": 40, "personal_connection": 30}
_LIST_KINDS = {
    "stage": "x-stages",
    "channel": "preferred_channel",
    "offer_decision": "offer_decision",
}


def default_columns() -> list[tuple[str, str]]:
    """(header, kind) for every input field, then every owned column, in schema order."""
    tracker = schema("tracker")
    columns = [(spec["x-header"], spec["x-kind"]) for spec in tracker["properties"].values()]
    columns += [(owned["header"], "owned") for owned in tracker["x-owned-columns"]]
    return columns


def create_tracker_workbook(path: str | os.PathLike[str]) -> Path:
    """Write a new, empty tracker workbook at ``path``; never overwrites an existing file."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise TrackerError(str(path), "a new tracker workbook must be a .xlsx file")
    if target.exists():
        raise TrackerError(str(path), "the file already exists; syncer will not overwrite it")
    if not target.parent.is_dir():
        raise TrackerError(str(path), f"no folder {target.parent}")
    workbook = _build()

    def save(out: IO[bytes]) -> None:
        workbook.save(out)

    atomic_write(target, save, backup=False)
    return target


def _build() -> Workbook:
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = TRACKER_TAB
    sheet.freeze_panes = "A2"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, (header, kind) in enumerate(default_columns(), start=1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        letter = get_column_letter(column)
        _format_column(sheet, letter, header, kind)
        if kind in _LIST_KINDS:
            _add_dropdown(sheet, letter, _choices(kind))
    return workbook


def _format_column(sheet: Any, letter: str, header: str, kind: str) -> None:
    owned = owned_kind(header) if kind == "owned" else None
    number_format = _FORMAT_BY_KIND.get(kind)
    if owned is OwnedKind.DATE:
        number_format = DATE_FORMAT
    elif owned is OwnedKind.DATETIME:
        number_format = DATETIME_FORMAT
    elif header == "Contact Phone":
        number_format = "@"  # text, so a typed leading zero or + survives
    dimension = sheet.column_dimensions[letter]
    field = _field_of(header)
    dimension.width = _WIDE_TEXT.get(field, _WIDTH_BY_KIND.get(kind, 16))
    if owned is OwnedKind.DRAFT:
        dimension.width = 60
    if owned is OwnedKind.ROW_ID:
        dimension.hidden = True
    if number_format is None and owned is not OwnedKind.DRAFT:
        return
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in range(2, FORMATTED_ROWS + 2):
        cell = sheet[f"{letter}{row}"]
        if number_format is not None:
            cell.number_format = number_format
        if owned is OwnedKind.DRAFT:
            cell.alignment = wrap
    if kind == "count":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        rule.error = "A whole number, 0 or more"
        rule.add(f"{letter}2:{letter}{FORMATTED_ROWS + 1}")
        sheet.add_data_validation(rule)


def _field_of(header: str) -> str:
    for name, spec in schema("tracker")["properties"].items():
        if spec["x-header"] == header:
            return str(name)
    return ""


def _choices(kind: str) -> list[str]:
    tracker = schema("tracker")
    key = _LIST_KINDS[kind]
    if key.startswith("x-"):
        return [str(value) for value in tracker[key]]
    return [str(value) for value in tracker["properties"][key]["enum"] if value]


def _add_dropdown(sheet: Any, letter: str, choices: list[str]) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    rule.error = "Pick one of: " + ", ".join(choices)
    rule.showErrorMessage = True
    rule.add(f"{letter}2:{letter}{FORMATTED_ROWS + 1}")
    sheet.add_data_validation(rule)
