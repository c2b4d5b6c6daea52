"""Protected ranges refuse writes from callers who are not their editors, over HTTP and gspread."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import gspread
import pytest
from gspread.exceptions import APIError

from syncer.emulator import SheetsService, emulator_session
from syncer.emulator.core import Emulator, Request, Response
from syncer.emulator.protection import PROTECTED_MESSAGE
from tests.emulator.conftest import identify_by_header

OWNER = "owner@example.com"
HELPER = "helper@example.com"
ROBOT = "robot@example.com"


def call(emulator: Emulator, who: str, method: str, target: str, body: Any = None) -> Response:
    path, _, query = target.partition("?")
    return emulator.handle(
        Request(
            method,
            path,
            query=parse_qs(query),
            headers={"x-test-user": who, "content-type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
        )
    )


def batch_update(emulator: Emulator, who: str, key: str, *requests: Any) -> Response:
    return call(
        emulator, who, "POST", f"/v4/spreadsheets/{key}:batchUpdate", {"requests": requests}
    )


@pytest.fixture
def book(emulator: Emulator, sheets: SheetsService) -> str:
    """Owner's tracker, shared with a helper and a robot; rows 1-2 protected, the helper may
    edit them, and column D is a warning-only protection."""
    identify_by_header(emulator)
    key = sheets.create_spreadsheet(
        "Tracker", {"S": [["Company", "Stage", "Notes"], ["Acme", "applied", ""]]}, owner=OWNER
    )
    for email in (HELPER, ROBOT):
        sheets.share(key, email)
    sheet_id = sheets.sheet(key, "S").sheet_id
    reply = batch_update(
        emulator,
        OWNER,
        key,
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 2},
                    "description": "hands off",
                    "editors": {"users": [HELPER]},
                }
            }
        },
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": sheet_id, "startColumnIndex": 3, "endColumnIndex": 4},
                    "warningOnly": True,
                }
            }
        },
    )
    assert reply.status == 200, reply.body
    return key


def assert_refused(reply: Response) -> None:
    """Google's answer: 400 INVALID_ARGUMENT (not 403), naming the refused part of a batch."""
    assert reply.status == 400, reply.body
    error = reply.body["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"].endswith(PROTECTED_MESSAGE)
    assert error["message"] in (
        PROTECTED_MESSAGE,
        f"Invalid data[1]: {PROTECTED_MESSAGE}",
    ) or error["message"].startswith("Invalid requests[1].")


def test_values_writes_to_protected_cells_are_refused_and_change_nothing(
    emulator: Emulator, sheets: SheetsService, book: str
) -> None:
    before = sheets.snapshot(book)
    base = f"/v4/spreadsheets/{book}/values"
    attempts = [
        ("PUT", f"{base}/S!B2?valueInputOption=RAW", {"values": [["offer"]]}),
        ("POST", f"{base}/S!A2:C3:clear", {}),
        ("POST", f"{base}:batchClear", {"ranges": ["S!C1"]}),
        (
            "POST",
            f"{base}:batchUpdate",
            {
                "valueInputOption": "RAW",
                "data": [
                    {"range": "S!A5", "values": [["free"]]},  # allowed on its own...
                    {"range": "S!C2", "values": [["locked"]]},  # ...but the request fails whole
                ],
            },
        ),
    ]
    for method, path, body in attempts:
        assert_refused(call(emulator, ROBOT, method, path, body))
    assert sheets.snapshot(book) == before


def test_owner_editors_and_unprotected_cells_may_be_written(
    emulator: Emulator, sheets: SheetsService, book: str
) -> None:
    base = f"/v4/spreadsheets/{book}/values"
    for who, cell in ((OWNER, "A2"), (HELPER, "B2"), (ROBOT, "A3"), (ROBOT, "D5")):
        reply = call(
            emulator, who, "PUT", f"{base}/S!{cell}?valueInputOption=RAW", {"values": [[who]]}
        )
        assert reply.status == 200, (who, cell, reply.body)
    append = call(
        emulator, ROBOT, "POST", f"{base}/S!A1:C1:append?valueInputOption=RAW", {"values": [["x"]]}
    )
    assert append.status == 200, append.body
    assert sheets.grid(book, "S")[1:] == [
        [OWNER, HELPER],
        [ROBOT],
        ["x"],
        ["", "", "", ROBOT],  # warning-only protection: API writes go through
    ]


def test_cell_editing_batch_requests_are_refused(
    emulator: Emulator, sheets: SheetsService, book: str
) -> None:
    sheet_id = sheets.sheet(book, "S").sheet_id
    row_two = {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": 2}
    before = sheets.snapshot(book)
    requests: list[dict[str, Any]] = [
        {
            "repeatCell": {
                "range": {**row_two, "startColumnIndex": 0, "endColumnIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 1, "columnIndex": 2},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "n"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
            }
        },
        {"deleteSheet": {"sheetId": sheet_id}},
    ]
    batch_update(emulator, OWNER, book, {"addSheet": {"properties": {"title": "Other"}}})
    before = sheets.snapshot(book)
    free = {
        "repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": 5, "endRowIndex": 6},
            "cell": {"note": "fine"},
            "fields": "note",
        }
    }
    for request in requests:
        assert_refused(batch_update(emulator, ROBOT, book, free, request))
    assert sheets.snapshot(book) == before
    assert batch_update(emulator, ROBOT, book, free).status == 200
    assert sheets.cell(book, "S", "A6")["note"] == "fine"


def test_gspread_sees_googles_error(emulator: Emulator, sheets: SheetsService, book: str) -> None:
    robot = gspread.Client(auth=None, session=emulator_session(emulator))
    robot.http_client.session.headers["x-test-user"] = ROBOT
    worksheet = robot.open_by_key(book).worksheet("S")
    with pytest.raises(APIError) as raised:
        worksheet.update_acell("C2", "mine")
    assert raised.value.response.status_code == 400
    assert raised.value.error["message"] == PROTECTED_MESSAGE
    worksheet.update_acell("C3", "mine")
    assert sheets.grid(book, "S")[2] == ["", "", "mine"]


def test_protection_moves_with_inserted_rows(
    emulator: Emulator, sheets: SheetsService, book: str
) -> None:
    sheet_id = sheets.sheet(book, "S").sheet_id
    insert = {
        "insertDimension": {
            "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
        }
    }
    assert batch_update(emulator, OWNER, book, insert).status == 200
    base = f"/v4/spreadsheets/{book}/values"
    assert (
        call(
            emulator, ROBOT, "PUT", f"{base}/S!A1?valueInputOption=RAW", {"values": [["t"]]}
        ).status
        == 200
    )
    assert_refused(
        call(emulator, ROBOT, "PUT", f"{base}/S!A3?valueInputOption=RAW", {"values": [["t"]]})
    )
