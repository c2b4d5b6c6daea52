"""Sheets API per-minute quotas, with Google's defaults and Google's 429 body.

Google meters Sheets requests in per-minute buckets that refill every minute: by default 300
read and 300 write requests per minute per project, and 60 of each per minute per user per
project. A batch request counts once. Refused requests use no quota. Only Sheets requests are
metered here (Drive and Docs have quotas of their own that syncer never comes near).
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from syncer.config import Quotas
from syncer.emulator.core import Emulator, Identity, Request, Response, google_error

SHEETS_PREFIX = "/v4/spreadsheets"
WINDOW_SECONDS = 60.0
READ_POSTS = (":getByDataFilter", "values:batchGetByDataFilter")
HELP_URL = "https://cloud.google.com/docs/quotas/help/request_increase"


@dataclass(frozen=True)
class QuotaLimit:
    kind: str  # "read" or "write"
    per_user: bool
    limit: int

    @property
    def metric_label(self) -> str:
        return f"{self.kind.capitalize()} requests"

    @property
    def limit_label(self) -> str:
        return f"{self.metric_label} per minute" + (" per user" if self.per_user else "")

    @property
    def limit_id(self) -> str:
        scope = "PerUser" if self.per_user else ""
        return f"{self.kind.capitalize()}RequestsPerMinute{scope}"

    @property
    def unit(self) -> str:
        return "1/min/{project}/{user}" if self.per_user else "1/min/{project}"


def request_kind(request: Request) -> str | None:
    """ "read" or "write" for a Sheets API request, None for anything else."""
    if not request.path.startswith(SHEETS_PREFIX):
        return None
    if request.method == "GET" or request.path.endswith(READ_POSTS):
        return "read"
    return "write"


def project_number(project: str) -> str:
    """A stable 12-digit stand-in for the Cloud project number Google reports."""
    return str(100_000_000_000 + zlib.crc32(project.encode("utf-8")) % 900_000_000_000)


def quota_exceeded(limit: QuotaLimit, identity: Identity) -> Response:
    number = project_number(identity.project)
    message = (
        f"Quota exceeded for quota metric '{limit.metric_label}' and limit "
        f"'{limit.limit_label}' of service 'sheets.googleapis.com' for consumer "
        f"'project_number:{number}'."
    )
    response = google_error(429, message)
    response.body["error"]["details"] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_location": "global",
                "quota_limit": limit.limit_id,
                "quota_limit_value": str(limit.limit),
                "consumer": f"projects/{number}",
                "quota_metric": f"sheets.googleapis.com/{limit.kind}_requests",
                "service": "sheets.googleapis.com",
                "quota_unit": limit.unit,
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Request a higher quota limit.", "url": HELP_URL}],
        },
    ]
    return response


class QuotaLimiter:
    """Fixed per-minute windows (as Google refills them), with an injectable clock."""

    def __init__(
        self,
        emulator: Emulator,
        quotas: Quotas | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``quotas``: Google's published Sheets quotas unless given."""
        q = quotas or Quotas()
        self.emulator = emulator
        self.clock = clock
        self.limits = {
            "read": (
                QuotaLimit("read", True, q.read_per_minute_per_user),
                QuotaLimit("read", False, q.read_per_minute_per_project),
            ),
            "write": (
                QuotaLimit("write", True, q.write_per_minute_per_user),
                QuotaLimit("write", False, q.write_per_minute_per_project),
            ),
        }
        self._window = -1
        self._user_usage: Counter[tuple[str, str, str]] = Counter()  # (project, email, kind)
        self._project_usage: Counter[tuple[str, str]] = Counter()  # (project, kind)
        self.accepted: Counter[tuple[str, str]] = Counter()  # (email, kind), all time
        self.rejected: Counter[tuple[str, str]] = Counter()  # (email, limit id), all time

    @classmethod
    def install(
        cls,
        emulator: Emulator,
        quotas: Quotas | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> QuotaLimiter:
        limiter = cls(emulator, quotas, clock=clock)
        emulator.before.append(limiter.before_hook)
        return limiter

    def _roll_window(self) -> None:
        window = int(self.clock() // WINDOW_SECONDS)
        if window != self._window:
            self._window = window
            self._user_usage.clear()
            self._project_usage.clear()

    def usage(self, identity: Identity, kind: str) -> int:
        """Requests of this kind the identity made in the current minute."""
        self._roll_window()
        return self._user_usage[(identity.project, identity.email, kind)]

    def project_usage(self, project: str, kind: str) -> int:
        self._roll_window()
        return self._project_usage[(project, kind)]

    def before_hook(self, request: Request) -> Response | None:
        kind = request_kind(request)
        if kind is None:
            return None
        identity = self.emulator.identify(request)
        self._roll_window()
        user_key = (identity.project, identity.email, kind)
        project_key = (identity.project, kind)
        per_user, per_project = self.limits[kind]
        for limit, used in (
            (per_user, self._user_usage[user_key]),
            (per_project, self._project_usage[project_key]),
        ):
            if used >= limit.limit:
                self.rejected[(identity.email, limit.limit_id)] += 1
                return quota_exceeded(limit, identity)
        self._user_usage[user_key] += 1
        self._project_usage[project_key] += 1
        self.accepted[(identity.email, kind)] += 1
        return None
