"""One sync through the loopback emulator server (SYNCER_GOOGLE_ENDPOINT), over real HTTP."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.emulator.server import running
from syncer.exitcodes import ExitCode
from syncer.google.backend import open_sheet
from syncer.lock import RunLock, default_lock_path
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


def test_a_run_while_another_holds_the_lock_exits_75_with_zero_api_calls(
    google: Google, example_sheet: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sheet_config(example_sheet).source
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        with RunLock(default_lock_path()):
            held = CliRunner().invoke(cli, ["sync", url, "--today", "2026-11-26"])
        assert held.exit_code == ExitCode.LOCKED, held.output
        assert google.emulator.log == []
        free = CliRunner().invoke(cli, ["sync", url, "--today", "2026-11-26"])
    assert free.exit_code == ExitCode.OK, free.output
    assert google.emulator.log, "the same run goes through once the lock is free"


def test_a_dry_run_through_the_cli_makes_zero_writes(
    google: Google, example_sheet: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sheet_config(example_sheet).source
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        done = CliRunner().invoke(cli, ["sync", url, "--today", "2026-11-26", "--dry-run"])
    assert done.exit_code == ExitCode.OK, done.output
    assert google.emulator.log, "it read the sheet"
    assert [e for e in google.emulator.log if e["method"] != "GET"] == []
