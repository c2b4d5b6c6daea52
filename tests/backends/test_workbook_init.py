"""``create_tracker_workbook``: a new tracker that syncer and a person can both use at once."""

from __future__ import annotations

from datetime import date, datetime
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


STAGE_WORDS = [
    "Wishlist",
    "Applied",
    "Interview scheduled",
    "Interviewed",
    "Offer",
    "Negotiating",
    "Accepted",
    "Rejected",
    "Withdrawn",
    "Closed",
]


@pytest.mark.parametrize(
    ("header", "choices"),
    [
        ("Stage", STAGE_WORDS),
        ("Preferred Channel", ["Email", "Phone", "Letter"]),
        ("Offer Decision", ["Accept", "Negotiate", "Undecided"]),
    ],
)
def test_dropdowns_offer_words_over_the_whole_column(
    created: tuple[Path, Any], header: str, choices: list[str]
) -> None:
    _, sheet = created
    letter = column_of(sheet, header)
    lists = {
        str(rule.sqref): rule.formula1
        for rule in sheet.data_validations.dataValidation
        if rule.type == "list"
    }
    assert lists[f"{letter}2:{letter}1048576"] == '"' + ",".join(choices) + '"'


def test_the_stage_words_are_the_schemas_stages_in_order() -> None:
    codes = schema("tracker")["x-stages"]
    assert [word.lower().replace(" ", "_") for word in STAGE_WORDS] == codes


def test_follow_ups_sent_is_validated_over_the_whole_column(created: tuple[Path, Any]) -> None:
    _, sheet = created
    letter = column_of(sheet, "Follow-Ups Sent")
    (rule,) = [r for r in sheet.data_validations.dataValidation if r.type == "whole"]
    assert str(rule.sqref) == f"{letter}2:{letter}1048576"
    assert sheet.column_dimensions[letter].number_format == "0"


def test_overdue_rows_are_highlighted_as_in_sheets(created: tuple[Path, Any]) -> None:
    _, sheet = created
    urgency = column_of(sheet, "Urgency")
    last = column_of(sheet, "Row ID")
    ((area, rules),) = [(str(cf.sqref), cf.rules) for cf in sheet.conditional_formatting]
    assert area == f"A2:{last}1048576"
    (rule,) = rules
    assert rule.formula == [f'${urgency}2="overdue"']
    # The colour of `init --sheet`'s rule (0.98, 0.82, 0.82), as a workbook stores it.
    assert rule.dxf.fill.fgColor.rgb == rule.dxf.fill.bgColor.rgb == "00FAD1D1"


def test_a_tracker_filled_in_with_the_dropdown_words_syncs(tmp_path: Path) -> None:
    """Every word the dropdowns offer is read as its code, and overdue rows get highlighted."""
    path = create_tracker_workbook(tmp_path / "jobs.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[TRACKER_TAB]
    header = [cell.value for cell in sheet[1]]
    rows = [
        {"Stage": "Applied", "Applied On": "2026-11-02", "Preferred Channel": "Phone"},
        {"Stage": "Interview scheduled", "Interview Date": "2026-12-08"},
        {"Stage": "Interviewed", "Interview Date": "2026-11-25", "Preferred Channel": "Letter"},
        {"Stage": "Offer", "Offer Received": "2026-11-24", "Offer Decision": "Negotiate"},
        {"Stage": "Negotiating", "Offer Received": "2026-11-20"},
        {"Stage": "Accepted", "Offer Received": "2026-11-20"},
        {"Stage": "Rejected", "Rejected On": "2026-11-20"},
        {"Stage": "Wishlist"},
        {"Stage": "Withdrawn"},
        {"Stage": "Closed", "Offer Decision": "Undecided", "Preferred Channel": "Email"},
        {"Stage": "Offer", "Offer Received": "2026-11-24", "Offer Decision": "Accept"},
    ]
    for number, values in enumerate(rows, start=2):
        values = {"Company": f"Co {number}", "Position": "Analyst", **values}
        for header_text, value in values.items():
            sheet.cell(number, header.index(header_text) + 1, value)
    book.save(path)
    from syncer.config import TrackerConfig
    from syncer.sync import RunOptions, sync_tracker

    options = RunOptions(today=date(2026, 11, 26), now=datetime(2026, 11, 26, 21, 0))
    result, _ = sync_tracker(TrackerConfig(source=str(path)), options)
    assert result.failed is None, result.failed
    assert result.errors == []
    planned = {row["row"]: row for row in (r.as_json() for r in result.rows)}
    assert len(planned) == len(rows)
    assert [row for row in planned.values() if row["urgency"] == "invalid"] == []
    assert planned[2]["action"] == "follow_up" and planned[2]["urgency"] == "overdue"
    after = openpyxl.load_workbook(path)[TRACKER_TAB]
    assert [str(cf.sqref) for cf in after.conditional_formatting] == [
        f"A2:{column_of(after, 'Row ID')}1048576"
    ]


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


def test_only_xlsx_for_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match=r"\.xlsx"):
        create_tracker_workbook(tmp_path / "jobs.txt")
