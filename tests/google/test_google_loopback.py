"""One sync through the loopback emulator server (SYNCER_GOOGLE_ENDPOINT), over real HTTP."""

from __future__ import annotations

import pytest

from syncer.emulator.server import running
from syncer.google.backend import open_sheet
from syncer.sync import sync_tracker
from tests.google.conftest import NO_RETRY, OPTIONS, Google, sheet_config


def test_sync_through_the_loopback_server(
    google: Google, example_sheet: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        result, _ = sync_tracker(
            sheet_config(example_sheet),
            OPTIONS,
            opener=lambda config: open_sheet(config, retry_policy=NO_RETRY),
        )
    assert result.failed is None, result.failed
    assert result.cells_written > 0
    assert google.emulator.log and google.emulator.log[-1]["path"].endswith("values:batchUpdate")
    header = google.sheets.grid(example_sheet, "Applications")[0]
    assert "Next Action" in header
