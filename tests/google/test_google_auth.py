"""Credentials: a service-account token exchange, private key files, no secrets in logs."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from syncer.emulator.oauth import make_service_account_key
from syncer.errors import TrackerError
from syncer.google.auth import DOCS_SCOPE, SHEETS_SCOPE, scopes_for
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, example_rows, sheet_config

EMAIL = "syncer-bot@job-hunt-42.iam.gserviceaccount.com"


def write_key(path: Path, info: dict[str, str], mode: int = 0o600) -> Path:
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_service_account_token_exchange_then_an_authorised_sync(
    google: Google, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    info, private_key = make_service_account_key(EMAIL, "job-hunt-42")
    google.oauth.register_key_info(info)
    key = google.sheets.create_spreadsheet(
        "Mine", {"Applications": example_rows()}, owner="me@example.com"
    )
    google.sheets.share(key, EMAIL)
    config = sheet_config(key, credentials=write_key(tmp_path / "key.json", info))
    caplog.set_level(logging.DEBUG)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    paths = [entry["path"] for entry in google.emulator.log]
    assert paths[0] == "/token"
    assert not [e for e in google.emulator.log if e["status"] in (401, 403)]
    issued = list(google.oauth.tokens)
    assert issued and google.oauth.tokens[issued[0]].scopes == frozenset({SHEETS_SCOPE})
    logged = caplog.text
    body = private_key.split("-----")[2].strip().splitlines()[1]
    assert body not in logged
    assert not any(token in logged for token in issued)


def test_a_key_file_readable_by_others_is_refused_with_the_chmod_to_run(
    google: Google, tmp_path: Path
) -> None:
    info, _ = make_service_account_key(EMAIL, "job-hunt-42")
    path = write_key(tmp_path / "key.json", info, mode=0o644)
    config = sheet_config("1" + "a" * 43, credentials=path)
    with pytest.raises(TrackerError) as raised:
        google.opener()(config)
    assert f"chmod 600 {path}" in str(raised.value)
    assert google.emulator.log == []


def test_the_env_key_file_is_used_when_the_config_names_none(
    google: Google, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info, _ = make_service_account_key(EMAIL, "job-hunt-42")
    path = write_key(tmp_path / "key.json", info, mode=0o640)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with pytest.raises(TrackerError, match="chmod 600"):
        google.opener()(sheet_config("1" + "a" * 43))


def test_docs_and_drive_file_scopes_only_for_drafts_in_a_doc() -> None:
    assert scopes_for(sheet_config("k" * 30)) == (SHEETS_SCOPE,)
    doc_scopes = scopes_for(sheet_config("k" * 30, drafts="doc"))
    assert DOCS_SCOPE in doc_scopes and len(doc_scopes) == 4


def test_trackers_sharing_a_key_file_share_one_token_exchange(
    google: Google, tmp_path: Path
) -> None:
    info, _ = make_service_account_key(EMAIL, "job-hunt-42")
    google.oauth.register_key_info(info)
    key_file = write_key(tmp_path / "key.json", info)
    keys = []
    for name in ("Ana", "Bo", "Cy"):
        key = google.sheets.create_spreadsheet(
            name, {"Applications": example_rows()}, owner="coach@example.com"
        )
        google.sheets.share(key, EMAIL)
        keys.append(key)
    for key in keys:
        result, _ = sync_tracker(
            sheet_config(key, credentials=key_file), OPTIONS, opener=google.opener()
        )
        assert result.failed is None, result.failed
    tokens = [e for e in google.emulator.log if e["path"] == "/token"]
    assert len(tokens) == 1

    write_key(key_file, {**info})  # rewritten on disk (a rotated key): read afresh
    os.utime(key_file, ns=(1, 1))
    sync_tracker(sheet_config(keys[0], credentials=key_file), OPTIONS, opener=google.opener())
    assert len([e for e in google.emulator.log if e["path"] == "/token"]) == 2
