"""The soak benchmark in small: trackers synced while a fifth of all requests fail at random end
up cell for cell as a fault-free night leaves them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_soak import (  # noqa: E402
    SOAK_FAULTS,
    SoakReport,
    build_world,
    first_difference,
    soak,
)
from syncer.emulator.faults import Fault  # noqa: E402

#: Emulated seconds per real second: a 200 s read timeout waits 2 ms.
FAST = 100_000.0


@pytest.fixture(scope="module", params=[11, 23])
def report(request: pytest.FixtureRequest) -> SoakReport:
    """Trackers synced one after the other, so the seed alone decides which request meets which
    fault: the run, and any failure of these tests, is reproducible."""
    return soak(n=8, rate=0.2, seed=request.param, concurrency=1, scale=FAST, sign_in=False)


def test_every_tracker_ends_identical_to_the_fault_free_night(report: SoakReport) -> None:
    assert report.night_a.failed == []
    assert report.differing == {}
    assert report.identical == list(range(report.trackers))


def test_faults_were_injected_and_retried(report: SoakReport) -> None:
    assert sum(report.faults.values()) > 0
    assert report.retries["retries"] > 0
    assert report.requests_b > report.requests_a
    assert report.backoff_seconds > 0


def test_no_tracker_fails_and_each_is_identical_after_the_faulty_night_alone(
    report: SoakReport,
) -> None:
    assert report.night_b.failed == []
    assert report.rerun is None
    assert report.identical_after_b == list(range(report.trackers))


def test_trackers_synced_in_parallel_end_identical_and_every_try_is_counted() -> None:
    report = soak(n=8, rate=0.2, seed=3, concurrency=4, scale=FAST, sign_in=False)
    assert sum(report.faults.values()) > 0 and report.retries["retries"] > 0
    assert report.retries["tries"] == report.requests_b  # the adapters' counters are thread-safe
    assert report.differing == {}
    assert report.rerun is None or report.rerun.failed == []


def test_timeouts_and_resets_after_applying_a_write_leave_no_trace() -> None:
    """Only the faults where the server applied the request and the reply was lost, on every
    request: each idempotent write is resent, and ends as if sent once."""
    applied = tuple(f for f in SOAK_FAULTS if f.apply_first or (f.status is None and not f.drop))
    assert {f.kind for f in applied} == {"delay", "apply_then_drop"}
    report = soak(n=3, rate=0.3, seed=5, concurrency=1, scale=FAST, faults=applied)
    assert report.faults["delay"] > 0 and report.faults["apply_then_drop"] > 0
    # each waited out its read timeout: 200 s for Sheets, google-auth's 120 s for the token
    assert report.waited_seconds >= 120 * report.faults["delay"]
    assert report.differing == {}
    assert report.night_b.failed == []


def test_the_comparison_sees_a_changed_cell() -> None:
    one = build_world(2, None, None, scale=FAST)
    other = build_world(2, None, None, scale=FAST)
    assert first_difference(one.snapshot(1), other.snapshot(1)) is None
    key = other.configs[1].source.split("/d/")[1].split("/")[0]
    other.sheets.set_cell(key, "Applications", "N3", "a note typed by hand")
    difference = first_difference(one.snapshot(1), other.snapshot(1))
    assert difference is not None and "'Applications' row 3 column 14" in difference


def test_a_fault_that_never_clears_fails_the_tracker_and_is_reported() -> None:
    never_clears = (Fault.error(503),)
    report = soak(
        n=2, rate=1.0, seed=1, scale=FAST, faults=never_clears, path="^/v4/", sign_in=False
    )
    assert len(report.night_b.failed) == 2
    assert all("503" in (r.failed or "") for r in report.night_b.results)
    assert report.retries["gave_up"] >= 2
    assert report.rerun is not None and report.rerun.failed == []
    assert report.differing == {}
