"""The digest page in a real browser: headless Chromium renders it, without console messages.

How console errors are caught: Chromium started with ``--enable-logging=stderr --v=0`` writes
every console message of the page (console.* calls, uncaught exceptions, blocked loads) to stderr
as a ``...:CONSOLE...`` line. The digest has no script, so any such line is a failure. The
control test feeds a page that throws, to prove the detection works with the installed Chromium.
Host resolution is mapped to nothing so no request could leave the machine anyway.

Set SYNCER_SAVE_SCREENSHOTS=1 to also copy the screenshots to bench/out/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from syncer.digest import write_digest
from syncer.model import Action, Decision, Urgency
from syncer.results import RowResult, TrackerResult

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
TODAY = date(2024, 5, 8)
# Read at import: an autouse fixture may clear SYNCER_* variables before each test.
SAVE_SCREENSHOTS = bool(os.environ.get("SYNCER_SAVE_SCREENSHOTS"))
CONSOLE_LINE = re.compile(r":CONSOLE[:(\]]|Uncaught", re.IGNORECASE)

FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eun-ji", "Farid", "Greta", "Hiro", "Ines", "Jon"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka"]
ACTIONS = [Action.FOLLOW_UP, Action.SEND_THANK_YOU, Action.PREPARE_INTERVIEW, Action.CLOSE_OUT]


def client_results(count: int = 10) -> list[TrackerResult]:
    """``count`` clients with overdue/today/upcoming actions, one failure, one bad row."""
    results = []
    for index, first in enumerate(FIRST_NAMES[:count]):
        rows = []
        for offset in range(index % 4 + 1):
            days = (index + offset * 3) % 9 - 3
            urgency = (
                Urgency.OVERDUE if days < 0 else Urgency.TODAY if days == 0 else Urgency.UPCOMING
            )
            action = ACTIONS[(index + offset) % len(ACTIONS)]
            company = COMPANIES[(index * 3 + offset) % len(COMPANIES)]
            why = (
                f"{action.label} for the {company} application; last contact {-days + 7} days ago."
            )
            decision = Decision(action, TODAY + timedelta(days=days), urgency, why)
            rows.append(RowResult(offset + 2, company, f"Role {offset + 1}", decision, "Sam Kay"))
        if index == 3:
            bad = Decision(None, None, Urgency.INVALID, "Applied On is not a date: 'last week'")
            rows.append(RowResult(9, "Vandelay", "Importer", bad))
        key = f"key{index}"
        results.append(
            TrackerResult(
                source=f"https://docs.google.com/spreadsheets/d/{key}/edit",
                client=f"{first} Client-{index}",
                url=f"https://docs.google.com/spreadsheets/d/{key}/edit",
                rows=[] if index == 7 else rows,
                cells_written=index % 2,
                failed="403: the service account cannot open this sheet" if index == 7 else None,
            )
        )
    return results


def chromium(user_data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={user_data}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)]


@pytest.fixture(scope="module")
def browser() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def digest(tmp_path_factory: pytest.TempPathFactory, browser: Path) -> Path:
    out_dir = tmp_path_factory.mktemp("digest")
    generated = datetime(2024, 5, 8, 2, 15, tzinfo=UTC)
    return write_digest(client_results(), out_dir, today=TODAY, generated_at=generated).html


def test_detector_catches_console_errors(tmp_path: Path, browser: Path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><title>x</title><script>throw new Error('boom')</script>", "utf-8"
    )
    run = chromium(
        tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", broken.as_uri()
    )
    assert any("boom" in line for line in console_lines(run.stderr)), run.stderr[-2000:]


def test_digest_renders_every_client_without_console_messages(digest: Path, tmp_path: Path):
    run = chromium(
        tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", digest.as_uri()
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_lines(run.stderr) == []
    dom = run.stdout
    for tracker in client_results():
        assert tracker.client in dom
        for row in tracker.rows:
            if row.decision.urgency is not Urgency.INVALID and not tracker.failed:
                assert row.decision.why in dom
                assert row.decision.action is not None and row.decision.action.label in dom
    assert "403: the service account cannot open this sheet" in dom
    assert "Applied On is not a date: 'last week'" in dom


@pytest.mark.parametrize(
    ("name", "size"), [("digest.png", "1280,2000"), ("digest-phone.png", "390,2400")]
)
def test_screenshot(digest: Path, tmp_path: Path, name: str, size: str):
    shot = tmp_path / name
    run = chromium(
        tmp_path / "profile", f"--screenshot={shot}", f"--window-size={size}", digest.as_uri()
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    print(f"screenshot: {shot}")
    if SAVE_SCREENSHOTS:
        saved = REPO / "bench" / "out" / name
        saved.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, saved)
        print(f"saved: {saved}")
