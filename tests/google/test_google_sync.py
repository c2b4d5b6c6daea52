"""A full sync of a tracker in the emulated Sheets, through the real gspread and google-auth."""

from __future__ import annotations

from syncer.backends.base import canonical_text
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, kinds, sheet_config


def test_first_sync_writes_owned_columns_and_reads_back(google: Google, example_sheet: str) -> None:
    config = sheet_config(example_sheet)
    result, plan = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    assert plan is not None and plan.updates
    grid = google.sheets.grid(example_sheet, "Applications", render="UNFORMATTED_VALUE")
    header = grid[0]
    assert header[-7:] == [
        "Next Action",
        "Due Date",
        "Urgency",
        "Why",
        "Draft",
        "Last Synced",
        "Row ID",
    ]
    urgency = header.index("Urgency")
    assert [row[urgency] for row in grid[1:]] == [r.decision.urgency.value for r in result.rows]
    due = header.index("Due Date")
    first = result.rows[0]
    assert first.decision.due_on is not None
    assert canonical_text(grid[1][due]) == str(
        (first.decision.due_on - __import__("datetime").date(1899, 12, 30)).days
    )


def test_second_sync_with_nothing_changed_is_one_read_and_no_write(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet)
    sync_tracker(config, OPTIONS, opener=google.opener())
    mark = len(google.emulator.log)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    reads, writes = kinds(google.requests(mark))
    assert len(reads) == 1 and writes == []
    assert result.cells_written == 0


def test_one_changed_input_cell_is_one_write_and_at_most_three_reads(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet)
    sync_tracker(config, OPTIONS, opener=google.opener())
    google.sheets.set_cell(example_sheet, "Applications", "C2", "withdrawn")
    mark = len(google.emulator.log)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    reads, writes = kinds(google.requests(mark))
    assert len(writes) == 1 and writes[0].endswith("/values:batchUpdate")
    assert 1 <= len(reads) <= 3  # the read, the formula look-up, the re-check
    assert result.rows[0].decision.action.value == "none"
