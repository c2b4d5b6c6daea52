"""Benchmark: rules, planning + drafts, and full local syncs. Run by hand; prints numbers.

    python bench/bench_core.py            # 1k, 10k, 100k rows
    python bench/bench_core.py --quick    # 1k and 10k only

Targets (issue 2, on a 2-core machine): rules for 100,000 rows < 1 s; planning + drafts for
100,000 rows < 5 s; a 10,000-row .xlsx sync < 10 s; a 100,000-row .csv sync < 5 s with peak
memory < 500 MB. Each full sync runs in a fresh subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
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
