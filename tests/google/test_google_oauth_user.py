"""OAuth user credentials (the installed-app flow): sign in once in a terminal, then cron runs
refresh the saved token through the token endpoint. Only the browser step is replaced."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.oauth2 import credentials as user_credentials

from syncer.config import TrackerConfig
from syncer.emulator.core import Identity
from syncer.google.auth import SHEETS_SCOPE, SIGNED_IN_KEY, token_path
from syncer.google.setup import doctor
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, example_rows, sheet_config

EMAIL = "jo.seeker@example.com"
CLIENT_ID = "1234-emu.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-client-secret-not-for-logs"
REFRESH_TOKEN = "1//refresh-token-not-for-logs"


class BrowserSignIn:
    """Stands in for the consent screen: returns what the installed-app flow would (an access
    token the token endpoint issued, and the refresh token)."""

    def __init__(self, google: Google | None = None) -> None:
        self.google = google
        self.calls: list[tuple[Path, tuple[str, ...]]] = []

    def __call__(self, client_file: Path, scopes: Sequence[str]) -> user_credentials.Credentials:
        self.calls.append((client_file, tuple(scopes)))
        assert self.google is not None, "this run must not open a browser"
        identity = Identity(EMAIL, "emulator")
        return user_credentials.Credentials(
            token=self.google.oauth.issue_token(identity, tuple(scopes)),
            expiry=datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1),
            refresh_token=REFRESH_TOKEN,
            token_uri="https://oauth2.googleapis.com/token",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            scopes=list(scopes),
        )


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    path = tmp_path / "client_secret.json"
    installed = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "redirect_uris": ["http://localhost"],
    }
    path.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def users_sheet(google: Google) -> str:
    google.oauth.register_oauth_client(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, EMAIL)
    return google.sheets.create_spreadsheet("Mine", {"Applications": example_rows()}, owner=EMAIL)


def sign_in_once(google: Google, config: TrackerConfig) -> None:
    """The first run, in a terminal: the person signs in in the browser."""
    opener = google.opener(interactive=True, sign_in=BrowserSignIn(google))
    assert sync_tracker(config, OPTIONS, opener=opener)[0].failed is None


def expire(token: Path) -> str:
    """Make the saved access token stale, as it is an hour later; returns the stale token."""
    saved = json.loads(token.read_text())
    saved["expiry"] = "2000-01-01T00:00:00Z"
    token.write_text(json.dumps(saved), encoding="utf-8")
    return str(saved["token"])


def test_first_run_signs_in_saves_a_private_token_and_syncs_as_the_user(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    sign_in = BrowserSignIn(google)
    config = sheet_config(users_sheet, oauth_client=client_file)
    opener = google.opener(interactive=True, sign_in=sign_in)
    result, _ = sync_tracker(config, OPTIONS, opener=opener)
    assert result.failed is None, result.failed
    assert sign_in.calls == [(client_file, (SHEETS_SCOPE,))]
    token = token_path(client_file)
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert json.loads(token.read_text())["refresh_token"] == REFRESH_TOKEN
    assert not [e for e in google.emulator.log if e["status"] in (401, 403)]


def test_a_cron_run_refreshes_the_saved_token_without_a_browser(
    google: Google, users_sheet: str, client_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = sheet_config(users_sheet, oauth_client=client_file)
    sign_in_once(google, config)
    first_access = expire(token_path(client_file))
    mark = len(google.emulator.log)
    caplog.set_level(logging.DEBUG)
    never = BrowserSignIn()
    result, _ = sync_tracker(
        config, OPTIONS, opener=google.opener(interactive=False, sign_in=never)
    )
    assert result.failed is None, result.failed
    assert never.calls == []
    saved = json.loads(token_path(client_file).read_text())
    assert saved["token"] != first_access, "the refreshed token was saved"
    grants = [e for e in google.requests(mark) if e["path"] == "/token"]
    assert [e["status"] for e in grants] == [200], "one refresh-token grant"
    assert stat.S_IMODE(token_path(client_file).stat().st_mode) == 0o600
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, saved["token"], first_access):
        assert secret not in caplog.text


def test_a_cron_run_with_no_saved_sign_in_fails_that_tracker_saying_what_to_run(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    config = sheet_config(users_sheet, oauth_client=client_file)
    never = BrowserSignIn()
    result, _ = sync_tracker(
        config, OPTIONS, opener=google.opener(interactive=False, sign_in=never)
    )
    assert result.failed and "syncer doctor" in result.failed and str(client_file) in result.failed
    assert never.calls == []
    assert not token_path(client_file).exists()
    assert [e for e in google.emulator.log if e["method"] != "GET"] == []


def test_a_token_file_readable_by_others_is_refused_with_the_chmod(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    config = sheet_config(users_sheet, oauth_client=client_file)
    sign_in_once(google, config)
    token = token_path(client_file)
    os.chmod(token, 0o644)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener(interactive=False))
    assert result.failed and f"chmod 600 {token}" in result.failed


def run_on_testing_app(
    google: Google, users_sheet: str, client_file: Path, days: float
) -> str | None:
    """Sign in with an OAuth app in "Testing" (its refresh token lives 7 days), then run from
    cron ``days`` later; the run's failure, if any."""
    google.oauth.register_oauth_client(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, EMAIL, testing=True)
    config = sheet_config(users_sheet, oauth_client=client_file)
    sign_in_once(google, config)
    expire(token_path(client_file))
    later = google.oauth.clock() + days * 24 * 3600
    google.oauth.clock = lambda: later
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener(interactive=False))
    return result.failed


def test_a_testing_apps_token_works_within_the_week_and_keeps_its_sign_in_date(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    assert run_on_testing_app(google, users_sheet, client_file, days=6) is None
    saved = json.loads(token_path(client_file).read_text())
    assert saved[SIGNED_IN_KEY].startswith(datetime.now(UTC).strftime("%Y-%m-%d")[:7])


def test_a_testing_apps_token_after_7_days_gives_one_message_with_the_command(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    failed = run_on_testing_app(google, users_sheet, client_file, days=7.01)
    source = sheet_config(users_sheet).source
    assert failed == (
        f"Google no longer accepts the saved sign-in for the OAuth client {client_file}: it "
        "expired or was revoked (invalid_grant: Token has been expired or revoked.); sign in "
        f"again: run `syncer doctor {source}` once in a terminal. If it happens every 7 days, "
        'the OAuth app is in "Testing": publish the OAuth app ("In production": Google Cloud '
        "console > APIs & Services > OAuth consent screen > Publish app), or use a service "
        "account (`credentials` = its key file)"
    )
    grants = [e["status"] for e in google.emulator.log if e["path"] == "/token"]
    assert grants[-1] == 400


@pytest.mark.parametrize("how", ["revoked", "replaced by a new grant"])
def test_a_revoked_sign_in_in_cron_gives_one_message_saying_to_sign_in_again(
    google: Google, users_sheet: str, client_file: Path, how: str
) -> None:
    config = sheet_config(users_sheet, oauth_client=client_file)
    sign_in_once(google, config)
    expire(token_path(client_file))
    if how == "revoked":
        google.oauth.revoke(CLIENT_ID)
    else:
        google.oauth.register_oauth_client(CLIENT_ID, CLIENT_SECRET, "1//a-new-grant", EMAIL)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener(interactive=False))
    assert result.failed is not None and "revoked" in result.failed
    assert result.failed.count(f"syncer doctor {config.source}") == 1
    assert result.failed.startswith("Google no longer accepts the saved sign-in")


def test_doctor_says_a_user_token_may_end_after_7_days_and_fails_in_the_last_day(
    google: Google, users_sheet: str, client_file: Path
) -> None:
    config = sheet_config(users_sheet, oauth_client=client_file)
    sign_in_once(google, config)
    checks = {c.name: c for c in doctor(config, transport=google.transport)}
    fresh = checks["sign-in"]
    assert fresh.ok and fresh.warn and '"Testing"' in fresh.message and "7 days" in fresh.message
    assert "Publish app" in fresh.fix and "service account" in fresh.fix

    token = token_path(client_file)
    saved = json.loads(token.read_text())
    saved[SIGNED_IN_KEY] = (datetime.now(UTC) - timedelta(days=6, hours=12)).isoformat()
    token.write_text(json.dumps(saved), encoding="utf-8")
    old = {c.name: c for c in doctor(config, transport=google.transport)}
    assert not old["sign-in"].ok and "(6 days ago)" in old["sign-in"].message
    assert "Publish app" in old["sign-in"].fix and "sign in again" in old["sign-in"].fix

    saved[SIGNED_IN_KEY] = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    token.write_text(json.dumps(saved), encoding="utf-8")
    lasting = {c.name: c for c in doctor(config, transport=google.transport)}
    assert lasting["sign-in"].ok and not lasting["sign-in"].warn
    assert "In production" in lasting["sign-in"].message
