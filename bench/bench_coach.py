"""Benchmark: a coach's nightly sync of many Google Sheets trackers against binding quotas.

    python bench/bench_coach.py                 # 200 trackers, 120 reads + 120 writes a minute
    python bench/bench_coach.py --n 50 --scale 20
    python bench/bench_coach.py --no-limiter    # the same run without the client-side limiter

Everything runs on the in-process emulator, whose quota enforcement (syncer.emulator.quotas)
answers 429 like Google once a minute's budget is spent. Each request also takes ``--latency``
seconds, as a round trip to Google would.

Time is compressed by ``--scale``: the emulator's quota clock and the client-side limiter both
read a clock that runs ``scale`` times faster than the wall clock (and the limiter's sleeps are
divided by ``scale``), so a quota minute lasts 60/scale real seconds. Latency is given in that
same emulated time (slept for latency/scale real seconds). All the numbers printed below are in
emulated time unless marked "real"; the default scale makes the run last a minute or two.

Targets (coach mode): >= 90 % of the quota bound, zero 429s reaching a tracker, zero failed
trackers.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.config import Quotas, TrackerConfig
from syncer.emulator import SheetsService, new_emulator
from syncer.emulator.core import Emulator
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.quotas import QuotaLimiter
from syncer.emulator.transport import EmulatorAdapter
from syncer.google.backend import SheetsBackend, open_sheet
from syncer.ratelimit import RateLimitedAdapter, RateLimiter
from syncer.sync import RunOptions, sync_all

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 2, 0)
HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date", "Contact Name"]
#: The emulator's anonymous caller: every tracker here uses the same account and project.
USER, PROJECT = "anonymous@emulator.invalid", "emulator"


class ScaledClock:
    """A monotonic clock running ``scale`` times faster than the wall clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.origin = time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() - self.origin) * self.scale

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.scale)


def tracker_rows(index: int) -> list[list[object]]:
    return [
        list[object](HEADER),
        [f"Acme {index}", "Data Analyst", "applied", "2026-11-10", "", ""],
        [f"Beta {index}", "Engineer", "interviewed", "", "2026-11-24", "Dana Reyes"],
        [f"Gamma {index}", "Designer", "interview_scheduled", "", "2026-12-03", ""],
        [f"Delta {index}", "Manager", "rejected", "", "", ""],
    ]


def make_trackers(sheets: SheetsService, n: int) -> list[TrackerConfig]:
    configs = []
    for index in range(n):
        key = sheets.create_spreadsheet(f"client {index}", {"Tracker": tracker_rows(index)})
        # A small grid: the emulator formats whole columns under one lock, and at 1,000 rows
        # its CPU time, not the quota, would bound the run.
        sheets.sheet(key, "Tracker").properties["gridProperties"]["rowCount"] = 20
        url = f"https://docs.google.com/spreadsheets/d/{key}/edit"
        configs.append(TrackerConfig(source=url, name=f"Client {index:03}", timezone="UTC"))
    return configs


def limited_opener(
    emulator: Emulator, limiter: RateLimiter | None
) -> Callable[[TrackerConfig], SheetsBackend]:
    """open_sheet as production mounts it (the configs carry [quotas]), with the limiter swapped
    for one on the scaled clock; or with the limiter taken out, for comparison."""

    def opener(config: TrackerConfig) -> SheetsBackend:
        backend = open_sheet(config, transport=EmulatorAdapter(emulator))
        retrying = backend.session.get_adapter("https://sheets.googleapis.com/")
        limited = retrying.inner  # type: ignore[attr-defined]
        assert isinstance(limited, RateLimitedAdapter), "open_sheet mounts the limiter"
        if limiter is None:
            retrying.inner = limited.inner  # type: ignore[attr-defined]
        else:
            limited.limiter = limiter
        return backend

    return opener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="trackers (default 200)")
    parser.add_argument("--reads", type=int, default=120, help="read quota a minute")
    parser.add_argument("--writes", type=int, default=120, help="write quota a minute")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds a request takes")
    parser.add_argument("--scale", type=float, default=6.0, help="emulated seconds per second")
    parser.add_argument("--no-limiter", action="store_true", help="leave the limiter out")
    args = parser.parse_args()

    clock = ScaledClock(args.scale)
    emulator = new_emulator()
    faults = FaultInjector.install(emulator)  # first: it plays the network
    faults.inject(Fault.slow(args.latency / args.scale, times=None))
    # Per user = per project: one account syncs every tracker, so both bind alike.
    quotas = Quotas(args.reads, args.writes, args.reads, args.writes)
    quota = QuotaLimiter.install(emulator, quotas, clock=clock)
    configs = [
        replace(config, quotas=quotas)
        for config in make_trackers(SheetsService.install(emulator), args.n)
    ]
    emulator.log.clear()
    limiter = None if args.no_limiter else RateLimiter(quotas, clock=clock, sleep=clock.sleep)

    statuses: Counter[int] = Counter()
    counting = threading.Lock()

    def count(entry: dict[str, object]) -> None:
        with counting:
            statuses[int(entry["status"])] += 1  # type: ignore[call-overload]

    emulator.add_log_sink(count)
    started, real_started = clock(), time.perf_counter()
    results = sync_all(
        configs,
        RunOptions(today=TODAY, now=NOW),
        concurrency=args.concurrency,
        opener=limited_opener(emulator, limiter),
    )
    elapsed, real_elapsed = clock() - started, time.perf_counter() - real_started

    reads = sum(n for (_, kind), n in quota.accepted.items() if kind == "read")
    writes = sum(n for (_, kind), n in quota.accepted.items() if kind == "write")
    least = max(reads / args.reads, writes / args.writes) * 60.0
    failed = [r for r in results if r.failed is not None]
    reached = [r for r in failed if "429" in (r.failed or "")]
    minutes = elapsed / 60.0

    print(f"trackers            {len(results)} (concurrency {args.concurrency})")
    print(f"requests            {reads + writes} ({reads} reads, {writes} writes)")
    print(
        f"reads a minute      {reads / minutes:7.1f} of {args.reads}"
        f" ({100 * reads / minutes / args.reads:.1f} %)"
    )
    print(
        f"writes a minute     {writes / minutes:7.1f} of {args.writes}"
        f" ({100 * writes / minutes / args.writes:.1f} %)"
    )
    print(f"wall time           {elapsed:7.1f} s emulated ({real_elapsed:.1f} s real)")
    print(f"least time allowed  {least:7.1f} s ({100 * least / elapsed:.1f} % of the bound)")
    print(f"429s at emulator    {statuses[429]}")
    print(f"429s to a tracker   {len(reached)}")
    print(f"failed trackers     {len(failed)}")
    for result in failed[:5]:
        print(f"  {result.client}: {result.failed}")


if __name__ == "__main__":
    main()
