"""Process exit codes, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    TRACKER_FAILED = 1
    USAGE = 2
    LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; cron may try again later
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it
    TERMINATED = 143  # 128 + SIGTERM
