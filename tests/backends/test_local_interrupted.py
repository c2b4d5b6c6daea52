"""A local sync killed at each step of its write, and a file saved by a person mid-run (issue 4).

Every write goes through a temp file, ``fsync`` and ``os.replace``; the kill strikes at each of
those calls in turn (before it, or just after it), as the end of the process would. The tracker
is then never half-written, and a second run leaves exactly what one uninterrupted run leaves.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from syncer.backends.base import Backend, SheetData
from syncer.config import TrackerConfig
from syncer.sync import RunOptions, open_backend, sync_tracker
from tests.google.conftest import NOW, OPTIONS, TODAY, example_rows

ROWS = example_rows()[:8]  # seven applications
STEPS = ("replace", "fsync")
LATER = RunOptions(today=TODAY.replace(day=28), now=NOW.replace(day=28))


class ProcessKilled(Exception):
    """The end of the syncer process in the middle of writing."""


def make_tracker(folder: Path, suffix: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"tracker{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(ROWS)
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Applications"
        for row in ROWS:
            sheet.append(row)
        book.save(path)
    return path


def contents(path: Path) -> Any:
    """What the tracker holds: every cell of every sheet (xlsx) or the bytes (csv), plus the
    sync state sidecar of a csv."""
    if path.suffix == ".csv":
        sidecar = path.with_name(path.name + ".syncer.json")
        return path.read_bytes(), sidecar.read_bytes() if sidecar.exists() else None
    book = load_workbook(path)
    return {
        sheet.title: (sheet.sheet_state, [list(row) for row in sheet.iter_rows(values_only=True)])
        for sheet in book.worksheets
    }


def sync(
    path: Path, options: RunOptions, opener: Callable[[TrackerConfig], Backend] = open_backend
):
    return sync_tracker(TrackerConfig(source=str(path)), options, opener=opener)


class Killer:
    """Counts the write steps (os.fsync, os.replace) and ends the process at step ``kill_at``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, kill_at: int = 0, after: bool = False):
        self.calls = 0
        self.kill_at = kill_at
        self.after = after
        for name in STEPS:
            monkeypatch.setattr(os, name, self._counted(getattr(os, name)))

    def _counted(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.kill_at and not self.after:
                raise ProcessKilled(f"killed before step {self.calls}")
            outcome = real(*args, **kwargs)
            if self.calls == self.kill_at:
                raise ProcessKilled(f"killed after step {self.calls}")
            return outcome

        return step


_KILLED_AT_STEP = """
import os, signal, sys
from syncer.backends import replace_file
def kill(step, target):
    if step == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)
replace_file.write_step = kill
from syncer.cli import cli
cli(["sync", sys.argv[1], "--today", "2026-11-26"])
"""


def sync_killed_at(step: str, path: Path, state: Path) -> subprocess.CompletedProcess[bytes]:
    """A real ``syncer sync`` of ``path`` in its own process, killed (SIGKILL) on reaching the
    write step ``step`` (``replace_file.write_step``), its state in ``state``."""
    env = {**os.environ, "SYNCER_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, "-c", _KILLED_AT_STEP, str(path), step], env=env, capture_output=True
    )


def run_uninterrupted(
    folder: Path, suffix: str, synced_before: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, Any]:
    path = make_tracker(folder, suffix)
    if synced_before:
        assert sync(path, OPTIONS)[0].failed is None
    with monkeypatch.context() as patch:
        killer = Killer(patch)
        result, _ = sync(path, LATER if synced_before else OPTIONS)
    assert result.failed is None, result.failed
    return killer.calls, contents(path)


@pytest.mark.parametrize("synced_before", [False, True], ids=["first run", "later run"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_killed_at_each_write_step_then_run_again(
    tmp_path: Path, suffix: str, synced_before: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps, expected = run_uninterrupted(tmp_path / "clean", suffix, synced_before, monkeypatch)
    assert steps >= 4  # a temp file fsynced and renamed, for the backup and the tracker
    options = LATER if synced_before else OPTIONS
    for k in range(1, steps + 1):
        for after in (False, True):
            folder = tmp_path / f"step{k}-{after}"
            path = make_tracker(folder, suffix)
            if synced_before:
                assert sync(path, OPTIONS)[0].failed is None
            original = contents(path)
            with monkeypatch.context() as patch:
                Killer(patch, kill_at=k, after=after)
                with pytest.raises(ProcessKilled):
                    sync(path, options)
            at_kill = contents(path)
            if suffix == ".csv":
                assert at_kill[0] in (original[0], expected[0]), (k, after)
            else:
                assert at_kill in (original, expected), (k, after)
            result, _ = sync(path, options)
            assert result.failed is None, result.failed
            assert result.conflicts == [], (k, after)
            assert contents(path) == expected, (k, after)
            assert not [p.name for p in folder.iterdir() if ".syncer-tmp-" in p.name]


def saved_by_a_person(path: Path) -> None:
    """A person edits a cell of their own and saves, as a spreadsheet app would."""
    if path.suffix == ".csv":
        with path.open("a", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow(["Trey Research", "Analyst", "applied"])
        return
    book = load_workbook(path)
    book.active["Y2"] = "Call back on Monday"
    book.save(path)


def reading_then(action: Callable[[Path], None]) -> Callable[[TrackerConfig], Backend]:
    def opener(config: TrackerConfig) -> Backend:
        backend = open_backend(config)
        real_read = backend.read

        def read() -> SheetData:
            data = real_read()
            action(Path(config.source))
            return data

        backend.read = read  # type: ignore[method-assign]
        return backend

    return opener


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_file_saved_by_a_person_during_the_run_is_not_written(
    tmp_path: Path, suffix: str
) -> None:
    path = make_tracker(tmp_path, suffix)
    result, _ = sync(path, OPTIONS, reading_then(saved_by_a_person))
    assert result.failed is not None and "changed while syncing" in result.failed
    assert result.source == str(path)
    assert result.cells_written == 0
    kept = contents(path)
    if suffix == ".csv":
        assert b"Trey Research" in kept[0] and kept[1] is None
        assert b"Next Action" not in kept[0]
    else:
        assert kept["Applications"][1][1][24] == "Call back on Monday"
        assert "Next Action" not in kept["Applications"][1][0]
    assert not path.with_name(path.name + ".bak").exists()

    again, _ = sync(path, OPTIONS)
    assert again.failed is None, again.failed
    after = contents(path)
    if suffix == ".csv":
        assert b"Trey Research" in after[0] and b"Next Action" in after[0]
    else:
        assert after["Applications"][1][1][24] == "Call back on Monday"
        assert "Next Action" in after["Applications"][1][0]
