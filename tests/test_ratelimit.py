"""The client-side rate limiter: Google's per-minute quotas, never exceeded, on a fake clock."""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from syncer.config import Quotas
from syncer.emulator import new_emulator
from syncer.emulator.quotas import QuotaLimiter
from syncer.emulator.transport import EmulatorAdapter
from syncer.ratelimit import (
    DEFAULT_BURST,
    MINUTE,
    Kind,
    RateLimitedAdapter,
    RateLimiter,
    limiter_for,
    request_kind,
)

SMALL = Quotas(
    read_per_minute_per_user=60,
    write_per_minute_per_user=60,
    read_per_minute_per_project=300,
    write_per_minute_per_project=300,
)


class FakeClock:
    """Time that moves only when someone sleeps (thread-safe: time never goes backwards)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)


def limiter(quotas: Quotas = SMALL, clock: FakeClock | None = None) -> RateLimiter:
    clock = clock or FakeClock()
    return RateLimiter(quotas, clock=clock, sleep=clock.sleep)


def busiest_window(moments: Iterable[float], width: float = MINUTE) -> int:
    """The most moments inside any half-open window [t, t + width)."""
    ordered = sorted(moments)
    return max(
        (bisect.bisect_left(ordered, t + width) - i for i, t in enumerate(ordered)), default=0
    )


def busiest_fixed_minute(moments: Iterable[float], offset: float) -> int:
    """The most moments in one calendar minute of a clock whose minutes start at ``offset``."""
    counts: dict[int, int] = {}
    for moment in moments:
        minute = int((moment - offset) // MINUTE)
        counts[minute] = counts.get(minute, 0) + 1
    return max(counts.values(), default=0)


def test_a_sustained_load_never_exceeds_the_quota_in_any_minute() -> None:
    rl = limiter()
    moments = [rl.acquire("read", "a@x", "p").at for _ in range(600)]
    assert busiest_window(moments) <= 60
    for offset in (0.0, 0.25, 17.5, 59.9):
        assert busiest_fixed_minute(moments, offset) <= 60
    # ...and gets close to it: 60 a minute, less about 2% of slack and the pacing's rounding.
    rate_per_minute = len(moments) / (moments[-1] - moments[0]) * MINUTE
    assert 0.97 * 60 <= rate_per_minute <= 60


def test_requests_are_paced_not_burst() -> None:
    rl = limiter()
    moments = [rl.acquire("write", "a@x", "p").at for _ in range(30)]
    start = moments[0]
    assert moments[:DEFAULT_BURST] == pytest.approx([start] * DEFAULT_BURST)
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    # After the burst, one request per (window / quota) seconds: about a second at 60 a minute.
    assert all(0.9 <= gap <= 1.1 for gap in gaps[DEFAULT_BURST:])
    assert busiest_window(moments, width=10.0) <= 10 + DEFAULT_BURST


def test_an_idle_spell_lets_a_short_burst_through_again() -> None:
    clock = FakeClock()
    rl = limiter(clock=clock)
    for _ in range(10):
        rl.acquire("read", "a@x", "p")
    clock.sleep(120)
    before = clock()
    grants = [rl.acquire("read", "a@x", "p") for _ in range(DEFAULT_BURST)]
    assert [g.at for g in grants] == pytest.approx([before] * DEFAULT_BURST)
    assert sum(g.waited for g in grants) == pytest.approx(0)


def test_reads_and_writes_are_counted_apart() -> None:
    rl = limiter()
    alone = limiter()
    reads_alone = [alone.acquire("read", "a@x", "p").at for _ in range(60)]
    mixed: dict[str, list[float]] = {"read": [], "write": []}
    for _ in range(60):
        mixed["read"].append(rl.acquire("read", "a@x", "p").at)
        mixed["write"].append(rl.acquire("write", "a@x", "p").at)
    # Interleaved writes do not slow the reads down (same pace as reads alone), and vice versa.
    assert [t - mixed["read"][0] for t in mixed["read"]] == pytest.approx(
        [t - reads_alone[0] for t in reads_alone]
    )
    assert mixed["write"] == mixed["read"]
    assert rl.granted == {"read": 60, "write": 60}


def test_each_user_has_a_quota_and_the_project_has_one_over_all_users() -> None:
    rl = limiter()
    users = [f"u{i}@x" for i in range(10)]
    by_user: dict[str, list[float]] = {user: [] for user in users}
    for _ in range(60):
        for user in users:
            by_user[user].append(rl.acquire("read", user, "p").at)
    everyone = [t for moments in by_user.values() for t in moments]
    assert all(busiest_window(moments) <= 60 for moments in by_user.values())
    assert busiest_window(everyone) <= 300
    # 10 users x 60 = 600 requests, bound by the project's 300 a minute: about two minutes.
    assert max(everyone) - min(everyone) >= MINUTE


def test_projects_do_not_share_a_quota() -> None:
    clock = FakeClock()
    rl = limiter(Quotas(5, 5, 5, 5), clock)
    for _ in range(5):
        rl.acquire("write", "a@x", "p1")
    busy_until = clock()
    assert rl.reserve("write", "a@x", "p1") > busy_until  # p1 is out of quota for now...
    assert rl.reserve("write", "a@x", "p2") == busy_until  # ...a fresh project starts at once


def test_a_user_quota_binds_before_the_project_quota() -> None:
    rl = limiter(Quotas(10, 10, 1000, 1000))
    moments = [rl.acquire("read", "solo@x", "p").at for _ in range(100)]
    assert busiest_window(moments) <= 10


def test_threads_share_the_buckets_safely() -> None:
    clock = FakeClock()
    rl = limiter(Quotas(20, 20, 50, 50), clock)
    moments: list[tuple[str, str, float]] = []
    record = threading.Lock()

    def worker(index: int) -> None:
        user = f"u{index % 4}@x"
        kind: Kind = "read" if index % 2 else "write"
        for _ in range(40):
            grant = rl.acquire(kind, user, "p")
            with record:
                moments.append((user, kind, grant.at))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(moments) == 8 * 40
    assert rl.granted == {"read": 160, "write": 160}
    for kind in ("read", "write"):
        kind_moments = [t for _, k, t in moments if k == kind]
        assert busiest_window(kind_moments) <= 50
        for user in {u for u, _, _ in moments}:
            assert busiest_window([t for u, k, t in moments if u == user and k == kind]) <= 20


def test_a_quota_below_one_request_is_refused() -> None:
    rl = limiter(Quotas(0, 60, 300, 300))
    with pytest.raises(ValueError, match="at least 1"):
        rl.acquire("read", "a@x", "p")
    with pytest.raises(ValueError, match="'read' or a 'write'"):
        rl.acquire("delete", "a@x", "p")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "url", "kind"),
    [
        ("GET", "https://sheets.googleapis.com/v4/spreadsheets/abc?fields=x", "read"),
        ("GET", "https://sheets.googleapis.com/v4/spreadsheets/abc/values/A1:B2", "read"),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets/abc/values:batchGet", "read"),
        (
            "POST",
            "https://sheets.googleapis.com/v4/spreadsheets/abc/values:batchGetByDataFilter",
            "read",
        ),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets/abc:getByDataFilter", "read"),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets/abc/values:batchUpdate", "write"),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets/abc:batchUpdate", "write"),
        ("PUT", "https://sheets.googleapis.com/v4/spreadsheets/abc/values/A1", "write"),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets", "write"),
        ("GET", "https://www.googleapis.com/drive/v3/files/abc", None),
        ("POST", "https://oauth2.googleapis.com/token", None),
        ("POST", "https://docs.googleapis.com/v1/documents", None),
        ("GET", "http://127.0.0.1:8080/v4/spreadsheets/abc", "read"),
        ("GET", "http://127.0.0.1:8080/drive/v3/files", None),
    ],
)
def test_requests_are_classified_as_google_meters_them(
    method: str, url: str, kind: str | None
) -> None:
    assert request_kind(method, url) == kind


class RecordingAdapter(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(f"{request.method} {request.url}")
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        return response

    def close(self) -> None:
        """Nothing to release."""


def test_the_adapter_meters_sheets_requests_only() -> None:
    rl = limiter()
    inner = RecordingAdapter()
    session = requests.Session()
    session.mount("https://", RateLimitedAdapter(inner, rl, "a@x", "p"))
    session.get("https://sheets.googleapis.com/v4/spreadsheets/abc")
    session.post("https://sheets.googleapis.com/v4/spreadsheets/abc/values:batchUpdate", json={})
    session.get("https://www.googleapis.com/drive/v3/files/abc")
    session.post("https://oauth2.googleapis.com/token", data={"a": "b"})
    assert len(inner.sent) == 4
    assert rl.granted == {"read": 1, "write": 1}


def test_limiter_for_shares_one_limiter_per_quota_setting() -> None:
    assert limiter_for(Quotas()) is limiter_for(Quotas())
    assert limiter_for(Quotas(read_per_minute_per_user=7)) is not limiter_for(Quotas())


def _hammer_emulator(rate_limited: bool, calls: int) -> tuple[int, Mapping[Any, int]]:
    """Send ``calls`` reads to an emulator that enforces 30 a minute, on one fake clock."""
    clock = FakeClock(start=7.0)  # Google's minutes are not aligned with ours
    emulator = new_emulator()
    quota = QuotaLimiter.install(
        emulator, Quotas(read_per_minute_per_user=30, read_per_minute_per_project=30), clock=clock
    )
    adapter: BaseAdapter = EmulatorAdapter(emulator)
    if rate_limited:
        rl = limiter(Quotas(30, 30, 30, 30), clock)
        adapter = RateLimitedAdapter(adapter, rl, "anonymous", "emulator")
    session = requests.Session()
    session.mount("https://", adapter)
    refused = 0
    for _ in range(calls):
        response = session.get("https://sheets.googleapis.com/v4/spreadsheets/unknown")
        refused += response.status_code == 429
        if not rate_limited:
            clock.sleep(0.5)  # 120 a minute: four times the quota
    return refused, quota.rejected


def test_against_the_emulator_no_request_is_refused_for_quota() -> None:
    refused, rejected = _hammer_emulator(rate_limited=True, calls=200)
    assert refused == 0 and not rejected
    unlimited_refused, _ = _hammer_emulator(rate_limited=False, calls=200)
    assert unlimited_refused > 100  # the same load without the limiter is refused
