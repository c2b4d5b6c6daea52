"""A client-side rate limiter that keeps syncer inside Google's Sheets quotas.

Google meters Sheets requests in fixed one-minute windows of its own clock: so many read and so
many write requests per minute per project, and per user per project; a batch request counts
once. We do not know where Google's minutes start, so the limiter keeps a stricter promise: no
more than N grants in ANY ``window`` seconds (a sliding window, by default a minute plus a
second of slack for network jitter). Any fixed minute then holds at most N.

Within that bound requests are paced, not burst: each bucket is also a GCRA (a token bucket of
``burst`` tokens refilled at N per window), so a coach's 500 trackers spread over the minute
instead of hitting the quota in the first second and waiting out the rest.

A caller reserves the earliest slot that fits every bucket it draws on (its user's and its
project's), then sleeps until that slot outside the lock: waiting threads are served in the order
they asked, and none busy-waits.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from syncer.config import Quotas

Kind = Literal["read", "write"]

MINUTE = 60.0
#: Seconds added to the sliding window: a request granted at t may reach Google a little later.
DEFAULT_SLACK = 1.0
#: Requests a bucket may send back to back after a quiet spell.
DEFAULT_BURST = 3

SHEETS_HOST = "sheets.googleapis.com"
SHEETS_PATH_PREFIX = "/v4/spreadsheets"
#: Drive, Docs and OAuth hosts: their own quotas, never metered here.
OTHER_GOOGLE_HOSTS = frozenset(
    {"www.googleapis.com", "docs.googleapis.com", "oauth2.googleapis.com"}
)
#: POST methods that Google meters as reads.
READ_POST_SUFFIXES = (":getByDataFilter", "values:batchGet", "values:batchGetByDataFilter")


class Bucket:
    """One quota (e.g. project P's writes): a sliding-window log plus GCRA pacing.

    Not thread-safe on its own; the RateLimiter's lock guards it.
    """

    def __init__(self, limit: int, window: float, burst: int) -> None:
        if limit < 1:
            raise ValueError(f"a quota must allow at least 1 request per minute, not {limit}")
        self.limit = limit
        self.window = window
        self.interval = window / limit
        self.tolerance = (min(burst, limit) - 1) * self.interval
        self.granted: deque[float] = deque()  # slots handed out, oldest first, non-decreasing
        self.theoretical_arrival = float("-inf")

    def earliest(self, now: float) -> float:
        """The first moment from ``now`` on at which one more request fits."""
        moment = max(now, self.theoretical_arrival - self.tolerance)
        if self.granted:
            moment = max(moment, self.granted[-1])
        if len(self.granted) >= self.limit:
            moment = max(moment, self.granted[-self.limit] + self.window)
        return moment

    def take(self, moment: float) -> None:
        self.granted.append(moment)
        self.theoretical_arrival = max(self.theoretical_arrival, moment) + self.interval
        while len(self.granted) > self.limit:
            self.granted.popleft()


@dataclass(frozen=True)
class Grant:
    """What ``acquire`` did: when the slot was, and how long the caller slept for it."""

    kind: Kind
    at: float
    waited: float


class RateLimiter:
    """Per-minute read and write budgets per user (per project) and per project, thread-safe."""

    def __init__(
        self,
        quotas: Quotas | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slack: float = DEFAULT_SLACK,
        burst: int = DEFAULT_BURST,
    ) -> None:
        self.quotas = quotas or Quotas()
        self.clock = clock
        self.sleep = sleep
        self.window = MINUTE + slack
        self.burst = burst
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, ...], Bucket] = {}
        self.granted: dict[Kind, int] = {"read": 0, "write": 0}
        self.waited = 0.0  # seconds callers spent waiting, summed

    def _limits(self, kind: Kind) -> tuple[int, int]:
        q = self.quotas
        if kind == "read":
            return q.read_per_minute_per_user, q.read_per_minute_per_project
        return q.write_per_minute_per_user, q.write_per_minute_per_project

    def _bucket(self, key: tuple[str, ...], limit: int) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(limit, self.window, self.burst)
        return bucket

    def reserve(self, kind: Kind, user: str, project: str) -> float:
        """Book the earliest slot for one request; returns its time (may be in the future)."""
        if kind not in ("read", "write"):
            raise ValueError(f"a request is a 'read' or a 'write', not {kind!r}")
        per_user, per_project = self._limits(kind)
        with self._lock:
            buckets = (
                self._bucket(("user", project, user, kind), per_user),
                self._bucket(("project", project, kind), per_project),
            )
            now = self.clock()
            moment = max(bucket.earliest(now) for bucket in buckets)
            for bucket in buckets:
                bucket.take(moment)
            self.granted[kind] += 1
            self.waited += moment - now
            return moment

    def acquire(self, kind: Kind, user: str, project: str) -> Grant:
        """Block until one ``kind`` request by ``user`` in ``project`` fits every quota."""
        moment = self.reserve(kind, user, project)
        waited = 0.0
        while (remaining := moment - self.clock()) > 0:
            self.sleep(remaining)
            waited += remaining
        return Grant(kind, moment, waited)


_registry: dict[Quotas, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(quotas: Quotas) -> RateLimiter:
    """The process-wide limiter for these quotas: trackers that share a credential and a project
    draw on the same buckets, whichever thread syncs them."""
    with _registry_lock:
        limiter = _registry.get(quotas)
        if limiter is None:
            limiter = _registry[quotas] = RateLimiter(quotas)
        return limiter


def request_kind(method: str, url: str) -> Kind | None:
    """How Google meters a request: "read", "write", or None (not a Sheets API request).

    Drive, Docs and the OAuth token endpoint have quotas of their own that syncer never nears.
    The in-process emulator's own host is metered like Sheets when the path is a Sheets path.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.startswith(SHEETS_PATH_PREFIX) or parts.hostname in OTHER_GOOGLE_HOSTS:
        return None
    if method.upper() == "GET" or path.endswith(READ_POST_SUFFIXES):
        return "read"
    return "write"


class RateLimitedAdapter(BaseAdapter):
    """A ``requests`` adapter that waits for the limiter before each Sheets request.

    Mount it under the retrying adapter (retries are requests too, and each one is metered).
    """

    def __init__(self, inner: BaseAdapter, limiter: RateLimiter, user: str, project: str) -> None:
        super().__init__()
        self.inner = inner
        self.limiter = limiter
        self.user = user
        self.project = project

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        kind = request_kind(request.method or "GET", request.url or "")
        if kind is not None:
            self.limiter.acquire(kind, self.user, self.project)
        return self.inner.send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    def close(self) -> None:
        self.inner.close()
