"""Drive v3 files and permissions, and the access rules Sheets applies."""

from __future__ import annotations

import gspread
import pytest
import requests

from syncer.emulator import SheetsService, emulator_session
from syncer.emulator.core import Emulator
from tests.emulator.conftest import identify_by_header

DRIVE = "https://www.googleapis.com/drive/v3/files"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def session(emulator: Emulator) -> requests.Session:
    identify_by_header(emulator)
    return emulator_session(emulator)


def as_user(session: requests.Session, email: str) -> requests.Session:
    session.headers["X-Test-User"] = email
    return session


def test_only_owners_and_grantees_get_in(session: requests.Session, sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("Private", owner="coach@example.com")
    stranger = as_user(session, "stranger@example.com")
    denied = stranger.get(f"{SHEETS}/{key}")
    assert denied.status_code == 403
    assert denied.json()["error"] == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
    assert stranger.get(f"{DRIVE}/{key}").status_code == 404
    owner = requests.Session()
    owner.mount("https://", session.adapters["https://www.googleapis.com/"])
    owner.headers["X-Test-User"] = "coach@example.com"
    granted = owner.post(
        f"{DRIVE}/{key}/permissions",
        json={"type": "user", "role": "writer", "emailAddress": "stranger@example.com"},
    )
    assert granted.status_code == 200
    assert stranger.get(f"{SHEETS}/{key}").status_code == 200
    permissions = owner.get(f"{DRIVE}/{key}/permissions").json()["permissions"]
    assert {p["emailAddress"]: p["role"] for p in permissions} == {
        "coach@example.com": "owner",
        "stranger@example.com": "writer",
    }
    assert owner.delete(f"{DRIVE}/{key}/permissions/{granted.json()['id']}").status_code == 204
    assert stranger.get(f"{SHEETS}/{key}").status_code == 403


def test_anonymous_callers_see_everything(emulator: Emulator, sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("Private", owner="coach@example.com")
    assert emulator_session(emulator).get(f"{SHEETS}/{key}").status_code == 200


def test_list_filters_by_query_and_fields(gc: gspread.Client) -> None:
    gc.create("Tracker 2024")
    gc.create("Tracker 2025")
    assert sorted(s.title for s in gc.openall()) == ["Tracker 2024", "Tracker 2025"]
    assert [s.title for s in gc.openall("Tracker 2025")] == ["Tracker 2025"]
    assert gc.open("Tracker 2024").title == "Tracker 2024"
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open("Missing")


def test_copy_and_delete(gc: gspread.Client, sheets: SheetsService) -> None:
    original = gc.create("Template")
    original.sheet1.update([["Company"]], "A1")
    copied = gc.copy(original.id, title="Client A", copy_comments=False)
    assert sheets.grid(copied.id, "Sheet1") == [["Company"]]
    gc.del_spreadsheet(original.id)
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key(original.id)
    assert copied.sheet1.get_all_values() == [["Company"]]


def test_file_fields_and_not_found(session: requests.Session, sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("Tracker")
    body = session.get(f"{DRIVE}/{key}", params={"fields": "id,name,owners(emailAddress)"}).json()
    assert body == {
        "id": key,
        "name": "Tracker",
        "owners": [{"emailAddress": "anonymous@emulator.invalid"}],
    }
    missing = session.get(f"{DRIVE}/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["errors"][0]["reason"] == "notFound"
