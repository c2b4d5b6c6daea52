"""An API switched off in a project: Google's 403 SERVICE_DISABLED, for that project only."""

from __future__ import annotations

import gspread
import pytest

from syncer.emulator import SheetsService, emulator_session
from syncer.emulator.core import Emulator, Identity, Request
from syncer.emulator.quotas import project_number
from syncer.emulator.services import ServiceUsage


def by_project(emulator: Emulator) -> None:
    def identify(request: Request) -> Identity:
        project = request.headers.get("x-project", "mine")
        return Identity(f"robot@{project}.iam.gserviceaccount.com", project)

    emulator.identify = identify  # type: ignore[method-assign]


def test_a_disabled_api_answers_googles_body(emulator: Emulator, sheets: SheetsService) -> None:
    by_project(emulator)
    key = sheets.create_spreadsheet("T", {"Sheet1": [["a"]]})
    for project in ("mine", "x"):
        sheets.share(key, f"robot@{project}.iam.gserviceaccount.com")
    usage = ServiceUsage.install(emulator)
    usage.disable("mine", "sheets")
    response = emulator.handle(Request("GET", f"/v4/spreadsheets/{key}"))
    assert response.status == 403
    error = response.body["error"]
    number = project_number("mine")
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith(
        f"Google Sheets API has not been used in project {number} before or it is disabled."
    )
    assert error["errors"][0]["reason"] == "accessNotConfigured"
    assert error["errors"][0]["domain"] == "usageLimits"
    help_link, info = error["details"]
    assert help_link["links"][0]["url"].endswith(
        f"/apis/api/sheets.googleapis.com/overview?project={number}"
    )
    assert info["reason"] == "SERVICE_DISABLED"
    assert info["metadata"] == {
        "consumer": f"projects/{number}",
        "service": "sheets.googleapis.com",
    }
    other = emulator.handle(Request("GET", f"/v4/spreadsheets/{key}", {}, {"x-project": "x"}))
    assert other.status == 200
    usage.enable("mine", "sheets")
    assert emulator.handle(Request("GET", f"/v4/spreadsheets/{key}")).status == 200


def test_gspread_sees_the_403(emulator: Emulator, sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("T", {"Sheet1": [["a"]]})
    ServiceUsage.install(emulator).disable("emulator", "sheets")  # the anonymous caller's
    client = gspread.Client(auth=None, session=emulator_session(emulator))
    with pytest.raises(PermissionError) as raised:
        client.open_by_key(key)
    cause = raised.value.__cause__
    assert isinstance(cause, gspread.exceptions.APIError) and cause.code == 403
    assert "has not been used in project" in str(cause)


def test_drive_can_be_off_while_sheets_is_on(emulator: Emulator, sheets: SheetsService) -> None:
    key = sheets.create_spreadsheet("T", {"Sheet1": [["a"]]})
    ServiceUsage.install(emulator).disable("emulator", "drive")
    assert emulator.handle(Request("GET", f"/v4/spreadsheets/{key}")).status == 200
    drive = emulator.handle(Request("GET", f"/drive/v3/files/{key}"))
    assert drive.status == 403 and "Google Drive API" in drive.body["error"]["message"]
