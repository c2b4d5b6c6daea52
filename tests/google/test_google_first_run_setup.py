"""The first run's structure batchUpdate (columns, _syncer, named range) is not resent blindly:
after a failure that may have passed, syncer looks again and sends only what is missing."""

from __future__ import annotations

import pytest

from syncer.emulator.faults import Fault, FaultInjector
from syncer.google.retry import RetryPolicy
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, example_rows, sheet_config

STRUCTURE = r"^/v4/spreadsheets/[^/]+:batchUpdate$"


def structure_posts(google: Google) -> list[int]:
    return [
        e["status"]
        for e in google.emulator.log
        if e["method"] == "POST"
        and e["path"].endswith(":batchUpdate")
        and "/values" not in e["path"]
    ]


def columns(google: Google, key: str) -> int:
    return int(google.sheets.sheet(key, "Applications").column_count)


def tabs(google: Google, key: str) -> list[str]:
    return [sheet.title for sheet in google.sheets.spreadsheet(key).sheets]


@pytest.mark.parametrize(
    "fault",
    [Fault.apply_then_fail(503), Fault.apply_then_drop(), Fault.error(503), Fault.dropped()],
    ids=["applied, then 503", "applied, then reset", "503", "reset"],
)
def test_a_first_run_survives_a_failed_setup_call_and_sets_up_once(
    google: Google, example_sheet: str, fault: Fault
) -> None:
    FaultInjector.install(google.emulator).inject(fault, method="POST", path=STRUCTURE)
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    statuses = structure_posts(google)
    assert statuses[0] != 200 and statuses[-1] == 200
    assert tabs(google, example_sheet) == ["Applications", "_syncer"]
    clean = google.sheets.create_spreadsheet("Clean", {"Applications": example_rows()})
    sync_tracker(sheet_config(clean), OPTIONS, opener=google.opener())
    assert columns(google, example_sheet) == columns(google, clean), "columns added once"
    again, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert again.failed is None and again.cells_written == 0


def test_a_setup_call_refused_for_good_is_not_resent(google: Google, example_sheet: str) -> None:
    FaultInjector.install(google.emulator).inject(
        Fault.error(400, times=None), method="POST", path=STRUCTURE
    )
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed and "adding syncer's columns" in result.failed
    assert structure_posts(google) == [400]


def test_a_setup_call_failing_every_time_gives_up_after_as_many_tries_as_a_retry(
    google: Google, example_sheet: str
) -> None:
    FaultInjector.install(google.emulator).inject(
        Fault.error(503, times=None), method="POST", path=STRUCTURE
    )
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed and "HTTP 503" in result.failed
    assert structure_posts(google) == [503] * RetryPolicy().max_tries
    assert "_syncer" not in tabs(google, example_sheet)
