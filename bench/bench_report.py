"""Benchmark: what the default report costs. Run by hand; prints numbers.

    python bench/bench_report.py             # 20,000 rows, 5 runs each
    python bench/bench_report.py --rows 100000 --runs 3

A 20,000-row .csv is synced once; then re-syncs (nothing changes) run with the installed
`syncer` in a fresh process each, stdout to a file: with --json, with the default report
(plain, as under cron), with the default report on a "terminal" (FORCE_COLOR, 80 columns), and
with --all. The target (issue 11): the default report within 1.2x the --json run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import write_csv

TODAY = date(2026, 11, 26)
SYNCER = Path(sys.executable).parent / "syncer"


def timed_run(arguments: list[str], out: Path, environment: dict[str, str]) -> float:
    started = time.perf_counter()
    with out.open("wb") as handle:
        subprocess.run(
            [str(SYNCER), *arguments],
            stdout=handle,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=environment,
            check=True,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        tracker = write_csv(root / "tracker.csv", options.rows, TODAY)
        base = {**os.environ, "SYNCER_STATE_DIR": str(root / "state")}
        sync = ["sync", str(tracker), "--today", TODAY.isoformat()]
        timed_run(sync, root / "first.out", base)  # the first sync writes every row
        terminal = {**base, "FORCE_COLOR": "1", "COLUMNS": "80", "TTY_COMPATIBLE": "1"}
        variants = {
            "--json": ([*sync, "--json"], base),
            "report (plain)": (sync, base),
            "report (terminal, 80 cols)": (sync, terminal),
            "--all (plain)": ([*sync, "--all"], base),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        sizes: dict[str, int] = {}
        for _ in range(options.runs):  # interleaved, so machine load hits every variant alike
            for name, (arguments, environment) in variants.items():
                out = root / "out.txt"
                times[name].append(timed_run(arguments, out, environment))
                sizes[name] = out.stat().st_size
        baseline = statistics.median(times["--json"])
        print(f"{options.rows:,}-row .csv re-sync, median of {options.runs} runs")
        for name, values in times.items():
            median = statistics.median(values)
            print(
                f"  {name:<28} {median:6.2f} s  {median / baseline:5.2f}x --json  "
                f"stdout {sizes[name] / 1024:,.0f} KiB"
            )
        ratio = statistics.median(times["report (plain)"]) / baseline
        print(f"default report / --json = {ratio:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
