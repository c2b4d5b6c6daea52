"""`syncer doctor`: each failure it finds names what to do and the section of
docs/google-setup.md that explains it, tested through real gspread against the emulator."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.config import Quotas, TrackerConfig
from syncer.emulator.oauth import make_service_account_key
from syncer.emulator.quotas import QuotaLimiter
from syncer.emulator.server import running
from syncer.emulator.services import ServiceUsage
from syncer.google.guide import GUIDE, Section
from syncer.google.setup import Check, doctor
from tests.google.conftest import NO_RETRY, REPO, Google, example_rows, sheet_config

EMAIL = "nightly@job-hunt-4.iam.gserviceaccount.com"
PROJECT = "job-hunt-4"


def key_file(google: Google, folder: Path, mode: int = 0o600) -> Path:
    info, _ = make_service_account_key(EMAIL, PROJECT)
    google.oauth.register_key_info(info)
    path = folder / "key.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, mode)
    return path


def robots_sheet(google: Google) -> str:
    key = google.sheets.create_spreadsheet(
        "Job hunt", {"Applications": example_rows()}, owner="me@example.com"
    )
    google.sheets.share(key, EMAIL)
    return key


def failures(google: Google, config: TrackerConfig) -> list[Check]:
    checks = doctor(config, transport=google.transport, retry_policy=NO_RETRY)
    return [check for check in checks if not check.ok]


def test_a_healthy_tracker_has_no_failures(google: Google, tmp_path: Path) -> None:
    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path))
    assert failures(google, config) == []


def test_a_sheet_not_shared_with_the_account_points_to_sharing(
    google: Google, tmp_path: Path
) -> None:
    key = google.sheets.create_spreadsheet(
        "Mine", {"Applications": example_rows()}, owner="me@x.org"
    )
    (failure,) = failures(google, sheet_config(key, credentials=key_file(google, tmp_path)))
    assert failure.name == "access" and "403" in failure.message
    assert failure.fix == f"share the sheet with {EMAIL} as Editor"
    assert failure.section is Section.SHARE


def test_a_wrong_key_points_to_finding_the_key_in_the_url(google: Google, tmp_path: Path) -> None:
    config = sheet_config("1" + "x" * 43, credentials=key_file(google, tmp_path))
    (failure,) = failures(google, config)
    assert "404" in failure.message and failure.section is Section.KEY_IN_URL


def test_the_sheets_api_switched_off_points_to_enabling_it(google: Google, tmp_path: Path) -> None:
    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path))
    ServiceUsage.install(google.emulator).disable(PROJECT, "sheets")
    (failure,) = failures(google, config)
    assert failure.section is Section.ENABLE_APIS
    assert "has not been used in project" in failure.message
    assert "/apis/api/sheets.googleapis.com/overview?project=" in failure.message
    assert "share" not in failure.fix
    assert [entry["status"] for entry in google.emulator.log if "/v4/" in entry["path"]] == [403]


def test_another_projects_switch_does_not_matter(google: Google, tmp_path: Path) -> None:
    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path))
    ServiceUsage.install(google.emulator).disable("someone-else", "sheets")
    assert failures(google, config) == []


def test_an_exhausted_quota_points_to_quotas(google: Google, tmp_path: Path) -> None:
    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path))
    QuotaLimiter.install(google.emulator, Quotas(read_per_minute_per_user=0))
    (failure,) = failures(google, config)
    assert "429" in failure.message and failure.section is Section.QUOTAS
    assert "share" not in failure.fix


def test_a_key_readable_by_others_points_to_keeping_it_private(
    google: Google, tmp_path: Path
) -> None:
    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path, 0o644))
    (failure,) = failures(google, config)
    assert failure.fix.startswith("chmod 600") and failure.section is Section.KEY_PRIVATE


def test_a_broken_header_row_points_to_preparing_the_tab(google: Google) -> None:
    broken = google.sheets.create_spreadsheet("Bad", {"Sheet1": [["Company", "Company"]]})
    (failure,) = failures(google, sheet_config(broken))
    assert failure.name == "headers" and failure.section is Section.HEADERS


def test_the_command_prints_the_section_for_each_failure(
    google: Google, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = google.sheets.create_spreadsheet(
        "Mine", {"Applications": example_rows()}, owner="me@x.org"
    )
    config = tmp_path / "me.toml"
    config.write_text(f'[defaults]\ncredentials = "{key_file(google, tmp_path)}"\n', "utf-8")
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        done = CliRunner().invoke(
            cli, ["doctor", sheet_config(key).source, "--config", str(config)]
        )
    assert done.exit_code == 1, done.output
    assert "FAIL access" in done.output
    assert f"fix: share the sheet with {EMAIL} as Editor" in done.output
    assert "see docs/google-setup.md#share-the-tracker" in done.output


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation gone, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_section_syncer_names_is_a_heading_of_the_guide() -> None:
    text = (REPO / GUIDE).read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,4} (.+)$", text, flags=re.MULTILINE)
    anchors = {github_anchor(heading) for heading in headings}
    assert {section.value for section in Section} <= anchors, anchors


def test_the_guides_config_example_passes_the_schema(tmp_path: Path) -> None:
    import tomllib

    from syncer.config import parse_config

    text = (REPO / GUIDE).read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
    config = parse_config(tomllib.loads(block), GUIDE, tmp_path)
    (tracker,) = config.trackers
    assert tracker.candidate_name == "Sam Rivera"
    assert tracker.credentials == Path.home() / ".config/syncer/service-account.json"


def test_a_sync_with_the_api_off_says_so_rather_than_share_the_sheet(
    google: Google, tmp_path: Path
) -> None:
    from syncer.sync import sync_tracker
    from tests.google.conftest import OPTIONS

    config = sheet_config(robots_sheet(google), credentials=key_file(google, tmp_path))
    ServiceUsage.install(google.emulator).disable(PROJECT, "sheets")
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is not None
    assert "not enabled in the Cloud project of " + EMAIL in result.failed
    assert "share the sheet" not in result.failed
