"""The bad-input catalogue, Sheets-only cases, through the emulator and the real sync path.

Each test runs ``sync_tracker(config, OPTIONS, opener=google.opener())`` (real gspread and
google-auth over the emulated API) and checks: no exception, a message naming the tracker and
the row and column (or what is wrong with the tracker), every cell a person owns unchanged (the
stored CellData, formats and formulas included), and the owned result.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date
from typing import Any

import pytest

from syncer.columns import column_letter, owned_field
from syncer.config import TrackerConfig
from syncer.emulator.core import ANONYMOUS, Identity, Request
from syncer.results import TrackerResult
from syncer.sync import sync_all, sync_tracker
from tests.catalogue.helpers import BASE_HEADER, OWNED_HEADERS, follow_up_due
from tests.google.conftest import NOW, OPTIONS, Google, sheet_config

APPLIED = "2026-11-18"
DUE = follow_up_due(date(2026, 11, 18))
PERSON = "jobseeker@example.com"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
    "to remove protection if you need to edit."
)


def row(company: str = "Acme", stage: str = "applied", applied: object = APPLIED) -> list[Any]:
    return [company, "Dev", stage, applied, "", ""]


def batch_update(
    google: Google, key: str, *requests: dict[str, Any], as_user: str | None = None
) -> None:
    """A spreadsheets:batchUpdate as a person's browser would send it (signed in as
    ``as_user`` through the emulated OAuth service, else as the syncing account)."""
    body = json.dumps({"requests": list(requests)}).encode()
    headers = {"content-type": "application/json"}
    if as_user is not None:
        token = google.oauth.issue_token(Identity(as_user, "people"), (SHEETS_SCOPE,))
        headers["authorization"] = f"Bearer {token}"
    reply = google.emulator.handle(
        Request("POST", f"/v4/spreadsheets/{key}:batchUpdate", headers=headers, body=body)
    )
    assert reply.status == 200, reply.body


def protected_tracker(google: Google, title: str) -> str:
    """A tracker the person owns and shares with the syncing account, whose tab they protect
    with only themselves as editor (syncer runs as another account)."""
    key = google.sheets.create_spreadsheet(
        title, {"Applications": [BASE_HEADER, row()]}, owner=PERSON
    )
    google.sheets.share(key, ANONYMOUS.email)
    batch_update(
        google,
        key,
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": sheet_id(google, key, "Applications")},
                    "description": "hands off",
                    "editors": {"users": [PERSON]},
                }
            }
        },
        as_user=PERSON,
    )
    return key


def sheet_id(google: Google, key: str, tab: str) -> int:
    return google.sheets.sheet(key, tab).sheet_id


def person_cells(google: Google, key: str) -> dict[str, dict[str, Any]]:
    """Every stored cell outside syncer's columns and its hidden state sheet, by tab and A1."""
    kept: dict[str, dict[str, Any]] = {}
    for tab, cells in google.sheets.snapshot(key).items():
        if tab == "_syncer":
            continue
        grid = google.sheets.grid(key, tab)
        header = grid[0] if grid else []
        owned = {
            column_letter(index)
            for index, text in enumerate(header)
            if text and owned_field(str(text)) is not None
        }
        kept[tab] = {
            a1: cell
            for a1, cell in cells.items()
            if re.match(r"[A-Z]+", a1)[0] not in owned  # type: ignore[index]
            and cell.get("userEnteredValue") is not None
        }
    return kept


def synced(google: Google, config: TrackerConfig) -> TrackerResult:
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    return result


def problem(result: TrackerResult, sheet_row: int, column: str, *words: str) -> str:
    by_row = {r.row: r for r in result.rows}
    assert by_row[sheet_row].decision.urgency.value == "invalid"
    wanted = re.compile(rf"\brow {sheet_row}\b")
    found = [
        e for e in result.errors if e.startswith(result.source) and wanted.search(e) and column in e
    ]
    assert found, (sheet_row, column, result.errors)
    for word in words:
        assert any(word in message for message in found), (word, found)
    return found[0]


def follows_up(result: TrackerResult, sheet_row: int) -> None:
    decision = {r.row: r for r in result.rows}[sheet_row].decision
    assert (decision.action, decision.due_on) is not None
    assert decision.action is not None and decision.action.value == "follow_up"
    assert decision.due_on == DUE


def owned_value(google: Google, key: str, tab: str, sheet_row: int, header: str) -> Any:
    grid = google.sheets.grid(key, tab, render="UNFORMATTED_VALUE")
    column = grid[0].index(header)
    values = grid[sheet_row - 1]
    return values[column] if column < len(values) else ""


# -- the cases --------------------------------------------------------------------------------


def test_a_protected_range_fails_that_tracker_and_the_other_syncs(google: Google) -> None:
    """Google answers 400 INVALID_ARGUMENT ("You are trying to edit a protected cell or
    object...") when a write touches a protected range whose editors do not include the
    syncing account; the emulator enforces it."""
    locked = protected_tracker(google, "Locked")
    free = google.sheets.create_spreadsheet("Free", {"Applications": [BASE_HEADER, row()]})
    before = {key: person_cells(google, key) for key in (locked, free)}
    configs = [sheet_config(locked), sheet_config(free)]
    first, second = sync_all(configs, OPTIONS, opener=google.opener(), concurrency=1)
    assert first.failed is not None and "HTTP 400, protected range" in first.failed
    assert first.source == configs[0].source and first.cells_written == 0
    assert second.failed is None and second.cells_written > 0
    for key in (locked, free):
        assert person_cells(google, key) == before[key]
    assert owned_value(google, free, "Applications", 2, "Urgency") == "overdue"


def test_a_protected_range_is_named_as_such(google: Google) -> None:
    key = protected_tracker(google, "Locked")
    result, _ = sync_tracker(sheet_config(key), OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert "protected" in result.failed and "share the sheet" not in result.failed
    assert PROTECTED_MESSAGE in result.failed


def test_the_tracker_tab_deleted_after_a_sync(google: Google) -> None:
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [BASE_HEADER, row()], "Notes": [["my notes"]]}
    )
    config = sheet_config(key)
    synced(google, config)
    batch_update(google, key, {"deleteSheet": {"sheetId": sheet_id(google, key, "Applications")}})
    before = person_cells(google, key)
    result, plan = sync_tracker(config, OPTIONS, opener=google.opener())
    assert plan is None and result.failed is not None
    assert "tab 'Applications' was deleted" in result.failed, result.failed
    assert person_cells(google, key) == before
    assert google.sheets.grid(key, "Notes") == [["my notes"]]


def test_a_deleted_named_range_and_a_renamed_tab_still_find_the_tracker(google: Google) -> None:
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [BASE_HEADER, row()], "Notes": [["my notes"]]}
    )
    config = sheet_config(key)
    synced(google, config)
    tracker = sheet_id(google, key, "Applications")
    named = google.sheets.spreadsheet(key).named_ranges
    batch_update(
        google,
        key,
        {"deleteNamedRange": {"namedRangeId": named[0]["namedRangeId"]}},
        {
            "updateSheetProperties": {
                "properties": {"sheetId": tracker, "title": "Jobs", "index": 2},
                "fields": "title,index",
            }
        },
    )
    assert google.sheets.spreadsheet(key).sheets[0].title == "Notes"
    again = synced(google, config)
    assert again.cells_written == 0 and not again.errors
    assert google.sheets.grid(key, "Notes") == [["my notes"]]


def test_a_configured_tab_that_is_gone(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": [BASE_HEADER, row()]})
    before = person_cells(google, key)
    result, _ = sync_tracker(sheet_config(key, tab="Old tab"), OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert "no tab named 'Old tab'" in result.failed and "'Applications'" in result.failed
    assert person_cells(google, key) == before


@pytest.mark.parametrize("configured", [True, False], ids=["tab-in-config", "first-tab"])
def test_a_tab_titled_with_an_apostrophe_and_an_emoji(google: Google, configured: bool) -> None:
    title = "O'Brien's 🎯"
    tabs: dict[str, list[list[Any]]] = {title: [BASE_HEADER, row()]}
    if configured:
        tabs = {"Read me": [["Company", "Position", "Stage"]], **tabs}
    key = google.sheets.create_spreadsheet("Hunt", tabs)
    before = person_cells(google, key)
    config = sheet_config(key, tab=title) if configured else sheet_config(key)
    result = synced(google, config)
    follows_up(result, 2)
    assert person_cells(google, key) == before
    assert google.sheets.grid(key, title)[0][len(BASE_HEADER) :] == OWNED_HEADERS
    assert owned_value(google, key, title, 2, "Urgency") == "overdue"
    again = synced(google, config)  # later runs find the tab again (by title or named range)
    assert again.cells_written == 0


def test_merged_cells(google: Google) -> None:
    """A Notes cell merged over two rows, and two rows' Urgency cells merged by a person after
    the first sync: no failure, merges and person's cells kept."""
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [BASE_HEADER, row(), row("Globex"), row("Initech")]}
    )
    tab_id = sheet_id(google, key, "Applications")
    notes = {"sheetId": tab_id, "startRowIndex": 1, "endRowIndex": 3}
    batch_update(
        google,
        key,
        {"mergeCells": {"range": {**notes, "startColumnIndex": 4, "endColumnIndex": 5}}},
    )
    config = sheet_config(key)
    first = synced(google, config)
    assert not first.errors
    urgency = google.sheets.grid(key, "Applications")[0].index("Urgency")
    merged = {**notes, "startRowIndex": 2, "endRowIndex": 4}
    merged.update(startColumnIndex=urgency, endColumnIndex=urgency + 1)
    batch_update(google, key, {"mergeCells": {"range": merged}})
    google.sheets.set_cell(key, "Applications", "C3", "wishlist")
    before = person_cells(google, key)
    merges = list(google.sheets.sheet(key, "Applications").merges)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None or "Applications" in result.failed or "merge" in result.failed
    assert person_cells(google, key) == before
    assert google.sheets.sheet(key, "Applications").merges == merges
    follows_up(result, 2)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, ("serial date 0", "out of range")),
        (-12, ("serial date -12", "out of range")),
        (2958466, ("serial date 2958466", "out of range")),  # 10000-01-01
    ],
    ids=["zero", "negative", "year-10000"],
)
def test_serial_dates_out_of_range(google: Google, value: int, words: tuple[str, ...]) -> None:
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [BASE_HEADER, row(applied=value), row()]}
    )
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    problem(result, 2, "Applied On", *words)
    follows_up(result, 3)
    assert person_cells(google, key) == before
    assert owned_value(google, key, "Applications", 2, "Urgency") == "invalid"


def test_serial_dates_and_date_text_parse_alike(google: Google) -> None:
    """A typed date becomes a DATE-formatted serial number in Sheets; a raw serial, a
    date-time serial and ISO text stored as text all mean the same day."""
    serial = (date(2026, 11, 18) - date(1899, 12, 30)).days
    rows = [BASE_HEADER, row(applied=APPLIED), row(applied=serial), row(applied=serial + 0.75)]
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": rows})
    google.sheets.set_cell(key, "Applications", "D5", APPLIED, raw=True)
    google.sheets.set_cell(key, "Applications", "A5", "Text Co", raw=True)
    google.sheets.set_cell(key, "Applications", "B5", "Dev", raw=True)
    google.sheets.set_cell(key, "Applications", "C5", "applied", raw=True)
    assert google.sheets.cell(key, "Applications", "D2")["userEnteredValue"] == {
        "numberValue": serial
    }
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    for sheet_row in (2, 3, 4, 5):
        follows_up(result, sheet_row)
    assert person_cells(google, key) == before
    due_serial = (DUE - date(1899, 12, 30)).days
    assert owned_value(google, key, "Applications", 4, "Due Date") == due_serial


def test_true_false_checkboxes(google: Google) -> None:
    header = [*BASE_HEADER, "Thank-You Sent", "Follow-Ups Sent", "Referred?"]
    key = google.sheets.create_spreadsheet(
        "Hunt",
        {
            "Applications": [
                header,
                [*row(), "TRUE", "", "TRUE"],
                [*row(), "", "FALSE", "FALSE"],
                [*row(), "", "", "TRUE"],
            ]
        },
    )
    assert google.sheets.cell(key, "Applications", "I2")["userEnteredValue"] == {"boolValue": True}
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    problem(result, 2, "Thank-You Sent", "TRUE", "not a date")
    problem(result, 3, "Follow-Ups Sent", "FALSE", "whole number")
    follows_up(result, 4)
    assert person_cells(google, key) == before


@pytest.mark.parametrize(
    ("error", "formula"),
    [("#REF!", "=Dates!A2"), ("#N/A", "=NA()"), ("#DIV/0!", "=1/0")],
    ids=["deleted-row", "na", "div0"],
)
def test_spreadsheet_errors_in_a_date_column(google: Google, error: str, formula: str) -> None:
    """Sheets returns an error cell's code as its UNFORMATTED_VALUE text; the #REF! comes from
    a reference to a row the person then deleted."""
    key = google.sheets.create_spreadsheet(
        "Hunt",
        {"Applications": [BASE_HEADER, row(), row()], "Dates": [["Day"], [APPLIED], [APPLIED]]},
    )
    google.sheets.set_cell(key, "Applications", "D2", formula)
    google.sheets.delete_rows(key, "Dates", at=2)
    assert google.sheets.grid(key, "Applications", render="UNFORMATTED_VALUE")[1][3] == error
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    problem(result, 2, "Applied On", repr(error), "not a date")
    follows_up(result, 3)
    assert person_cells(google, key) == before


def test_phone_and_zip_typed_as_text_keep_their_zeros(google: Google) -> None:
    header = [*BASE_HEADER, "Contact Phone", "Preferred Channel", "Zip"]
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [header, [*row(), "'007123", "phone", "'02139"]]}
    )
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    follows_up(result, 2)
    assert person_cells(google, key) == before
    assert google.sheets.cell(key, "Applications", "G2")["userEnteredValue"] == {
        "stringValue": "007123"
    }
    assert "007123" in str(owned_value(google, key, "Applications", 2, "Draft"))


def test_a_formula_in_a_persons_column_stays_a_formula(google: Google) -> None:
    """``=TODAY()`` reads the emulator's clock, fixed to the run's day."""
    google.sheets.clock = lambda: NOW.replace(tzinfo=UTC)
    header = [*BASE_HEADER, "Days since", "Checked"]
    key = google.sheets.create_spreadsheet(
        "Hunt",
        {"Applications": [header, [*row(), "=LEN(A2)"], [*row(), "=TODAY()-D3", "=TODAY()"]]},
    )
    before = person_cells(google, key)
    result = synced(google, sheet_config(key))
    follows_up(result, 2)
    follows_up(result, 3)
    assert person_cells(google, key) == before
    assert google.sheets.formula(key, "Applications", "G2") == "=LEN(A2)"
    assert google.sheets.formula(key, "Applications", "G3") == "=TODAY()-D3"
    assert google.sheets.formula(key, "Applications", "H3") == "=TODAY()"
    days_since = (OPTIONS.today - date.fromisoformat(APPLIED)).days
    assert google.sheets.grid(key, "Applications", render="UNFORMATTED_VALUE")[2][6:8] == [
        days_since,
        (OPTIONS.today - date(1899, 12, 30)).days,
    ]


def test_a_persons_value_typed_into_an_owned_cell(google: Google) -> None:
    key = google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [BASE_HEADER, row(), row("Globex")]}
    )
    config = sheet_config(key)
    synced(google, config)
    header = google.sheets.grid(key, "Applications")[0]
    cell = f"{column_letter(header.index('Next Action'))}2"
    google.sheets.set_cell(key, "Applications", cell, "Called Bob")
    google.sheets.set_cell(key, "Applications", "D2", "2026-11-20")
    google.sheets.set_cell(key, "Applications", "D3", "2026-11-20")
    result = synced(google, config)
    assert google.sheets.grid(key, "Applications")[1][header.index("Next Action")] == "Called Bob"
    assert any(
        f"row 2, column Next Action ({cell})" in c and "kept" in c for c in result.conflicts
    ), result.conflicts
    moved = (follow_up_due(date(2026, 11, 20)) - date(1899, 12, 30)).days
    assert owned_value(google, key, "Applications", 2, "Due Date") == moved
    assert owned_value(google, key, "Applications", 3, "Due Date") == moved
