"""Logs carry ids and counts, never an applicant's words: at DEBUG, through every library."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pytest

from syncer.config import TrackerConfig
from syncer.emulator.faults import Fault, FaultInjector
from syncer.sync import sync_tracker
from tests.google.conftest import EXAMPLE, OPTIONS, Google, sheet_config

PERSONAL = ("Company", "Position", "Contact Name", "Contact Email", "Contact Phone", "Notes")


def personal_words() -> set[str]:
    with EXAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row[name] for row in rows for name in PERSONAL if len(row.get(name) or "") > 3}


def test_a_sheets_sync_with_retries_logs_no_cell_contents_at_debug(
    google: Google, example_sheet: str, caplog: pytest.LogCaptureFixture
) -> None:
    FaultInjector.install(google.emulator).inject(Fault.error(503), method="GET")
    caplog.set_level(logging.DEBUG)
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed is not None  # no retries in the fixture: a failure is logged too
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed is None and result.cells_written > 0
    assert caplog.records, "something was logged"
    leaked = sorted(word for word in personal_words() if word in caplog.text)
    assert leaked == []


def test_a_local_sync_logs_no_cell_contents_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE, tracker)
    caplog.set_level(logging.DEBUG)
    result, _ = sync_tracker(TrackerConfig(source=str(tracker)), OPTIONS)
    assert result.failed is None and result.cells_written > 0
    leaked = sorted(word for word in personal_words() if word in caplog.text)
    assert leaked == []
