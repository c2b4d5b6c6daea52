"""A big plan made in parts in forked workers (``syncer.plan_workers``) is the plan one process
makes: the same trackers, sidecars and JSON, day after day, whatever the workers do."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import syncer.plan
from syncer import plan_workers
from syncer.config import TrackerConfig
from syncer.errors import SyncerError
from syncer.forked import Forked
from syncer.model import Action, Application, Decision, Urgency
from syncer.results import RowResult, row_columns, rows_from_columns
from syncer.sync import RunOptions, sync_tracker
from tests.test_incremental import START, _edit_a_few, _random_row
from tests.trackers import DEFAULT_HEADERS, write_csv


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Plans of 4 rows or more in up to 3 processes; counts the parts workers sent."""
    monkeypatch.setattr(plan_workers, "PARALLEL_FROM_ROWS", 4)
    monkeypatch.setattr(plan_workers, "MIN_ROWS_PER_WORKER", 2)
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "3")
    counts = {"forked": 0, "received": 0}
    real_fork, real_receive = plan_workers._fork, plan_workers._receive

    def fork(plan, chunk):  # type: ignore[no-untyped-def]
        counts["forked"] += 1
        return real_fork(plan, chunk)

    def receive(worker):  # type: ignore[no-untyped-def]
        part = real_receive(worker)
        counts["received"] += part is not None
        return part

    monkeypatch.setattr(plan_workers, "_fork", fork)
    monkeypatch.setattr(plan_workers, "_receive", receive)
    assert threading.active_count() == 1, "a test thread would keep workers from forking"
    yield counts


@given(st.integers(0, 10_000), st.integers(1, 8))
def test_chunks_cover_the_rows_in_order_and_near_equal(rows: int, parts: int) -> None:
    chunks = plan_workers.chunk_ranges(rows, parts)
    assert [index for chunk in chunks for index in chunk] == list(range(rows))
    assert len(chunks) == (min(parts, rows) if rows else 1)
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) - min(sizes) <= 1


def test_small_plans_threads_and_the_setting_keep_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "4")
    many = plan_workers.PARALLEL_FROM_ROWS * 4
    assert plan_workers.workers_for(plan_workers.PARALLEL_FROM_ROWS - 1) == 1
    assert plan_workers.workers_for(many) == 4
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "1")
    assert plan_workers.workers_for(many) == 1
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "4")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert plan_workers.workers_for(many) == 1  # another thread: never fork
    finally:
        stop.set()
        other.join()
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, wrong)
        with pytest.raises(SyncerError, match="SYNCER_PLAN_WORKERS must be a whole number"):
            plan_workers.workers_for(many)


def test_parts_come_back_in_order_from_the_workers() -> None:
    parent = os.getpid()
    chunks = plan_workers.chunk_ranges(10, 3)
    parts = plan_workers.in_parallel(chunks, lambda chunk: (os.getpid(), list(chunk)))
    assert [rows for _pid, rows in parts] == [list(chunk) for chunk in chunks]
    pids = [pid for pid, _rows in parts]
    assert pids[0] == parent and parent not in pids[1:] and len(set(pids)) == 3


@pytest.mark.parametrize("how", ["raises", "killed", "exits early"])
def test_a_failing_worker_has_its_chunk_planned_here(how: str) -> None:
    parent = os.getpid()

    def plan(chunk: range) -> tuple[int, list[int]]:
        if os.getpid() != parent:
            if how == "raises":
                raise RuntimeError("a worker's bug")
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(0)  # nothing sent, a clean exit code
        return os.getpid(), list(chunk)

    chunks = plan_workers.chunk_ranges(9, 3)
    parts = plan_workers.in_parallel(chunks, plan)
    assert parts == [(parent, list(chunk)) for chunk in chunks]


def test_no_worker_outlives_a_failure_here() -> None:
    parent = os.getpid()
    started: list[int] = []

    def plan(chunk: range) -> list[int]:
        if os.getpid() == parent:
            started.extend(worker.pid for worker in plan_workers_started)
            raise KeyboardInterrupt
        signal.pause()  # a worker that would never finish
        return list(chunk)

    plan_workers_started: list[Forked[object]] = []
    real_fork = plan_workers._fork

    def fork(plan, chunk):  # type: ignore[no-untyped-def]
        plan_workers_started.append(real_fork(plan, chunk))
        return plan_workers_started[-1]

    original, plan_workers._fork = plan_workers._fork, fork
    try:
        with pytest.raises(KeyboardInterrupt):
            plan_workers.in_parallel(plan_workers.chunk_ranges(6, 3), plan)
    finally:
        plan_workers._fork = original
    assert len(started) == 2
    for pid in started:  # killed and reaped: no such child any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _synced(path: Path, today: date, **options: bool) -> str:
    now = datetime.combine(today, datetime.min.time()).replace(hour=2)
    result, _plan = sync_tracker(
        TrackerConfig(source=str(path)), RunOptions(today=today, now=now, **options)
    )
    assert result.failed is None
    document = json.dumps(result.as_json(), sort_keys=True, default=str)
    return document.replace(str(path), "TRACKER")


@pytest.mark.parametrize("seed", [3, 4])
def test_plans_in_parts_leave_the_trackers_one_process_leaves_over_30_days(
    tmp_path: Path, seed: int, workers: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    rows = [_random_row(rng, n, START) for n in range(40)]
    header = [*DEFAULT_HEADERS, "My Notes"]
    one = write_csv(tmp_path / "one.csv", header, [[r.get(h, "") for h in header] for r in rows])
    parts = tmp_path / "parts.csv"
    shutil.copy(one, parts)
    for offset in range(30):
        today = START + timedelta(days=offset)
        monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "1")
        alone = _synced(one, today, replan_all=offset % 7 == 6)
        monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "3")
        assert _synced(parts, today, replan_all=offset % 7 == 6) == alone, today
        assert parts.read_bytes() == one.read_bytes(), today
        sidecar = Path(f"{parts}.syncer.json")
        assert sidecar.read_bytes() == Path(f"{one}.syncer.json").read_bytes(), today
        for path in (one, parts):
            _edit_a_few(path, random.Random(seed * 1000 + offset), today)
    assert workers["received"] >= 30 * 2  # the workers planned, every day


def test_new_ids_alike_in_two_parts_plan_in_one_pass(
    tmp_path: Path, workers: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows of different chunks given one new id (a hash collision, made likely here):
    one process gives the lower row the next salt; the parts are thrown away for it."""

    def crowded(sheet_row: int, app: Application, taken: object) -> str:
        salt = 0
        while (candidate := f"r{app.company}-{salt}") in taken:  # type: ignore[operator]
            salt += 1
        return candidate

    monkeypatch.setattr(syncer.plan, "new_row_id", crowded)
    body = [["Acme", "Analyst", "applied", "2026-11-02"] for _ in range(9)]
    header = ["Company", "Position", "Stage", "Applied On"]
    parts = write_csv(tmp_path / "parts.csv", header, body)
    one = write_csv(tmp_path / "one.csv", header, body)
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "1")
    alone = _synced(one, START)
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "3")
    assert _synced(parts, START) == alone
    assert parts.read_bytes() == one.read_bytes()
    with parts.open(newline="", encoding="utf-8") as handle:
        ids = [row[-1] for row in csv.reader(handle)][1:]
    assert ids == [f"rAcme-{salt}" for salt in range(9)]
    assert workers["received"] == 2  # the parts came back, and were not used


def test_a_row_sorted_down_keeps_its_id_when_a_like_row_takes_its_place(
    tmp_path: Path,
) -> None:
    """A row's new id hashes its sheet row, company and role: a second application to the same
    role, typed where the first stood before a sort, must not be given the first one's id (it
    would take its memory, and the first would be called a copy)."""
    header = ["Company", "Position", "Stage", "Applied On"]
    path = write_csv(
        tmp_path / "t.csv",
        header,
        [["Acme", "Analyst", "applied", "2026-11-02"], ["Beta", "Dev", "applied", "2026-11-03"]],
    )
    day = date(2026, 11, 20)
    _synced(path, day)
    with path.open(newline="", encoding="utf-8") as handle:
        synced_header, acme, beta = list(csv.reader(handle))
    again = ["Acme", "Analyst", "applied", "2026-11-05"] + [""] * (len(synced_header) - 4)
    write_csv(path, synced_header, [again, beta, acme])
    document = json.loads(_synced(path, day))
    assert document["errors"] == [] and document["conflicts"] == []
    with path.open(newline="", encoding="utf-8") as handle:
        ids = [row[-1] for row in csv.reader(handle)][1:]
    assert ids[2] == acme[-1]  # the first application keeps its identity
    assert ids[0] not in (acme[-1], beta[-1], "")


def test_a_plan_made_in_parts_holds_its_state_packed_as_one_process_plans_it(
    tmp_path: Path, workers: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts' state rows cross the pipe as their packed text (a string a row, as the state
    is stored), not as dicts of pairs: the same pairs, for a third of the memory."""
    rng = random.Random(7)
    header = [*DEFAULT_HEADERS, "My Notes"]
    rows = [_random_row(rng, n, START) for n in range(12)]
    body = [[row.get(h, "") for h in header] for row in rows]
    path = write_csv(tmp_path / "t.csv", header, body)
    now = datetime.combine(START, datetime.min.time())
    options = RunOptions(today=START, now=now, dry_run=True)
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "1")
    _result, alone = sync_tracker(TrackerConfig(source=str(path)), options)
    monkeypatch.setenv(plan_workers.WORKERS_VARIABLE, "3")
    _result, in_parts = sync_tracker(TrackerConfig(source=str(path)), options)
    assert alone is not None and in_parts is not None and workers["received"] == 2
    held = in_parts.state.cells
    assert len(held) == 12
    assert all(held.packed_row(row_id) is held.packed_row(row_id) for row_id in held)
    assert held == alone.state.cells


decisions = st.builds(
    Decision,
    st.none() | st.sampled_from(Action),
    st.none() | st.dates(),
    st.sampled_from(Urgency),
    st.text(max_size=20),
)


@given(st.lists(decisions, min_size=1, max_size=4), st.lists(st.integers(0, 3), max_size=30))
def test_rows_sent_as_columns_come_back_equal_sharing_their_decisions(
    shared: list[Decision], picks: list[int]
) -> None:
    rows = [
        RowResult(n + 2, f"Co {n}", "Dev", shared[pick % len(shared)], f"C{n}", link)
        for n, pick in enumerate(picks)
        for link in [f"#{n}" if n % 2 else None]
    ]
    back = rows_from_columns(row_columns(rows))
    assert back == rows
    alike = {(id(a.decision), id(b.decision)) for a, b in zip(rows, back, strict=True)}
    # One decision back for each one sent: shared where they were shared, and only there.
    assert len(alike) == len({mine for mine, _ in alike}) == len({theirs for _, theirs in alike})
