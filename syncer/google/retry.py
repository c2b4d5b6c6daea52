"""Retries with exponential backoff and full jitter, as a ``requests`` transport adapter.

Mounted under gspread's session (or any ``requests.Session``), it resends a request that failed
for a transient reason: a quota (429, or Drive's rate-limit 403), a server hiccup (500, 502, 503,
504), a request timeout (408), a dropped connection or a timeout. It only resends what is safe to
send twice: reads, PUT/DELETE, and the POSTs that are idempotent by nature (the Sheets values
batch calls, a range clear, the OAuth token grant). A structural ``spreadsheets:batchUpdate``,
``values:append`` or Drive ``files.create`` may have taken effect before the failure, so it is
resent only when its caller vouches for it with the ``X-Syncer-Idempotent: 1`` header.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from syncer.google.front_end import as_api_error

log = logging.getLogger(__name__)

#: Statuses worth another try: the server (or a proxy in front of it) says "not now".
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: A 403 carrying one of these reasons is a quota, not a permission problem.
RATE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
)
#: A caller that knows its otherwise unsafe request is idempotent sets this header to "1".
IDEMPOTENT_HEADER = "X-Syncer-Idempotent"
#: (connect, read) seconds when the caller gave no timeout; Sheets can take minutes on big writes.
DEFAULT_TIMEOUT = (10.0, 200.0)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_IDEMPOTENT_POSTS = (
    re.compile(r"/v4/spreadsheets/[^/]+/values:batch(Get|Update|Clear)(ByDataFilter)?"),
    re.compile(r"/v4/spreadsheets/[^/]+/values/[^/]+:clear"),
    re.compile(r"(/oauth2/v\d+)?/token|/o/oauth2/token"),
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between tries, and how many tries in all.

    The wait before retry number ``attempt`` (0 for the first retry) is drawn uniformly from
    ``[0, min(cap, base * 2**attempt)]`` ("full jitter": many clients hitting one quota spread
    out instead of retrying in step). A server's ``Retry-After`` wins, but never beyond ``cap``.
    """

    base: float = 1.0
    cap: float = 64.0
    max_tries: int = 6

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        return self.backoff(attempt, rng)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now)


def is_idempotent(request: requests.PreparedRequest) -> bool:
    """Whether sending ``request`` twice has the same effect as sending it once."""
    if request.headers.get(IDEMPOTENT_HEADER, "").strip() == "1":
        return True
    method = (request.method or "GET").upper()
    if method in _SAFE_METHODS:
        return True
    if method != "POST":
        return False
    path = url_path(request.url)
    return any(pattern.fullmatch(path) for pattern in _IDEMPOTENT_POSTS)


def url_path(url: str | None) -> str:
    """The path of a URL, without the query string (which may carry an access token)."""
    return urlsplit(url or "").path or "/"


def is_rate_limit_403(response: requests.Response) -> bool:
    """A Drive/Sheets 403 whose error reason says "slow down" rather than "not allowed"."""
    if response.status_code != 403:
        return False
    try:
        error = json.loads(response.content or b"null").get("error", {})
    except (ValueError, AttributeError):
        return False
    if not isinstance(error, dict):
        return False
    entries = list(error.get("errors") or []) + list(error.get("details") or [])
    return any(isinstance(e, dict) and e.get("reason") in RATE_LIMIT_REASONS for e in entries)


def _resendable(request: requests.PreparedRequest) -> bool:
    """A streamed body (a generator or a file) cannot be sent a second time."""
    return request.body is None or isinstance(request.body, bytes | str)


class RetryingAdapter(BaseAdapter):
    """Sends through ``inner``; resends idempotent requests that failed for a transient reason.

    When the tries run out the caller gets the last response (or the last exception), as if
    there were no retrying. ``tries``, ``retries`` and ``gave_up`` count over the adapter's life.
    """

    def __init__(
        self,
        inner: BaseAdapter,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock = clock
        self.tries = 0
        self.retries = 0
        self.gave_up = 0
        self._counting = threading.Lock()

    def counters(self) -> dict[str, int]:
        with self._counting:
            return {"tries": self.tries, "retries": self.retries, "gave_up": self.gave_up}

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        idempotent = is_idempotent(request) and _resendable(request)
        if IDEMPOTENT_HEADER in request.headers:
            request = request.copy()
            del request.headers[IDEMPOTENT_HEADER]
        options: dict[str, Any] = {
            "stream": stream,
            "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
        }
        attempt = 0
        while True:
            self._count("tries")
            last_try = attempt + 1 >= self.policy.max_tries
            try:
                response = self.inner.send(request, **options)
            except requests.exceptions.ConnectTimeout as error:
                # Never connected, so never sent: safe to resend whatever the method.
                if last_try:
                    self._count("gave_up")
                    raise
                outcome, retry_after = type(error).__name__, None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                if not idempotent or isinstance(error, requests.exceptions.SSLError):
                    raise
                if last_try:
                    self._count("gave_up")
                    raise
                outcome, retry_after = type(error).__name__, None
            else:
                if not (idempotent and self._transient(response)):
                    return as_api_error(response)
                if last_try:
                    self._count("gave_up")
                    return as_api_error(response)
                outcome = str(response.status_code)
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock())
                response.close()
            delay = self.policy.delay(attempt, self.rng, retry_after)
            attempt += 1
            self._count("retries")
            log.info(
                "retrying %s %s after %s (attempt %d of %d) in %.2fs",
                request.method,
                url_path(request.url),
                outcome,
                attempt + 1,
                self.policy.max_tries,
                delay,
            )
            self.sleep(delay)

    @staticmethod
    def _transient(response: requests.Response) -> bool:
        return response.status_code in RETRYABLE_STATUSES or is_rate_limit_403(response)

    def _count(self, name: str) -> None:
        with self._counting:
            setattr(self, name, getattr(self, name) + 1)

    def close(self) -> None:
        self.inner.close()


def mount_retrying(
    session: requests.Session, prefixes: tuple[str, ...] = ("https://",), **options: Any
) -> RetryingAdapter:
    """Wrap the adapter ``session`` uses for each prefix in one shared RetryingAdapter.

    The adapter for the first prefix becomes the inner transport (pass ``prefixes`` that share
    one adapter, as gspread's session does for ``https://``).
    """
    adapter = RetryingAdapter(session.get_adapter(prefixes[0]), **options)
    for prefix in prefixes:
        session.mount(prefix, adapter)
    return adapter
