"""HTTP failures become TrackerErrors that say what to do."""

from __future__ import annotations

import json
import os
from pathlib import Path

from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.oauth import make_service_account_key
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, example_rows, sheet_config

EMAIL = "robot@nightly-7.iam.gserviceaccount.com"


def robot_config(google: Google, key: str, tmp_path: Path) -> object:
    info, _ = make_service_account_key(EMAIL, "nightly-7")
    google.oauth.register_key_info(info)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, 0o600)
    return sheet_config(key, credentials=path)


def test_a_sheet_owned_by_someone_else_names_the_account_to_share_with(
    google: Google, tmp_path: Path
) -> None:
    key = google.sheets.create_spreadsheet(
        "Theirs", {"Applications": example_rows()}, owner="someone@example.com"
    )
    result, _ = sync_tracker(robot_config(google, key, tmp_path), OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert f"share the sheet with {EMAIL} as Editor" in result.failed


def test_an_unknown_key_is_not_found(google: Google, tmp_path: Path) -> None:
    config = robot_config(google, "1" + "x" * 43, tmp_path)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is not None and "404" in result.failed


def test_a_missing_tab_is_named(google: Google, example_sheet: str) -> None:
    config = sheet_config(example_sheet, tab="Old tab")
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert "'Old tab'" in result.failed and "'Applications'" in result.failed


def test_a_server_error_after_retries_fails_the_tracker_only(
    google: Google, example_sheet: str
) -> None:
    from syncer.emulator.faults import Fault, FaultInjector

    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.error(503, times=None))
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed is not None and "503" in result.failed


def test_a_rate_limit_403_says_slow_down_not_share_the_sheet(
    google: Google, example_sheet: str
) -> None:
    FaultInjector.install(google.emulator).inject(Fault.error(403, times=None), method="GET")
    result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert "rate limit" in result.failed and "share the sheet" not in result.failed
