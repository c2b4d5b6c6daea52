"""Missing owned columns are created once, with formats; the person's cells stay as they were."""

from __future__ import annotations

from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, kinds, sheet_config

HEADER = ["Company", "Position", "Stage", "Applied On", "Score"]
ROWS = [
    ["Acme", "Engineer", "applied", "2026-11-10", "=LEN(A2)"],
    ["Globex", "Analyst", "wishlist", "", "7"],
]


def test_owned_columns_created_once_with_formats_and_nothing_else_touched(
    google: Google,
) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Tracker": [HEADER, *ROWS]})
    google.sheets.set_format(key, "Tracker", "A2", {"textFormat": {"bold": True}})
    before = google.sheets.snapshot(key)["Tracker"]
    config = sheet_config(key)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    after = google.sheets.snapshot(key)
    for cell, data in before.items():
        assert after["Tracker"][cell] == data, cell
    assert google.sheets.formula(key, "Tracker", "E2") == "=LEN(A2)"
    header = google.sheets.grid(key, "Tracker")[0]
    assert header[len(HEADER) :] == [
        "Next Action",
        "Due Date",
        "Urgency",
        "Why",
        "Draft",
        "Last Synced",
        "Row ID",
    ]
    due = chr(ord("A") + header.index("Due Date"))
    fmt = google.sheets.cell(key, "Tracker", f"{due}2")["userEnteredFormat"]["numberFormat"]
    assert fmt["type"] == "DATE"
    assert google.sheets.grid(key, "Tracker")[1][header.index("Due Date")] == "2026-11-17"
    sheet = google.sheets.sheet(key, "Tracker")
    row_id = header.index("Row ID")
    assert sheet.column_metadata.get(row_id, {}).get("hiddenByUser") is True
    assert google.sheets.sheet(key, "_syncer").properties.get("hidden") is True
    mark = len(google.emulator.log)
    google.sheets.set_cell(key, "Tracker", "C3", "applied")
    google.sheets.set_cell(key, "Tracker", "D3", "2026-11-20")
    sync_tracker(config, OPTIONS, opener=google.opener())
    _reads, writes = kinds(google.requests(mark))
    assert len(writes) == 1 and writes[0].endswith("/values:batchUpdate")
    assert google.sheets.grid(key, "Tracker")[0] == header
