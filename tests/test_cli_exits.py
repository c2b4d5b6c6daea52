"""Exit codes as a shell sees them: signals (130, 143) with one line saying what was written, a
tracker that cannot be written (exit 1, the file and the cause, no traceback), and `history`
listing only writes that landed."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from syncer.backends.base import CellUpdate
from syncer.emulator.core import Emulator
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.server import running
from syncer.emulator.sheets import SheetsService
from syncer.exitcodes import ExitCode
from syncer.journal import Journal, journal_dir, list_runs
from tests.shipped import SYNCER, cron_environment, json_lines, run_like_cron, write_tracker

TODAY = "2026-11-26"


def _wait_for(condition: object, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("signal_number", "code", "local_first", "words"),
    [
        (signal.SIGINT, ExitCode.INTERRUPTED, True, "1 tracker(s) written before it"),
        (signal.SIGTERM, ExitCode.TERMINATED, False, "nothing was written"),
        (signal.SIGINT, ExitCode.INTERRUPTED, False, "nothing was written"),
    ],
)
def test_a_signal_ends_the_run_with_its_code_and_one_line(
    tmp_path: Path, signal_number: int, code: int, local_first: bool, words: str
) -> None:
    emulator = Emulator()
    sheets = SheetsService.install(emulator)
    rows = [["Company", "Position", "Stage"], ["Initech", "Analyst", "wishlist"]]
    key = sheets.create_spreadsheet("Slow", {"Applications": rows})
    # Every read answers after 20 s: the run is surely inside the sync when the signal comes.
    FaultInjector.install(emulator).inject(Fault.slow(20.0, times=None), method="GET")
    trackers = ""
    if local_first:
        write_tracker(tmp_path / "local.csv")
        trackers += '[[trackers]]\nsource = "local.csv"\n'
    trackers += f'[[trackers]]\nsource = "https://docs.google.com/spreadsheets/d/{key}/edit"\n'
    config = tmp_path / "coach.toml"
    config.write_text(trackers + "[run]\nconcurrency = 1\n", encoding="utf-8")
    with running(emulator) as base_url:
        environment = cron_environment(tmp_path, SYNCER_GOOGLE_ENDPOINT=base_url)
        assignments = [f"{key}={value}" for key, value in environment.items()]
        command = [str(SYNCER), "sync", "--config", str(config), "--today", TODAY]
        process = subprocess.Popen(
            ["/usr/bin/env", "-i", *assignments, *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for(lambda: emulator.log or process.poll() is not None)
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    (line,) = stderr.splitlines()
    assert line.startswith(f"syncer: stopped by {signal.Signals(signal_number).name}: ")
    assert words in line
    if local_first:
        assert "syncer undo " in line
        assert "Next Action" in (tmp_path / "local.csv").read_text(encoding="utf-8")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    if shutil.which("unshare") is None:
        pytest.skip("unshare missing")
    probe = subprocess.run(
        ["unshare", "--mount", "mount", "--bind", "-o", "ro", str(tmp_path), str(tmp_path)],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {probe.stderr!r}")
    folder = tmp_path / "trackers"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_tracker_on_a_read_only_mount_fails_with_the_file_and_the_cause(
    tmp_path: Path, read_only_folder: Path, log_format: str
) -> None:
    tracker = write_tracker(read_only_folder / "tracker.csv")
    before = tracker.read_bytes()
    # The folder is mounted read-only for this process only (its own mount namespace).
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    command = [str(SYNCER), "sync", str(tracker), "--today", TODAY, "--log-format", log_format]
    run = run_like_cron(
        ["unshare", "--mount", "/bin/sh", "-c", script, "sh", str(read_only_folder), *command],
        cron_environment(tmp_path, PATH="/usr/bin:/bin:/usr/sbin:/sbin"),
    )
    assert run.returncode == ExitCode.TRACKER_FAILED, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    if log_format == "json":
        json_lines(run.stderr)  # every line is JSON, the failure's too
    failure = [line for line in run.stderr.splitlines() if "Read-only file system" in line]
    assert failure, run.stderr
    assert str(read_only_folder) in failure[-1] and "tracker.csv" in failure[-1]
    assert tracker.read_bytes() == before
    history = run_like_cron([str(SYNCER), "history"], cron_environment(tmp_path))
    assert "tracker.csv" not in history.stdout, "a write that did not land is not history"


def test_history_lists_only_writes_that_landed(tmp_path: Path) -> None:
    folder = journal_dir(tmp_path / "state")
    landed = Journal(folder, run_id="20261126T020000.000000Z-aaaaaa")
    failed = Journal(folder, run_id="20261127T020000.000000Z-bbbbbb")
    torn = Journal(folder, run_id="20261128T020000.000000Z-cccccc")
    update = [CellUpdate(2, "Urgency", "today", row_id="r1", expected="upcoming")]
    landed.record("a.csv", update)
    landed.record_landed("a.csv", 1)
    failed.record("b.csv", update)
    failed.record_failure("b.csv", "quota exhausted")
    torn.record("c.csv", update)  # killed before the write returned
    runs = list_runs(folder)
    assert [run.run_id for run in runs] == [landed.run_id]
    assert runs[0].trackers == ("a.csv",) and runs[0].cells == 1
