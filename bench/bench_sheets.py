"""What a Google Sheets sync costs on the wire: requests, bytes sent, bytes received.

Run by hand: ``python bench/bench_sheets.py`` (``--sizes 50,500,5000``). Each tracker is typed
into the in-process emulator and synced three times through the real gspread / google-auth
code: a first sync, an unchanged sync (the same day again), and a changed sync (1% of the rows'
Stage edited). A counting adapter measures each request's and reply's body.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import date, datetime

from bench.generate import HEADERS, generate_rows
from syncer.columns import column_letter
from syncer.config import TrackerConfig
from syncer.emulator.core import Emulator
from syncer.emulator.sheets import SheetsService
from syncer.emulator.transport import CountingAdapter
from syncer.google.backend import open_sheet
from syncer.google.retry import RetryPolicy
from syncer.sync import RunOptions, sync_tracker

TODAY = date(2026, 11, 26)
OPTIONS = RunOptions(today=TODAY, now=datetime(2026, 11, 26, 21, 5))
NO_RETRY = RetryPolicy(base=0.0, cap=0.0, max_tries=1)


def _sync(emulator: Emulator, config: TrackerConfig) -> tuple[int, int, int]:
    """(requests, bytes sent, bytes received) of one sync."""
    adapter = CountingAdapter(emulator)
    result, _ = sync_tracker(
        config, OPTIONS, opener=lambda c: open_sheet(c, transport=adapter, retry_policy=NO_RETRY)
    )
    if result.failed is not None:
        raise SystemExit(f"the sync failed: {result.failed}")
    sent = sum(len(body) for _, _, body, _ in adapter.exchanges)
    received = sum(len(reply) for _, _, _, reply in adapter.exchanges)
    return len(adapter.exchanges), sent, received


def measure(rows: int) -> dict[str, tuple[int, int, int]]:
    emulator = Emulator()
    sheets = SheetsService.install(emulator)
    key = sheets.create_spreadsheet(
        "Hunt", {"Applications": [HEADERS, *generate_rows(rows, TODAY)]}
    )
    config = TrackerConfig(source=f"https://docs.google.com/spreadsheets/d/{key}/edit")
    numbers = {"first": _sync(emulator, config), "unchanged": _sync(emulator, config)}
    stage = column_letter(HEADERS.index("Stage"))
    for row in range(2, rows + 2, 100):  # 1% of the rows
        sheets.set_cell(key, "Applications", f"{stage}{row}", "rejected")
    numbers["changed (1%)"] = _sync(emulator, config)
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,5000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    print(f"{'rows':>6}  {'sync':<13} {'requests':>8} {'KB sent':>9} {'KB received':>12}")
    for rows in sizes:
        for name, (count, sent, received) in measure(rows).items():
            print(f"{rows:>6}  {name:<13} {count:>8} {sent / 1024:>9.1f} {received / 1024:>12.1f}")


if __name__ == "__main__":
    main()
