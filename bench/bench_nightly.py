"""Where people wait: start-up, the nightly re-plan, holidays, memory (issue 13's goals).

Run by hand: ``python bench/bench_nightly.py`` (``--rows N`` for the big tracker, default
100,000). Every number is a ratio measured in this one run, so a noisy machine moves both sides.

- small: a 20-row .csv re-sync against ``python -c pass`` on the same interpreter (median of
  ``--repeat`` runs of each);
- nightly: a first sync, a same-day re-sync and the next day's sync of a big .csv against the
  csv module reading and rewriting that same file;
- holidays: planning 10,000 rows with ``[defaults.holidays]`` against without (min of 3);
- memory: each sync's peak resident memory against the csv module's read + rewrite.

"The csv module's read + rewrite" is what a short script that edits a csv does: read every row
into a list with ``csv.reader``, write them all with ``csv.writer`` to a temp file, fsync,
replace.

How the nightly numbers are taken. Each of the five big commands (the csv module on the fresh
file, the first sync, the csv module on the synced file, the same-day re-sync, the next-day sync)
runs ``--big-repeat`` times (default 3), in rounds that take each command once, in that order,
so a slow minute hits all sides rather than one. Every run starts from the same files: a copy of
the tracker (and its ``<name>.csv.syncer.json``, where one exists) as the command before it left
them in the first round, put into an emptied folder (no ``.bak``, no leftovers), with an empty
state folder (``SYNCER_STATE_DIR``: its own run lock and journal, apart from the person's). Every
run must end as the first round's did: the csv module with the same file, a sync with the same
``--json`` report but for its cell counts (the rows it planned, each row's action). A sync's
Last Synced cells hold the minute it ran, so its tracker differs from run to run, and a run in
the minute its files were synced leaves those cells as they are: it writes one cell fewer in
each planned row (the first round's next-day sync, if it comes that soon). Printed: each
command's minimum wall time and its spread (min-max over the runs), its minimum CPU time, and
ratios of those minima.

Each measured command runs in a fresh interpreter that reports, for the measured part (after the
imports), its wall time; its CPU time, user + system of the process itself plus of the children
it waited for (the planning workers a big sync may fork), as ``os.times()`` counts them but read
from ``getrusage``, whose microseconds a small run does not round to 0; and its peak resident
memory, VmHWM, which starts afresh at exec, unlike ru_maxrss, which a child inherits from its
parent. Where the process had children, their peak (the largest child's ru_maxrss, from
``getrusage(RUSAGE_CHILDREN)``) is printed apart: a forked child's resident memory counts the
pages it still shares with its parent, so the two peaks overlap and do not add up. Memory is the
highest over the runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import HEADERS, generate_rows, write_csv

TODAY = date(2026, 11, 26)
TRACKER = "big.csv"

_REPORT = """
import json, os, resource, sys, time
def _peak_mb():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return 0.0
def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
def _report(wall, cpu, exit_code=0):
    print(json.dumps({
        'seconds': time.perf_counter() - wall,
        'cpu_seconds': _cpu() - cpu,
        'peak_mb': _peak_mb(),
        'children_peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        'exit': exit_code,
    }), file=sys.stderr)
"""

_SYNC = (
    _REPORT
    + """
from syncer.cli import cli
wall, cpu = time.perf_counter(), _cpu()
exit_code = 0
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit as stop:
    exit_code = int(stop.code or 0)
_report(wall, cpu, exit_code)
"""
)

_CSV_BASELINE = (
    _REPORT
    + """
import csv
wall, cpu = time.perf_counter(), _cpu()
source = sys.argv[1]
with open(source, newline='', encoding='utf-8-sig') as inp:
    rows = list(csv.reader(inp))
with open(source + '.tmp', 'w', newline='', encoding='utf-8') as out:
    csv.writer(out).writerows(rows)
    out.flush()
    os.fsync(out.fileno())
os.replace(source + '.tmp', source)
_report(wall, cpu)
"""
)


@dataclass(frozen=True)
class Sample:
    """One run of a measured command, as its interpreter reported it."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    children_peak_mb: float


class Measured:
    """The runs of one big command."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []

    @property
    def seconds(self) -> float:
        return min(sample.seconds for sample in self.samples)

    @property
    def cpu_seconds(self) -> float:
        return min(sample.cpu_seconds for sample in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(sample.peak_mb for sample in self.samples)

    @property
    def children_peak_mb(self) -> float:
        return max(sample.children_peak_mb for sample in self.samples)

    def wall_text(self, width: int = 0) -> str:
        """``9.10 s wall (min of 3, 9.10-9.80)``, the minimum right-aligned in ``width``."""
        slowest = max(sample.seconds for sample in self.samples)
        return (
            f"{self.seconds:{width}.2f} s wall (min of {len(self.samples)},"
            f" {self.seconds:.2f}-{slowest:.2f})"
        )


def _ratio(part: float, whole: float) -> str:
    return f"{part / whole:4.1f}x" if whole else " n/a"


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[Sample, str]:
    """What the command's interpreter reported, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
    )
    lines = done.stderr.strip().splitlines()
    report = json.loads(lines[-1]) if done.returncode == 0 and lines else {}
    exit_code = report.get("exit", done.returncode)
    if exit_code != 0:
        # A run that failed (another run's lock, a crash) is no time to report.
        tail = "\n".join(lines[-20:])
        raise SystemExit(f"bench: {' '.join(args)} failed with exit code {exit_code}:\n{tail}")
    sample = Sample(
        report["seconds"], report["cpu_seconds"], report["peak_mb"], report["children_peak_mb"]
    )
    return sample, done.stdout


def _wall(command: list[str], repeat: int) -> float:
    """Median wall time of a whole command, start-up included."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_small(folder: Path, repeat: int) -> None:
    tracker = folder / "small.csv"
    write_csv(tracker, 20, TODAY)
    sync = [sys.executable, "-m", "syncer", "sync", str(tracker), "--today", TODAY.isoformat()]
    subprocess.run([*sync, "--json"], capture_output=True, check=True)  # the first sync
    bare = _wall([sys.executable, "-c", "pass"], repeat)
    resync = _wall([*sync, "--json"], repeat)
    print(
        f"small: 20-row .csv re-sync {resync * 1000:.0f} ms, python -c pass {bare * 1000:.0f} ms:"
        f" {resync / bare:.1f}x (goal <= 15x)"
    )


def _keep(work: Path, into: Path) -> Path:
    """Copy the tracker and its sidecar (where there is one) from ``work`` into ``into``."""
    into.mkdir()
    for name in (TRACKER, f"{TRACKER}.syncer.json"):
        if (work / name).exists():
            shutil.copy2(work / name, into / name)
    return into


def _put_back(kept: Path, work: Path, state: Path) -> None:
    """Empty ``work`` and ``state``, then copy the kept files into ``work``."""
    for folder in (work, state):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for file in kept.iterdir():
        shutil.copy2(file, work / file.name)


def _outcome(printed: str, work: Path) -> str:
    """What must be the same in every run of a command: a sync's report but for the cells it
    counts, which depend on the minute (see the module docstring), else the file."""
    if printed:
        report = json.loads(printed)
        for counts in (report["summary"], *report["trackers"]):
            for key in ("cells_written", "cells_planned"):
                counts.pop(key)
        return hashlib.sha256(json.dumps(report, sort_keys=True).encode()).hexdigest()
    with open(work / TRACKER, "rb") as tracker:
        return hashlib.file_digest(tracker, "sha256").hexdigest()


def _measure_nightly(folder: Path, rows: int, repeat: int) -> dict[str, Measured]:
    """The five big commands, ``repeat`` rounds of each in turn (see the module docstring)."""
    work, state = folder / "work", folder / "state"
    env = {**os.environ, "SYNCER_STATE_DIR": str(state)}
    fresh = folder / "fresh"
    fresh.mkdir()
    write_csv(fresh / TRACKER, rows, TODAY)
    tracker = str(work / TRACKER)
    day = TODAY.isoformat()
    next_day = (TODAY + timedelta(days=1)).isoformat()
    # Each command, the files it starts from and the kept files its first run leaves, if any.
    commands = (
        ("baseline", (_CSV_BASELINE, tracker), "fresh", None),
        ("first", (_SYNC, "sync", tracker, "--today", day, "--json"), "fresh", "synced"),
        # The csv module's cost on the file as a nightly run finds it: with syncer's columns.
        ("synced baseline", (_CSV_BASELINE, tracker), "synced", None),
        ("same-day", (_SYNC, "sync", tracker, "--today", day, "--json"), "synced", "resynced"),
        ("next-day", (_SYNC, "sync", tracker, "--today", next_day, "--json"), "resynced", None),
    )
    kept = {"fresh": fresh}
    measured = {name: Measured() for name, *_ in commands}
    outcomes: dict[str, str] = {}
    for _ in range(repeat):
        for name, (code, *args), starts_from, leaves in commands:
            _put_back(kept[starts_from], work, state)
            sample, printed = _child(code, *args, env=env)
            measured[name].samples.append(sample)
            outcome = _outcome(printed, work)
            if outcomes.setdefault(name, outcome) != outcome:
                raise SystemExit(f"bench: {name}: this run ended unlike the first round's")
            if leaves is not None and leaves not in kept:
                kept[leaves] = _keep(work, folder / leaves)
    return measured


def bench_nightly(folder: Path, rows: int, repeat: int) -> None:
    measured = _measure_nightly(folder, rows, repeat)
    baseline, synced_baseline = measured["baseline"], measured["synced baseline"]
    print(
        f"nightly ({rows:,} rows): csv module read + rewrite {baseline.wall_text()},"
        f" {baseline.cpu_seconds:.2f} s CPU (fresh file), {synced_baseline.wall_text()},"
        f" {synced_baseline.cpu_seconds:.2f} s CPU (synced file)"
    )
    for name, result, against, goal in (
        ("first sync", measured["first"], baseline, 4.0),
        ("same-day re-sync", measured["same-day"], synced_baseline, 1.5),
        ("next-day sync", measured["next-day"], synced_baseline, 2.5),
    ):
        children = ""
        if result.children_peak_mb:
            children = f"; children's peak {result.children_peak_mb:.0f} MB"
        print(
            f"  {name:17} {result.wall_text(6)}, {result.cpu_seconds:.2f} s CPU"
            f" = {_ratio(result.seconds, against.seconds)} wall (goal <= {goal}x),"
            f" {_ratio(result.cpu_seconds, against.cpu_seconds)} CPU;"
            f" peak {result.peak_mb:5.0f} MB = {_ratio(result.peak_mb, against.peak_mb)}"
            f" the csv module's {against.peak_mb:.0f} MB (goal <= 2x){children}"
        )


def bench_holidays(rows: int) -> None:
    from syncer.backends.base import SheetData
    from syncer.config import TrackerConfig
    from syncer.plan import Planner

    def plan_seconds(config: TrackerConfig) -> float:
        data_rows: list[list[object]] = [list(r) for r in generate_rows(rows, TODAY)]
        data = SheetData(source="bench", header_row=1, header=list(HEADERS), rows=data_rows)  # type: ignore[arg-type]
        planner = Planner(config, TODAY, datetime(2026, 11, 26, 2, 0))
        start = time.perf_counter()
        planner.plan(data)
        return time.perf_counter() - start

    plan_seconds(TrackerConfig(source="warm-up"))
    off = min(plan_seconds(TrackerConfig(source="bench")) for _ in range(3))
    with_holidays = TrackerConfig(source="bench", holidays_country="GB", holidays_subdivision="ENG")
    on = min(plan_seconds(with_holidays) for _ in range(3))
    print(
        f"holidays ({rows:,} rows planned): off {off:.2f} s, on {on:.2f} s: {on / off:.2f}x"
        " (goal <= 1.15x)"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the big tracker")
    parser.add_argument("--repeat", type=_positive, default=10, help="runs of each small command")
    parser.add_argument(
        "--big-repeat", type=_positive, default=3, help="runs of each big command (min is shown)"
    )
    parser.add_argument("--skip-big", action="store_true", help="leave out the big tracker")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Syncs here keep their lock and journals apart from the person's own runs.
        os.environ["SYNCER_STATE_DIR"] = str(folder / "small-state")
        bench_small(folder, arguments.repeat)
        bench_holidays(10_000)
        if not arguments.skip_big:
            bench_nightly(folder, arguments.rows, arguments.big_repeat)


if __name__ == "__main__":
    main()
