"""Coach mode at the command line: a 50-client config synced through the loopback emulator.

Two clients cannot be synced: one sheet was never shared with the coach's account (403), one key
points at a deleted sheet (404). `syncer sync --config coach.toml` syncs the other 48, exits 1,
and names both failures (client and reason) in the summary, the JSON document and the digest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from syncer.cli import cli
from syncer.emulator import SheetsService, new_emulator
from syncer.emulator.core import Emulator
from syncer.emulator.server import running
from syncer.exitcodes import ExitCode
from tests.coach_roster import CLIENTS, DELETED, UNSHARED, build_roster, client_name

TODAY = "2026-11-26"  # a Thursday


@dataclass
class CoachSetup:
    emulator: Emulator
    sheets: SheetsService
    keys: list[str]
    config: Path


def write_config(path: Path, keys: list[str]) -> Path:
    lines = ["[run]", "concurrency = 8", "", "[defaults]", 'timezone = "UTC"', ""]
    for index, key in enumerate(keys):
        lines += [
            "[[trackers]]",
            f'name = "{client_name(index)}"',
            f'source = "https://docs.google.com/spreadsheets/d/{key}/edit"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def coach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CoachSetup]:
    """50 client spreadsheets behind a loopback server; every call is the coach's account."""
    emulator = new_emulator()
    sheets = SheetsService.install(emulator)

    keys = build_roster(emulator, sheets, date.fromisoformat(TODAY))
    config = write_config(tmp_path / "coach.toml", keys)
    with running(emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        yield CoachSetup(emulator, sheets, keys, config)


def sync(coach: CoachSetup, *options: str) -> Result:
    arguments = ["sync", "--config", str(coach.config), "--today", TODAY, *options]
    return CliRunner().invoke(cli, arguments, catch_exceptions=False)


def test_48_synced_exit_1_and_both_failures_named_everywhere(
    coach: CoachSetup, tmp_path: Path
) -> None:
    digest = tmp_path / "digest"
    result = sync(coach, "--json", "--digest", str(digest))

    assert result.exit_code == ExitCode.TRACKER_FAILED, result.stderr
    # The summary on stderr counts and names both failures, with their reasons.
    assert "50 tracker(s): 48 synced, 0 unchanged, 2 failed" in result.stderr
    failure_lines = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failure_lines) == 2
    unshared, deleted = failure_lines
    assert unshared.startswith(f"failed: {client_name(UNSHARED)} (")
    assert "HTTP 403" in unshared and "share the sheet" in unshared
    assert deleted.startswith(f"failed: {client_name(DELETED)} (")
    assert "HTTP 404" in deleted

    # The JSON document agrees with the summary, tracker by tracker, in the config's order.
    document = json.loads(result.stdout)
    assert document["summary"]["synced"] == 48
    assert document["summary"]["failed"] == 2
    trackers = document["trackers"]
    assert [t["client"] for t in trackers] == [client_name(i) for i in range(CLIENTS)]
    failed = {t["client"]: t["failed"] for t in trackers if t["status"] == "failed"}
    assert set(failed) == {client_name(UNSHARED), client_name(DELETED)}
    assert "HTTP 403" in failed[client_name(UNSHARED)]
    assert "HTTP 404" in failed[client_name(DELETED)]
    synced = [t for t in trackers if t["status"] == "synced"]
    assert len(synced) == 48
    assert all(t["cells_written"] > 0 and len(t["rows"]) == 3 for t in synced)
    first_rows = {row["row"]: row for row in synced[0]["rows"]}
    assert first_rows[2]["action"] == "follow_up" and first_rows[2]["urgency"] == "overdue"
    assert first_rows[3]["action"] == "send_thank_you" and first_rows[3]["due"] == TODAY

    # The digest names both failed clients and their reasons, and lists the others' actions.
    html = (digest / "digest.html").read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO((digest / "digest.csv").read_text("utf-8-sig"))))
    assert client_name(UNSHARED) in html and client_name(DELETED) in html
    assert "HTTP 403" in html and "HTTP 404" in html
    failed_lines = {line["client"]: line["why"] for line in table if line["urgency"] == "failed"}
    assert set(failed_lines) == {client_name(UNSHARED), client_name(DELETED)}
    assert "HTTP 403" in failed_lines[client_name(UNSHARED)]
    assert "HTTP 404" in failed_lines[client_name(DELETED)]
    due_clients = {line["client"] for line in table if line["urgency"] != "failed"}
    assert len(due_clients) == 48

    # The plan reached the sheets over HTTP: a synced client's tab has the owned columns.
    header = coach.sheets.grid(coach.keys[0], "Tracker")[0]
    assert {"Next Action", "Due Date", "Urgency"} <= set(header)
