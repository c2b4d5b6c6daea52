"""``create_tracker_workbook``: a new tracker that syncer and a person can both use at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from syncer.backends.local import open_local
from syncer.backends.workbook_init import TRACKER_TAB, create_tracker_workbook
from syncer.errors import TrackerError
from syncer.resources import schema


def expected_headers() -> list[str]:
    tracker = schema("tracker")
    inputs = [spec["x-header"] for spec in tracker["properties"].values()]
    return inputs + [owned["header"] for owned in tracker["x-owned-columns"]]


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path = create_tracker_workbook(tmp_path_factory.mktemp("init") / "jobs.xlsx")
    return path, openpyxl.load_workbook(path)[TRACKER_TAB]


def column_of(sheet: Any, header: str) -> str:
    for cell in sheet[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise AssertionError(header)


def test_every_default_header_in_schema_order(created: tuple[Path, Any]) -> None:
    path, sheet = created
    assert [cell.value for cell in sheet[1]] == expected_headers()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    data = open_local(path).read()
    assert data.header == expected_headers()
    assert data.rows == []


@pytest.mark.parametrize(
    ("header", "choices"),
    [
        ("Stage", schema("tracker")["x-stages"]),
        ("Preferred Channel", ["email", "phone", "letter"]),
        ("Offer Decision", ["accept", "negotiate", "undecided"]),
    ],
)
def test_dropdowns(created: tuple[Path, Any], header: str, choices: list[str]) -> None:
    _, sheet = created
    letter = column_of(sheet, header)
    lists = {
        str(rule.sqref): rule.formula1
        for rule in sheet.data_validations.dataValidation
        if rule.type == "list"
    }
    assert lists[f"{letter}2:{letter}1001"] == '"' + ",".join(choices) + '"'


def test_date_columns_are_formatted_and_row_id_hidden(created: tuple[Path, Any]) -> None:
    _, sheet = created
    for header, number_format in [
        ("Applied On", "yyyy-mm-dd"),
        ("Due Date", "yyyy-mm-dd"),
        ("Interview Date", "yyyy-mm-dd hh:mm"),
        ("Last Synced", "yyyy-mm-dd hh:mm"),
        ("Contact Phone", "@"),
    ]:
        letter = column_of(sheet, header)
        assert sheet[f"{letter}2"].number_format == number_format
        assert sheet[f"{letter}1001"].number_format == number_format
    assert sheet.column_dimensions[column_of(sheet, "Row ID")].hidden
    assert sheet.column_dimensions[column_of(sheet, "Draft")].width >= 40


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "jobs.xlsx"
    path.write_bytes(b"mine")
    with pytest.raises(TrackerError, match="already exists"):
        create_tracker_workbook(path)
    assert path.read_bytes() == b"mine"


def test_only_xlsx(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match=r"\.xlsx"):
        create_tracker_workbook(tmp_path / "jobs.csv")
