"""``syncer init``'s new trackers: a workbook with every default header, dropdowns, formats and
the overdue highlight, or a .csv with the header row alone."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from syncer.backends.local import OwnedKind, owned_kind
from syncer.backends.replace_file import atomic_write
from syncer.backends.xlsx import DATE_FORMAT, DATETIME_FORMAT
from syncer.columns import owned_headers
from syncer.errors import TrackerError
from syncer.layout import DROPDOWN_FIELDS, dropdown_choices, overdue_formula, overdue_hex
from syncer.resources import schema

TRACKER_TAB = "Applications"
#: Rows whose cells get the date formats up front (the column's own style covers the rest).
FORMATTED_ROWS = 1000
#: The last row of a worksheet: validations and the highlight cover the column to here.
LAST_ROW = 1_048_576
NEW_SUFFIXES = (".xlsx", ".csv")

_FORMAT_BY_KIND = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "count": "0"}
_WIDTH_BY_KIND = {"date": 13, "datetime": 17, "count": 10, "stage": 20, "channel": 13}
_WIDE_TEXT = {"notes": 40, "topics_discussed": 40, "personal_connection": 30}


def default_columns() -> list[tuple[str, str]]:
    """(header, kind) for every input field, then every owned column, in schema order."""
    tracker = schema("tracker")
    columns = [(spec["x-header"], spec["x-kind"]) for spec in tracker["properties"].values()]
    columns += [(owned["header"], "owned") for owned in tracker["x-owned-columns"]]
    return columns


def create_tracker(path: str | os.PathLike[str]) -> Path:
    """Write a new, empty tracker at ``path`` (.xlsx or .csv); never overwrites a file."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in NEW_SUFFIXES:
        raise TrackerError(str(path), "a new tracker must be a .xlsx or .csv file")
    if target.exists():
        raise TrackerError(str(path), "the file already exists; syncer will not overwrite it")
    if not target.parent.is_dir():
        raise TrackerError(str(path), f"no folder {target.parent}")
    if suffix == ".csv":
        atomic_write(target, _write_csv_header, backup=False)
        return target
    workbook = _build()

    def save(out: IO[bytes]) -> None:
        workbook.save(out)

    atomic_write(target, save, backup=False)
    return target


def create_tracker_workbook(path: str | os.PathLike[str]) -> Path:
    """A new, empty tracker workbook at ``path``; never overwrites an existing file."""
    if Path(path).suffix.lower() != ".xlsx":
        raise TrackerError(str(path), "a new tracker workbook must be a .xlsx file")
    return create_tracker(path)


def _write_csv_header(out: IO[bytes]) -> None:
    """The header row alone, UTF-8 with a byte-order mark (so Excel reads accents right)."""
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerow(h for h, _ in default_columns())
    out.write(text.getvalue().encode("utf-8-sig"))


def _build() -> Workbook:
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = TRACKER_TAB
    sheet.freeze_panes = "A2"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    columns = default_columns()
    for column, (header, kind) in enumerate(columns, start=1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        letter = get_column_letter(column)
        _format_column(sheet, letter, header, kind)
        field = _field_of(header)
        if field in DROPDOWN_FIELDS:
            _add_dropdown(sheet, letter, dropdown_choices(field))
        if header == owned_headers()["urgency"]:
            _highlight_overdue(sheet, letter, get_column_letter(len(columns)))
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
    if number_format is not None:
        dimension.number_format = number_format  # new rows past the formatted ones
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
        rule.add(_whole_column(letter))
        sheet.add_data_validation(rule)


def _whole_column(letter: str) -> str:
    """The column below the header, to the sheet's last row."""
    return f"{letter}2:{letter}{LAST_ROW}"


def _highlight_overdue(sheet: Any, urgency: str, last: str) -> None:
    """Rows whose Urgency says overdue get the same background as ``init --sheet`` gives."""
    fill = PatternFill(fill_type="solid", start_color=overdue_hex(), end_color=overdue_hex())
    rule = FormulaRule(formula=[overdue_formula(urgency, 2)], fill=fill, stopIfTrue=False)
    sheet.conditional_formatting.add(f"A2:{last}{LAST_ROW}", rule)


def _field_of(header: str) -> str:
    for name, spec in schema("tracker")["properties"].items():
        if spec["x-header"] == header:
            return str(name)
    return ""


def _add_dropdown(sheet: Any, letter: str, choices: list[str]) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    rule.error = "Pick one of: " + ", ".join(choices)
    rule.showErrorMessage = True
    rule.add(_whole_column(letter))
    sheet.add_data_validation(rule)
