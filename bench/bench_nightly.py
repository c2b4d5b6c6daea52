"""Where people wait: start-up, the nightly re-plan, holidays, memory (issue 13's goals).

Run by hand: ``python bench/bench_nightly.py`` (``--rows N`` for the big tracker, default
100,000). Every number is a ratio measured in this one run, so a noisy machine moves both sides.

- small: a 20-row .csv re-sync against ``python -c pass`` on the same interpreter;
- nightly: a first sync, a same-day re-sync and the next day's sync of a big .csv against the
  csv module reading and rewriting that same file;
- holidays: planning 10,000 rows with ``[defaults.holidays]`` against without;
- memory: each sync's peak resident memory against the csv module's read + rewrite.

"The csv module's read + rewrite" is what a short script that edits a csv does: read every row
into a list with ``csv.reader``, write them all with ``csv.writer`` to a temp file, fsync,
replace.

Each measured command runs in a fresh interpreter that reports its own time and its own peak
(VmHWM, which starts afresh at exec, unlike ru_maxrss, which a child inherits from its parent).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import HEADERS, generate_rows, write_csv

TODAY = date(2026, 11, 26)

_REPORT = """
import json, sys, time
def _peak_mb():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return 0.0
"""

_SYNC = (
    _REPORT
    + """
from syncer.cli import cli
t = time.perf_counter()
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({'seconds': time.perf_counter() - t, 'peak_mb': _peak_mb()}), file=sys.stderr)
"""
)

_CSV_BASELINE = (
    _REPORT
    + """
import csv, os
t = time.perf_counter()
source = sys.argv[1]
with open(source, newline='', encoding='utf-8-sig') as inp:
    rows = list(csv.reader(inp))
with open(source + '.tmp', 'w', newline='', encoding='utf-8') as out:
    csv.writer(out).writerows(rows)
    out.flush()
    os.fsync(out.fileno())
os.replace(source + '.tmp', source)
print(json.dumps({'seconds': time.perf_counter() - t, 'peak_mb': _peak_mb()}), file=sys.stderr)
"""
)


def _child(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def _wall(command: list[str], repeat: int) -> float:
    """Median wall time of a whole command, start-up included."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
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


def bench_nightly(folder: Path, rows: int) -> None:
    pristine = folder / "pristine.csv"
    write_csv(pristine, rows, TODAY)
    baseline_copy = folder / "baseline.csv"
    shutil.copy(pristine, baseline_copy)
    baseline = _child(_CSV_BASELINE, str(baseline_copy))

    tracker = folder / "big.csv"
    shutil.copy(pristine, tracker)
    day = TODAY.isoformat()
    next_day = (TODAY + timedelta(days=1)).isoformat()
    first = _child(_SYNC, "sync", str(tracker), "--today", day, "--json")
    # The csv module's cost on the file as a nightly run finds it: with syncer's columns.
    synced_copy = folder / "synced-baseline.csv"
    shutil.copy(tracker, synced_copy)
    synced_baseline = _child(_CSV_BASELINE, str(synced_copy))
    same_day = _child(_SYNC, "sync", str(tracker), "--today", day, "--json")
    following = _child(_SYNC, "sync", str(tracker), "--today", next_day, "--json")

    print(
        f"nightly ({rows:,} rows): csv module read + rewrite {baseline['seconds']:.2f} s"
        f" (fresh file), {synced_baseline['seconds']:.2f} s (synced file)"
    )
    for name, result, against, goal in (
        ("first sync", first, baseline, 4.0),
        ("same-day re-sync", same_day, synced_baseline, 1.5),
        ("next-day sync", following, synced_baseline, 2.5),
    ):
        ratio = result["seconds"] / against["seconds"]
        print(
            f"  {name:17} {result['seconds']:6.2f} s = {ratio:4.1f}x"
            f" (goal <= {goal}x); peak {result['peak_mb']:5.0f} MB"
            f" = {result['peak_mb'] / against['peak_mb']:4.1f}x the csv module's"
            f" {against['peak_mb']:.0f} MB (goal <= 2x)"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the big tracker")
    parser.add_argument("--repeat", type=int, default=10, help="runs of each small command")
    parser.add_argument("--skip-big", action="store_true", help="leave out the big tracker")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_small(folder, arguments.repeat)
        bench_holidays(10_000)
        if not arguments.skip_big:
            bench_nightly(folder, arguments.rows)


if __name__ == "__main__":
    main()
