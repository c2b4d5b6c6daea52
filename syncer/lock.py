"""One syncer run at a time: an exclusive, non-blocking lock on a file in the state folder.

Two overlapping runs (a slow nightly cron job and a manual ``syncer sync``) would plan against the
same sheet and write twice. ``flock`` locks belong to the open file, so the kernel releases the
lock when the holder exits or dies: a crashed run never leaves a stale lock behind. The lock file
keeps the holder's PID for the message the next run shows.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from syncer.errors import LockHeldError

LOCK_NAME = "run.lock"


def state_dir(override: Path | None = None) -> Path:
    """Where syncer keeps its run lock and journals.

    ``override`` (the config's ``run.state_dir``) wins, then ``$SYNCER_STATE_DIR``, then
    ``$XDG_STATE_HOME/syncer``, then ``~/.local/state/syncer``.
    """
    if override is not None:
        return override.expanduser()
    explicit = os.environ.get("SYNCER_STATE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "state"
    return base / "syncer"


def default_lock_path() -> Path:
    return state_dir() / LOCK_NAME


class RunLock:
    """``with RunLock():`` holds the run lock, or raises LockHeldError at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_lock_path()
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def acquire(self) -> None:
        if self._descriptor is not None:
            raise LockHeldError(f"{self.path}: this process already holds the run lock")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(descriptor)
            os.close(descriptor)
            who = f"process {holder}" if holder else "another process"
            raise LockHeldError(
                f"another syncer run ({who}) holds the lock {self.path}; "
                "try again when it has finished"
            ) from None
        except BaseException:
            os.close(descriptor)
            raise
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._descriptor = descriptor

    def release(self) -> None:
        """Let go of the lock. The file stays: deleting it could race a run that just opened it."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(descriptor: int) -> int | None:
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
