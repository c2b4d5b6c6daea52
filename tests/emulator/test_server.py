"""gspread through the loopback HTTP server and the forwarding adapter."""

from __future__ import annotations

import json
from pathlib import Path

import gspread
import pytest
import requests

from syncer.emulator import SheetsService
from syncer.emulator.core import Emulator
from syncer.emulator.server import running, serve
from syncer.emulator.transport import mount_forwarding


def test_gspread_over_loopback(emulator: Emulator, sheets: SheetsService, tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with running(emulator, request_log=log) as base_url:
        session = requests.Session()
        mount_forwarding(session, base_url)
        gc = gspread.Client(auth=None, session=session)
        spreadsheet = gc.create("Over the wire")
        spreadsheet.sheet1.update([["Company", "Stage"], ["Acme", "applied"]], "A1")
        spreadsheet.sheet1.append_row(["Beta", "offer"])
        assert gc.open_by_key(spreadsheet.id).sheet1.get_all_values() == [
            ["Company", "Stage"],
            ["Acme", "applied"],
            ["Beta", "offer"],
        ]
        with pytest.raises(gspread.SpreadsheetNotFound):
            gc.open_by_key("missing")
    assert sheets.grid(spreadsheet.id, "Sheet1")[2] == ["Beta", "offer"]
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[0] == {
        "method": "POST",
        "path": "/drive/v3/files",
        "query": {"supportsAllDrives": "True"},
        "status": 200,
    }
    assert entries[-1]["status"] == 404


def test_dropped_connection_reaches_the_client(emulator: Emulator) -> None:
    from syncer.emulator.core import Response

    emulator.before.append(lambda request: Response(500, drop=True))
    with running(emulator) as base_url, pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{base_url}/v4/spreadsheets/x", timeout=5)


def test_only_loopback(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(emulator, host="0.0.0.0")
