"""bench/bench_nightly.py runs end to end in small, and its big measurements are sound: every
run starts from the same files, and a sync that fails stops the bench rather than being timed.
The numbers themselves are never checked here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_nightly import _SYNC, TRACKER, _child, _put_back  # noqa: E402

_SMALL = ("--rows", "300", "--big-repeat", "2", "--repeat", "1")
_SECONDS = r"\d+\.\d\d s wall \(min of 2, \d+\.\d\d-\d+\.\d\d\), \d+\.\d\d s CPU"
_RATIO_LINE = (
    rf" +{_SECONDS} = +\d+\.\dx wall \(goal <= [\d.]+x\), +\d+\.\dx CPU;"
    r" peak +\d+ MB = +\d+\.\dx the csv module's \d+ MB \(goal <= 2x\)"
)


def test_the_bench_prints_every_ratio_line_in_small() -> None:
    done = subprocess.run(
        [sys.executable, "bench/bench_nightly.py", *_SMALL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    patterns = [
        r"small: 20-row \.csv re-sync \d+ ms, python -c pass \d+ ms: \d+\.\dx \(goal <= 15x\)",
        r"holidays \(10,000 rows planned\): off \d+\.\d\d s, on \d+\.\d\d s: \d+\.\d\dx",
        rf"nightly \(300 rows\): csv module read \+ rewrite {_SECONDS} \(fresh file\),"
        rf" {_SECONDS} \(synced file\)",
        "  first sync" + _RATIO_LINE,
        "  same-day re-sync" + _RATIO_LINE,
        "  next-day sync" + _RATIO_LINE,
    ]
    assert len(lines) == len(patterns), done.stdout
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.match(pattern, line), (pattern, line)


def test_putting_back_leaves_only_the_kept_files(tmp_path: Path) -> None:
    kept, work, state = tmp_path / "kept", tmp_path / "work", tmp_path / "state"
    kept.mkdir()
    (kept / TRACKER).write_text("a,b\n1,2\n")
    (kept / f"{TRACKER}.syncer.json").write_text("{}")
    for folder in (work, state):
        folder.mkdir()
    (work / TRACKER).write_text("changed\n")
    for leftover in (f"{TRACKER}.bak", f".{TRACKER}.tmp-1", f"{TRACKER}.syncer.json"):
        (work / leftover).write_text("left by the last run")
    (state / "run.lock").write_text("1")

    _put_back(kept, work, state)

    assert sorted(path.name for path in work.iterdir()) == [TRACKER, f"{TRACKER}.syncer.json"]
    assert (work / TRACKER).read_text() == "a,b\n1,2\n"
    assert (work / f"{TRACKER}.syncer.json").read_text() == "{}"
    assert list(state.iterdir()) == []


def test_a_sync_that_fails_stops_the_bench(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(SystemExit, match=r"missing\.csv .* failed with exit code 1"):
        _child(_SYNC, "sync", str(missing), "--today", "2026-11-26", "--json")
