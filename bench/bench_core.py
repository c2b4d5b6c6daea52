"""Benchmark: rules, planning + drafts, and full local syncs. Run by hand; prints numbers.

    python bench/bench_core.py            # 1k, 10k, 100k rows
    python bench/bench_core.py --quick    # 1k and 10k only
    python bench/bench_core.py --xlsx-state   # the _syncer sheet: whole rewrite vs patch

Targets (issue 2, on a 2-core machine): rules for 100,000 rows < 1 s; planning + drafts for
100,000 rows < 5 s; a 10,000-row .xlsx sync < 10 s; a 100,000-row .csv sync < 5 s with peak
memory < 500 MB. Each full sync runs in a fresh subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import HEADERS, generate_rows, write_csv, write_xlsx
from syncer.backends.base import SheetData
from syncer.columns import resolve_columns
from syncer.config import TrackerConfig
from syncer.parse import RowParser
from syncer.plan import Planner
from syncer.rules import decide

TODAY = date(2026, 11, 26)


def bench_rules(n: int) -> float:
    header: list[object] = list(HEADERS)
    rows = generate_rows(n, TODAY)
    parser = RowParser(resolve_columns("bench", header), header)
    apps = [parser.parse(row)[0] for row in rows]
    start = time.perf_counter()
    for app in apps:
        decide(app, TODAY)
    return time.perf_counter() - start


def bench_plan(n: int) -> tuple[float, int]:
    rows: list[list[object]] = [list(r) for r in generate_rows(n, TODAY)]
    data = SheetData(source="bench", header_row=1, header=list(HEADERS), rows=rows)  # type: ignore[arg-type]
    planner = Planner(TrackerConfig(source="bench"), TODAY, datetime(2026, 11, 26, 2, 0))
    start = time.perf_counter()
    plan = planner.plan(data)
    elapsed = time.perf_counter() - start
    drafts = sum(1 for u in plan.updates if u.column == "Draft")
    return elapsed, drafts


def per_row(seconds: float, rows: int) -> str:
    return f"({seconds / rows * 1e6:5.1f} µs/row)"


def full_sync(path: Path) -> dict[str, float]:
    """One `syncer sync` in a fresh process: wall time and peak RSS (MB)."""
    code = (
        "import sys, time, json\n"
        "from syncer.cli import cli\n"
        "t = time.perf_counter()\n"
        "try:\n"
        f"    cli(['sync', {str(path)!r}, '--today', '2026-11-26', '--json'],"
        " standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "elapsed = time.perf_counter() - t\n"
        # VmHWM starts afresh at exec; ru_maxrss would start at this (big) parent's peak.
        "peak = next(int(line.split()[1]) for line in open('/proc/self/status')"
        " if line.startswith('VmHWM:')) / 1024\n"
        "print(json.dumps({'seconds': elapsed, 'peak_mb': peak}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


_STATE_SYNC = """
import json, shutil, sys, time
from datetime import datetime
import syncer.sync
from syncer.backends import xlsx_write
from syncer.cli import cli
class _Night(datetime):  # both runs stamp the same Last Synced, so their states compare
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 11, 27, 2, 0, tzinfo=tz)
syncer.sync.datetime = _Night
whole = sys.argv[1] == "whole"
stats = {"state_seconds": 0.0, "state_bytes": 0, "rows_written": 0}
store, full = xlsx_write._store_state, xlsx_write.state_sheet_xml
patch = xlsx_write.patched_state_xml
def timed_store(*args):  # CPU time: the machine's other load does not count
    started = time.process_time()
    store(*args)
    stats["state_seconds"] += time.process_time() - started
def counted_full(rows):
    xml = full(rows)
    stats["state_bytes"] += len(xml)
    stats["rows_written"] = len(rows)
    return xml
def counted_patch(*args):
    done = None if whole else patch(*args)
    if done is not None:
        stats["state_bytes"] += done.bytes_written
        stats["rows_written"] = done.rows_written
    return done
xlsx_write._store_state = timed_store
xlsx_write.state_sheet_xml = counted_full
xlsx_write.patched_state_xml = counted_patch
started = time.perf_counter()
try:
    cli(["sync", sys.argv[2], "--today", sys.argv[3], "--json"], standalone_mode=False)
except SystemExit:
    pass
stats["seconds"] = time.perf_counter() - started
print(json.dumps(stats), file=sys.stderr)
"""


def bench_xlsx_state(folder: Path, rows: int) -> None:
    """A next-day .xlsx sync with the _syncer sheet rewritten whole (as before) and patched."""
    from syncer.backends.xlsx import XlsxBackend

    synced = write_xlsx(folder / f"state-{rows}.xlsx", rows, TODAY)
    full_sync(synced)
    next_day = date.fromordinal(TODAY.toordinal() + 1).isoformat()
    results = {}
    for mode in ("whole", "patch"):
        copy = folder / f"state-{rows}-{mode}.xlsx"
        shutil.copy(synced, copy)
        done = subprocess.run(
            [sys.executable, "-c", _STATE_SYNC, mode, str(copy), next_day],
            capture_output=True,
            text=True,
            check=True,
        )
        results[mode] = json.loads(done.stderr.strip().splitlines()[-1])
        results[mode]["state"] = XlsxBackend(copy).read().state
    whole, patch = results["whole"], results["patch"]
    assert whole["state"] == patch["state"], "the patched sheet must read as the whole one"
    share = patch["rows_written"] / rows
    print(
        f"xlsx state {rows:>7,} rows, next day ({share:.0%} of rows' state changed): sync "
        f"{whole['seconds']:.2f} s -> {patch['seconds']:.2f} s; state sheet "
        f"{whole['state_seconds']:.3f} -> {patch['state_seconds']:.3f} CPU s, "
        f"{whole['state_bytes'] / 1e6:.1f} MB -> {patch['state_bytes'] / 1e6:.2f} MB of XML "
        "serialised"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--xlsx-state", action="store_true", help="only the 10k and 50k .xlsx state sheet"
    )
    args = parser.parse_args()
    if args.xlsx_state:
        with tempfile.TemporaryDirectory() as folder:
            for rows in (10_000, 50_000):
                bench_xlsx_state(Path(folder), rows)
        return
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print(f"python {sys.version.split()[0]}; rows; seconds (and microseconds per row)")
    for n in sizes:
        elapsed = bench_rules(n)
        print(f"rules           {n:>7,} rows: {elapsed:7.3f} s  {per_row(elapsed, n)}")
    for n in sizes:
        elapsed, drafts = bench_plan(n)
        print(
            f"plan + drafts   {n:>7,} rows: {elapsed:7.3f} s  {per_row(elapsed, n)}"
            f"  ({drafts:,} drafts rendered)"
        )
    with tempfile.TemporaryDirectory() as folder:
        xlsx = write_xlsx(Path(folder) / "bench.xlsx", 10_000, TODAY)
        first = full_sync(xlsx)
        second = full_sync(xlsx)
        print(
            f"sync .xlsx       10,000 rows: {first['seconds']:7.3f} s first, "
            f"{second['seconds']:.3f} s unchanged; peak {first['peak_mb']:.0f} MB"
        )
        csv_rows = 10_000 if args.quick else 100_000
        csv_path = write_csv(Path(folder) / "bench.csv", csv_rows, TODAY)
        first = full_sync(csv_path)
        second = full_sync(csv_path)
        print(
            f"sync .csv       {csv_rows:>7,} rows: {first['seconds']:7.3f} s first, "
            f"{second['seconds']:.3f} s unchanged; peak {first['peak_mb']:.0f} MB first, "
            f"{second['peak_mb']:.0f} MB unchanged"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(bench process peak RSS {peak:.0f} MB)")


if __name__ == "__main__":
    main()
