"""Soak benchmark: a night's sync of many Google Sheets trackers while requests fail at random.

    python bench/bench_soak.py                      # 100 trackers, 20 % of requests failing
    python bench/bench_soak.py --n 20 --rate 0.3 --seed 7

Run A syncs every tracker on a fault-free in-process emulator (Sheets, Drive, Docs, OAuth; each
tracker signs in with a service-account key, so the token grant crosses the network too). Run B
syncs the same trackers, freshly created on a second emulator, while ``--rate`` of all requests
fail at random (seeded): 429, 500, 503, Drive's rate-limit 403, a reply slower than the client's
read timeout (the request took effect, the client sees ``ReadTimeout``), a connection reset
before the server saw the request, and one after it applied a request.

Then every cell of every tab of every tracker in B (the tracker tab and the hidden ``_syncer``
state sheet) is compared with A. A tracker that failed in B despite the retries gets a second,
fault-free "next night" run (same date, so its plan is A's) before it is compared again.

Retries do not really wait: the backoff and the network's waits run ``--scale`` times faster
than the wall clock, and are reported in emulated seconds beside the real wall time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.config import TrackerConfig
from syncer.emulator.core import Emulator
from syncer.emulator.docs import DocsService
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.oauth import OAuthService, make_service_account_key
from syncer.emulator.sheets import SheetsService
from syncer.emulator.transport import EmulatorAdapter
from syncer.google.backend import SheetsBackend, open_sheet
from syncer.google.retry import RetryingAdapter
from syncer.results import TrackerResult
from syncer.sync import RunOptions, sync_all

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 2, 0)
OPTIONS = RunOptions(today=TODAY, now=NOW)
ROBOT = "nightly@coaching-soak.iam.gserviceaccount.com"
HEADER = [
    "Company",
    "Position",
    "Stage",
    "Contact Name",
    "Preferred Channel",
    "Applied On",
    "Interview Date",
    "Thank-You Sent",
    "Follow-Ups Sent",
    "Offer Received",
    "Offer Decision",
    "Rejected On",
    "Topics Discussed",
    "Notes",
    "Draft",
]
#: A reply this late is past any read timeout the client sets (Google itself gives up at 180 s).
TIMEOUT_DELAY = 600.0
SOAK_FAULTS = (
    Fault.error(429),
    Fault.error(500),
    Fault.error(503),
    Fault.error(403),  # Drive/Sheets "rateLimitExceeded"
    Fault.slow(TIMEOUT_DELAY),  # applied by the server, reply lost to the read timeout
    Fault.dropped(),  # connection reset before the server saw the request
    Fault.apply_then_drop(),  # connection reset after the server applied the request
)
#: The fault injector's names for the kinds above, as the report prints them.
FAULT_LABELS = {
    "403": "403 rate limit",
    "delay": "read timeout (applied)",
    "drop": "reset (not applied)",
    "apply_then_drop": "reset (applied)",
}


def tracker_rows(index: int) -> list[list[object]]:
    """A few applications at different stages; dates shift with ``index`` so plans differ."""
    shift = index % 6

    def day(offset: int) -> str:
        return (TODAY - timedelta(days=offset + shift)).isoformat()

    def row(**cells: object) -> list[object]:
        by_header = {name.replace("_", " "): value for name, value in cells.items()}
        labels = [header.replace("-", " ").lower() for header in HEADER]
        assert set(by_header) <= set(labels), f"not in HEADER: {set(by_header) - set(labels)}"
        return [by_header.get(label, "") for label in labels]

    upcoming = (TODAY + timedelta(days=2 + shift)).isoformat()
    own_draft = "my own draft, do not touch" if index % 4 == 0 else ""
    return [
        list[object](HEADER),
        row(
            company=f"Acme {index}",
            position="Data Analyst",
            stage="applied",
            contact_name="Sam Lee",
            applied_on=day(9),
            follow_ups_sent=index % 3,
        ),
        row(
            company=f"Beta {index}",
            position="Engineer",
            stage="interviewed",
            contact_name="Dana Reyes",
            preferred_channel=("email", "phone", "letter")[index % 3],
            applied_on=day(20),
            interview_date=day(1),
            topics_discussed="the data platform" if index % 2 else "",
        ),
        row(
            company=f"Gamma {index}",
            position="Designer",
            stage="Interview Scheduled",
            contact_name="Ola Nord",
            applied_on=day(15),
            interview_date=upcoming,
        ),
        row(
            company=f"Delta {index}",
            position="Manager",
            stage="rejected",
            applied_on=day(30),
            interview_date=day(12),
            thank_you_sent=day(11),
            follow_ups_sent=1,
            rejected_on=day(3),
        ),
        row(
            company=f"Epsilon {index}",
            position="Analyst",
            stage="offer",
            contact_name="Kim Park",
            applied_on=day(40),
            interview_date=day(20),
            thank_you_sent=day(19),
            offer_received=day(1),
            offer_decision=("accept", "negotiate", "undecided")[index % 3],
        ),
        row(company=f"Zeta {index}", position="Lead", stage="wishlist", notes="maybe"),
        row(
            company=f"Eta {index}",
            position="Engineer",
            stage="applied",
            applied_on=day(3),
            draft=own_draft,
        ),
    ]


class CompressedTime:
    """Sleeps ``scale`` times faster than asked, and adds up the seconds it was asked for."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.seconds = 0.0
        self._adding = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._adding:
            self.seconds += max(0.0, seconds)
        time.sleep(max(0.0, seconds) / self.scale)


@dataclass
class World:
    """One emulator holding ``n`` trackers, and what a night on it cost."""

    emulator: Emulator
    sheets: SheetsService
    faults: FaultInjector
    configs: list[TrackerConfig]
    backoff: CompressedTime
    waiting: CompressedTime
    adapters: list[RetryingAdapter] = field(default_factory=list)
    _registering: threading.Lock = field(default_factory=threading.Lock)

    def opener(self, seed: int) -> Callable[[TrackerConfig], SheetsBackend]:
        """open_sheet as production calls it, with its sleeps compressed and its jitter seeded."""

        def open_compressed(config: TrackerConfig) -> SheetsBackend:
            backend = open_sheet(config, transport=EmulatorAdapter(self.emulator))
            for retrying in retrying_adapters(backend):
                retrying.sleep = self.backoff.sleep
                retrying.rng = random.Random(f"{seed}/{config.name}")
                if isinstance(retrying.inner, EmulatorAdapter):
                    retrying.inner.sleep = self.waiting.sleep
                with self._registering:
                    self.adapters.append(retrying)
            return backend

        return open_compressed

    def counters(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for adapter in {id(a): a for a in self.adapters}.values():
            total.update(adapter.counters())
        return total

    def snapshot(self, index: int) -> dict[str, dict[tuple[int, int], Any]]:
        """Every stored cell of every tab of tracker ``index``: value, format, note."""
        key = key_of(self.configs[index])
        book = self.sheets.spreadsheet(key)
        return {
            sheet.title: {place: cell for place, cell in sheet.cells.items() if cell}
            for sheet in book.sheets
        }


def retrying_adapters(backend: SheetsBackend) -> list[RetryingAdapter]:
    """The retrying adapters of a backend's session: its calls', and its token refresh's."""
    found = [backend.session.get_adapter("https://sheets.googleapis.com/")]
    auth_request = getattr(backend.session, "_auth_request", None)
    refresh = getattr(auth_request, "session", None)
    if refresh is not None:
        found.append(refresh.get_adapter("https://oauth2.googleapis.com/"))
    return [adapter for adapter in found if isinstance(adapter, RetryingAdapter)]


def key_of(config: TrackerConfig) -> str:
    return config.source.split("/d/")[1].split("/")[0]


def write_key_file(directory: Path) -> tuple[Path, dict[str, str]]:
    info, _ = make_service_account_key(ROBOT, "coaching-soak")
    path = directory / "robot.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, 0o600)
    return path, info


def build_world(
    n: int, key_file: Path | None, key_info: dict[str, str] | None, scale: float
) -> World:
    """A fresh emulator with Sheets, Drive, Docs and OAuth, holding trackers 0..n-1, synced as
    the service account of ``key_file`` (anonymously without one)."""
    emulator = Emulator()
    faults = FaultInjector(emulator)
    emulator.before.insert(0, faults.before_hook)  # first: it plays the network
    emulator.after.append(faults.after_hook)
    sheets = SheetsService.install(emulator)
    DocsService.install(emulator)
    oauth = OAuthService.install(emulator)
    if key_info is not None:
        oauth.register_key_info(key_info)
    configs = []
    for index in range(n):
        key = sheets.create_spreadsheet(f"Client {index}", {"Applications": tracker_rows(index)})
        sheets.share(key, ROBOT)
        # A small grid: formatting a whole 1,000-row column under the emulator's one lock would
        # make the emulator's CPU, not the faults, the subject of the benchmark.
        sheets.sheet(key, "Applications").properties["gridProperties"]["rowCount"] = 20
        url = f"https://docs.google.com/spreadsheets/d/{key}/edit"
        configs.append(
            TrackerConfig(
                source=url,
                name=f"Client {index:03}",
                timezone="UTC",
                credentials=key_file,
                candidate_name="Alex Doe",
            )
        )
    return World(emulator, sheets, faults, configs, CompressedTime(scale), CompressedTime(scale))


@dataclass
class Night:
    results: list[TrackerResult]
    seconds: float  # real

    @property
    def failed(self) -> list[int]:
        return [i for i, result in enumerate(self.results) if result.failed is not None]


def run_night(world: World, configs: Sequence[TrackerConfig], concurrency: int, seed: int) -> Night:
    started = time.perf_counter()
    results = sync_all(configs, OPTIONS, concurrency=concurrency, opener=world.opener(seed))
    return Night(results, time.perf_counter() - started)


@dataclass
class SoakReport:
    trackers: int
    night_a: Night
    night_b: Night
    requests_a: int
    requests_b: int
    faults: Counter[str]
    retries: Counter[str]
    backoff_seconds: float
    waited_seconds: float
    identical_after_b: list[int]  # trackers identical to A right after the faulty night
    last_request: dict[int, str]  # a tracker that failed in B -> its last request in B
    rerun: Night | None  # the fault-free next night of the trackers that failed in B
    identical: list[int]  # trackers identical to A at the end
    differing: dict[int, str]  # tracker -> the first difference found


def first_difference(
    expected: dict[str, dict[tuple[int, int], Any]], actual: dict[str, dict[tuple[int, int], Any]]
) -> str | None:
    if list(expected) != list(actual):
        return f"tabs {list(actual)} instead of {list(expected)}"
    for title, cells in expected.items():
        theirs = actual[title]
        for place in sorted(set(cells) | set(theirs)):
            if cells.get(place) != theirs.get(place):
                row, column = place
                return (
                    f"{title!r} row {row + 1} column {column + 1}: "
                    f"{theirs.get(place)!r} instead of {cells.get(place)!r}"
                )
    return None


def last_requests(world: World, failed: Sequence[int]) -> dict[int, str]:
    """The last request each failed tracker sent ("POST /v4/spreadsheets/{key}:batchUpdate")."""
    found = {}
    for index in failed:
        key = key_of(world.configs[index])
        mine = [entry for entry in world.emulator.log if key in str(entry["path"])]
        if mine:
            entry = mine[-1]
            path = str(entry["path"]).replace(key, "{key}")
            status = entry["status"] or "connection reset"
            found[index] = f"{entry['method']} {path} -> {status}"
    return found


def compare(a: World, b: World, n: int) -> tuple[list[int], dict[int, str]]:
    same, differing = [], {}
    for index in range(n):
        difference = first_difference(a.snapshot(index), b.snapshot(index))
        if difference is None:
            same.append(index)
        else:
            differing[index] = difference
    return same, differing


def soak(
    n: int = 100,
    rate: float = 0.2,
    seed: int = 1,
    concurrency: int = 6,
    scale: float = 1000.0,
    faults: tuple[Fault, ...] = SOAK_FAULTS,
    path: str | None = None,
    sign_in: bool = True,
) -> SoakReport:
    """Night A without faults, night B with ``rate`` of the requests (those whose path matches
    ``path``, if given) failing, a fault-free rerun of B's failed trackers; then compare.
    ``sign_in=False`` skips the service account (each tracker parses its RSA key: ~80 ms)."""
    with tempfile.TemporaryDirectory(prefix="syncer-soak-") as directory:
        key_file, key_info = write_key_file(Path(directory)) if sign_in else (None, None)
        a = build_world(n, key_file, key_info, scale)
        night_a = run_night(a, a.configs, concurrency, seed)
        b = build_world(n, key_file, key_info, scale)
        b.faults.random_faults(rate, seed=seed, faults=faults, path=path)
        night_b = run_night(b, b.configs, concurrency, seed)
        requests_b = len(b.emulator.log)
        retries = b.counters()
        identical_after_b, _ = compare(a, b, n)
        last_request = last_requests(b, night_b.failed)
        rerun = None
        if night_b.failed:
            b.faults.clear()
            again = [replace(b.configs[i]) for i in night_b.failed]
            rerun = run_night(b, again, concurrency, seed + 1)
        identical, differing = compare(a, b, n)
        return SoakReport(
            trackers=n,
            night_a=night_a,
            night_b=night_b,
            requests_a=len(a.emulator.log),
            requests_b=requests_b,
            faults=Counter({k: v for k, v in b.faults.injected.items() if k != "random"}),
            retries=retries,
            backoff_seconds=b.backoff.seconds,
            waited_seconds=b.waiting.seconds,
            identical_after_b=identical_after_b,
            last_request=last_request,
            rerun=rerun,
            identical=identical,
            differing=differing,
        )


def print_report(report: SoakReport, rate: float, seed: int, concurrency: int) -> None:
    b = report.night_b
    injected = sum(report.faults.values())
    kinds = ", ".join(
        f"{FAULT_LABELS.get(kind, kind)} {count}" for kind, count in sorted(report.faults.items())
    )
    failed_a = len(report.night_a.failed)
    print(f"trackers             {report.trackers} (concurrency {concurrency})")
    print(f"run A (fault-free)   {report.requests_a} requests, {failed_a} failed trackers")
    print(f"run B requests sent  {report.requests_b} (fault rate {rate:.0%}, seed {seed})")
    print(f"faults injected      {injected}: {kinds}")
    print(
        f"retries              {report.retries['retries']} "
        f"(tries {report.retries['tries']}, gave up {report.retries['gave_up']})"
    )
    print(f"failed after retries {len(b.failed)}")
    for index in b.failed:
        print(f"  {b.results[index].client}: {b.results[index].failed}")
        print(f"    last request: {report.last_request.get(index, '(none to its spreadsheet)')}")
    same_b = len(report.identical_after_b)
    print(f"identical after B    {same_b} of {report.trackers}")
    if report.rerun is not None:
        healed = len(report.rerun.results) - len(report.rerun.failed)
        print(
            f"next night (no faults) for the {len(report.rerun.results)} failed: "
            f"{healed} synced, {len(report.rerun.failed)} failed"
        )
    print(f"identical to run A   {len(report.identical)} of {report.trackers}")
    for index, difference in list(report.differing.items())[:5]:
        print(f"  Client {index:03}: {difference}")
    print(f"wall time A          {report.night_a.seconds:.2f} s real")
    print(f"wall time B          {b.seconds:.2f} s real")
    print(f"backoff sleep (B)    {report.backoff_seconds:.1f} s emulated, summed over trackers")
    print(f"network waits (B)    {report.waited_seconds:.1f} s emulated (read timeouts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="trackers (default 100)")
    parser.add_argument("--rate", type=float, default=0.2, help="share of requests failing")
    parser.add_argument("--seed", type=int, default=1, help="seed of the faults and the jitter")
    parser.add_argument("--concurrency", type=int, default=6, help="trackers synced at once")
    parser.add_argument("--scale", type=float, default=1000.0, help="emulated seconds per second")
    args = parser.parse_args()
    logging.getLogger("syncer").setLevel(logging.ERROR)  # the report lists the failures itself
    report = soak(args.n, args.rate, args.seed, args.concurrency, args.scale)
    print_report(report, args.rate, args.seed, args.concurrency)
    if len(report.identical) != report.trackers or report.night_a.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
