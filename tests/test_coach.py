"""Coach mode: 50 clients' Google Sheets trackers on the emulator, two of which cannot be synced.

One sheet was never shared with the coach's account (403), one key points at a deleted sheet
(404). The other 48 sync; both failures name the client and the reason, in the results and in
the digest; results come back in the config's order even when trackers finish out of order.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from syncer.config import TrackerConfig
from syncer.digest import write_digest
from syncer.emulator import SheetsService, new_emulator
from syncer.emulator.core import Emulator
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.transport import EmulatorAdapter
from syncer.google.backend import open_sheet
from syncer.results import TrackerResult
from syncer.sync import RunOptions, sync_all
from tests.coach_roster import (
    CLIENTS,
    DELETED,
    UNSHARED,
    build_roster,
    client_name,
    sheet_url,
)

TODAY = date(2024, 5, 15)  # a Wednesday
NOW = datetime(2024, 5, 15, 2, 0)


@dataclass
class Coach:
    emulator: Emulator
    sheets: SheetsService
    faults: FaultInjector
    configs: list[TrackerConfig]
    keys: list[str]


@pytest.fixture
def coach() -> Coach:
    emulator = new_emulator()
    faults = FaultInjector.install(emulator)
    sheets = SheetsService.install(emulator)

    keys = build_roster(emulator, sheets, TODAY)
    configs = [
        TrackerConfig(source=sheet_url(key), name=client_name(index), timezone="UTC")
        for index, key in enumerate(keys)
    ]
    return Coach(emulator, sheets, faults, configs, keys)


def run(
    coach: Coach, concurrency: int, on_done: Callable[[TrackerResult], None] | None = None
) -> list[TrackerResult]:
    return sync_all(
        coach.configs,
        RunOptions(today=TODAY, now=NOW),
        concurrency=concurrency,
        opener=lambda config: open_sheet(config, transport=EmulatorAdapter(coach.emulator)),
        on_done=on_done,
    )


def test_48_clients_sync_and_the_two_failures_name_client_and_reason(coach: Coach) -> None:
    # The first client's sheet answers slowly: with 8 workers it finishes after later ones.
    coach.faults.inject(Fault.slow(0.3, times=None), path=coach.keys[0])
    finished: list[str] = []
    lock = threading.Lock()

    def done(result: TrackerResult) -> None:
        with lock:
            finished.append(result.client)

    results = run(coach, concurrency=8, on_done=done)

    assert [r.client for r in results] == [client_name(i) for i in range(CLIENTS)]
    assert finished != [r.client for r in results]  # they did finish out of order
    failed = {r.client: r.failed for r in results if r.failed is not None}
    assert set(failed) == {client_name(UNSHARED), client_name(DELETED)}
    assert "HTTP 403" in (failed[client_name(UNSHARED)] or "")
    assert "share the sheet" in (failed[client_name(UNSHARED)] or "")
    assert "HTTP 404" in (failed[client_name(DELETED)] or "")
    synced = [r for r in results if r.failed is None]
    assert len(synced) == 48
    assert all(r.status == "synced" and len(r.rows) == 3 for r in synced)
    # The plan reached the sheets: the owned columns exist in a synced client's tab.
    grid = coach.sheets.grid(coach.keys[1], "Tracker")
    assert {"Next Action", "Due Date", "Urgency"} <= set(grid[0])
    assert not any(entry["status"] == 429 for entry in coach.emulator.log)


def test_a_second_night_changes_nothing_and_still_names_the_failures(coach: Coach) -> None:
    run(coach, concurrency=4)
    again = run(coach, concurrency=4)
    statuses = {r.client: r.status for r in again}
    assert statuses.pop(client_name(UNSHARED)) == "failed"
    assert statuses.pop(client_name(DELETED)) == "failed"
    assert set(statuses.values()) == {"unchanged"}


def test_the_digest_names_both_failed_clients(coach: Coach, tmp_path: Path) -> None:
    results = run(coach, concurrency=8)
    files = write_digest(results, tmp_path, today=TODAY, generated_at=NOW)
    html = files.html.read_text(encoding="utf-8")
    table = files.csv.read_text(encoding="utf-8-sig")
    for index in (UNSHARED, DELETED):
        assert client_name(index) in html
        assert client_name(index) in table
    assert "HTTP 403" in html and "HTTP 404" in html
    rows = list(csv.DictReader(io.StringIO(table)))
    named = {row["client"] for row in rows}
    assert {client_name(UNSHARED), client_name(DELETED)} <= named
    assert client_name(2) in named  # synced clients' due actions are listed too
