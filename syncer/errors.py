"""One base exception for everything syncer raises on purpose.

A row problem is never an exception: it becomes urgency ``invalid`` with a reason. A tracker
problem (cannot open it, bad headers, API failure after retries) raises a ``TrackerError``
subclass and fails that tracker only.
"""

from __future__ import annotations

import errno


class SyncerError(Exception):
    """Base class of every error syncer raises deliberately."""


class ConfigError(SyncerError):
    """A config file or command-line value is unusable (exit 2)."""


class TrackerError(SyncerError):
    """One tracker cannot be synced; the others go on."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class HeaderError(TrackerError):
    """A required or owned header is missing, renamed or duplicated: zero writes."""


class AccessError(TrackerError):
    """The tracker exists but this account may not read or write it (HTTP 403)."""


class ServiceDisabledError(AccessError):
    """The API is off in the Cloud project of the credentials (HTTP 403 SERVICE_DISABLED)."""


class QuotaError(TrackerError):
    """Google kept refusing for quota or rate reasons (HTTP 429, rate-limit 403) after retries."""


class NotFoundError(TrackerError):
    """No tracker at that path, URL or key (HTTP 404)."""


class ConflictError(TrackerError):
    """The tracker changed underneath the run in a way that makes writing unsafe."""


class LockHeldError(SyncerError):
    """Another syncer run holds the lock (exit 75)."""


def os_cause(error: OSError) -> str:
    """``No space left on device (ENOSPC)``: the words and the code a person can search for."""
    code = errno.errorcode.get(error.errno or 0)
    words = error.strerror or str(error)
    return f"{words} ({code})" if code else words
