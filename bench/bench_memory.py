"""Benchmark: peak memory of a whole ``syncer sync`` of a big .csv. Run by hand; prints numbers.

    python bench/bench_memory.py                      # 100,000 and 1,600,000 rows
    python bench/bench_memory.py --rows 100000        # one size
    python bench/bench_memory.py --table              # also the run that prints the table
    python bench/bench_memory.py --rows 3200000       # twice the rows: the same peak

A csv of more than 120,000 rows, or of 100 MB or more (25 MB before its first sync), is
synced as a stream (``CsvBackend.read_streamed``); 100,000 rows (17 MB, 61 MB once synced)
are read whole. Each night's line says which path it took.

Each measured run is the installed CLI (``python -m syncer sync FILE --today ...``) in a fresh
child process; its peak resident set size is that child's own, from ``os.wait4`` (the rusage
of the one child waited for), so nothing of this parent or of generating the file is counted.
Two nights are measured, with ``--json`` to /dev/null (as cron runs it): the first sync (adds
syncer's 7 columns, drafts for the rows due soon) and the next night (nothing changed); with
``--table`` also a night that prints the table of what is due. Goal (issue 10): under 500 MB
at any size. Each night's time is also printed per row (ms/row), so the streamed and the
in-memory path compare at different sizes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from syncer.backends.csvfile import FIRST_SYNC_STREAM_FROM_BYTES, STREAM_FROM_BYTES

TODAY = date(2026, 11, 26)
GOAL_MB = 500


def make_csv(path: Path, rows: int) -> None:
    """A generated tracker, written in batches in a child so the parent stays small."""
    code = (
        "import sys; from datetime import date; from pathlib import Path\n"
        "sys.path.insert(0, sys.argv[3])\n"
        "from bench.generate import HEADERS, generate_rows\n"
        "import csv\n"
        "rows, path = int(sys.argv[1]), Path(sys.argv[2])\n"
        "with path.open('w', newline='', encoding='utf-8') as handle:\n"
        "    out = csv.writer(handle)\n"
        "    out.writerow(HEADERS)\n"
        "    for start in range(0, rows, 50_000):\n"
        "        batch = generate_rows(min(50_000, rows - start), date(2026, 11, 26), seed=start)\n"
        "        for i, row in enumerate(batch):\n"
        "            row[0] = f'Company {start + i}'\n"
        "        out.writerows(batch)\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    subprocess.run([sys.executable, "-c", code, str(rows), str(path), root], check=True)


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak MB, exit status) of one child ``python -m syncer`` run.

    ``os.wait4`` returns the resource usage of that one child, so its ``ru_maxrss`` (KiB on
    Linux) is its own high-water mark, not the parent's or another child's.
    """
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "syncer", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if child.returncode not in (0, 1):
        raise SystemExit(f"syncer exited {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024, child.returncode


def streams(path: Path) -> bool:
    """Whether syncer will sync the file as a stream (``CsvBackend.read_streamed``)."""
    synced = path.with_name(path.name + ".syncer.json").exists()
    return path.stat().st_size >= (STREAM_FROM_BYTES if synced else FIRST_SYNC_STREAM_FROM_BYTES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--table", action="store_true", help="also measure the table output")
    options = parser.parse_args()
    for rows in options.rows or [100_000, 1_600_000]:
        run(rows, with_table=options.table)


def run(rows: int, *, with_table: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="syncer-bench-memory-") as folder:
        path = Path(folder) / "tracker.csv"
        make_csv(path, rows)
        size_mb = path.stat().st_size / 1e6
        env = {**os.environ, "SYNCER_STATE_DIR": str(Path(folder) / "state")}
        common = ["sync", str(path), "--today", TODAY.isoformat(), "--force"]
        nights = [
            ("first sync, --json", [*common, "--json"]),
            ("next night, nothing changed, --json", [*common, "--json"]),
        ]
        if with_table:
            nights.append(("next night, the table", common))
        print(f"{rows:,} rows, {size_mb:.0f} MB csv", flush=True)
        for label, args in nights:
            way = "streamed" if streams(path) else "in memory"
            seconds, peak, status = measure(args, env)
            verdict = "ok" if peak < GOAL_MB else f"over the {GOAL_MB} MB goal"
            per_row = seconds / rows * 1e3
            print(
                f"  {label:38} {seconds:7.1f} s  {per_row:6.3f} ms/row  peak {peak:7.0f} MB  "
                f"exit {status}  {verdict}  ({way})",
                flush=True,
            )


if __name__ == "__main__":
    main()
