"""A tracker tab deleted and made again, or renamed, heals on the next run. Google keeps a
deleted tab's named range as a hidden #REF! range that blocks adding ``syncer_tracker`` again
(gspread #1530); the emulator does the same (tests/emulator/test_sheets_named_ranges.py)."""

from __future__ import annotations

import json
from typing import Any

from syncer.emulator.core import Request
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, kinds, sheet_config

HEADER = ["Company", "Position", "Stage", "Applied On"]
ROWS = [HEADER, ["Acme", "Dev", "applied", "2026-11-18"], ["Globex", "QA", "applied", "2026-11-10"]]


def batch(google: Google, key: str, *requests: dict[str, Any]) -> None:

    reply = google.emulator.handle(
        Request(
            "POST",
            f"/v4/spreadsheets/{key}:batchUpdate",
            body=json.dumps({"requests": list(requests)}).encode(),
        )
    )
    assert reply.status == 200, reply.body


def urgency(google: Google, key: str, tab: str) -> list[str]:
    grid = google.sheets.grid(key, tab)
    column = grid[0].index("Urgency")
    return [row[column] for row in grid[1:]]


def test_a_tracker_tab_deleted_and_made_again_heals_and_stays_healed(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": ROWS, "Notes": [["mine"]]})
    config = sheet_config(key)
    first, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert first.failed is None, first.failed
    old = google.sheets.sheet(key, "Applications").sheet_id
    kept = google.sheets.grid(key, "Applications", render="UNFORMATTED_VALUE")

    # The person deletes the tab, then makes it again from a copy they kept (every column).
    batch(google, key, {"deleteSheet": {"sheetId": old}})
    batch(google, key, {"addSheet": {"properties": {"title": "Applications"}}})
    google.sheets.set_values(key, "Applications", "A1", kept, raw=True)
    google.sheets.set_cell(key, "Applications", "D2", "2026-11-12")  # and edits a date
    book = google.sheets.spreadsheet(key)
    assert [n["name"] for n in book.broken_named_ranges] == ["syncer_tracker"]

    healed, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert healed.failed is None, healed.failed
    assert healed.cells_written > 0
    assert urgency(google, key, "Applications") == ["overdue", "overdue"]
    new = google.sheets.sheet(key, "Applications").sheet_id
    book = google.sheets.spreadsheet(key)
    assert [(n["name"], n["range"]["sheetId"]) for n in book.named_ranges] == [
        (f"syncer_tracker_{new}", new)
    ]

    since = len(google.emulator.log)
    again, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert again.failed is None and again.cells_written == 0
    reads, writes = kinds(google.requests(since))
    assert writes == [], "nothing changed: nothing written, no setup sent again"
    assert len(reads) == 3, "the named range misses, the tab list finds the new one, one read"
    assert google.sheets.grid(key, "Notes") == [["mine"]]


def test_a_renamed_tracker_tab_is_found_by_its_named_range(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": ROWS})
    config = sheet_config(key)
    assert sync_tracker(config, OPTIONS, opener=google.opener())[0].failed is None
    sheet_id = google.sheets.sheet(key, "Applications").sheet_id
    batch(
        google,
        key,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "title": "Jobs 2026"},
                "fields": "title",
            }
        },
    )
    batch_get = f"GET /v4/spreadsheets/{key}/values:batchGet"
    since = len(google.emulator.log)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None and result.cells_written == 0
    reads, writes = kinds(google.requests(since))
    assert reads == [batch_get], "one read finds the renamed tab"
    assert len(writes) <= 1, "at most the state sheet learning the tab's new title, once"
    since = len(google.emulator.log)
    assert sync_tracker(config, OPTIONS, opener=google.opener())[0].failed is None
    assert kinds(google.requests(since)) == ([batch_get], [])
