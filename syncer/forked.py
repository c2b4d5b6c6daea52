"""Work done at once in a forked child process while this one goes on, its answer (or the
exception it raised) pickled back through a pipe.

A forked child reads what this process holds as it holds it, without copying anything, and
leaves without running this process's exit code (``os._exit``). Forking is safe only where no
other thread runs: a thread holding a lock at the fork (the template cache's, a logging
handler's) would leave the child waiting for it forever. ``can_fork`` says whether it is safe
here and now; callers do the work themselves when it is not.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, Generic, TypeVar

_T = TypeVar("_T")


def can_fork() -> bool:
    """On Linux, with no other thread running in this process."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


class ChildFailed(Exception):
    """The child ended without sending an answer whole (killed, or it could not pickle it)."""


class Forked(Generic[_T]):
    """``work()`` running in a child forked now; ``result()`` waits for its answer."""

    def __init__(self, work: Callable[[], _T]) -> None:
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, answer, and leave without this process's exit code
            status = 1
            try:
                os.close(reading)
                # A stop (Ctrl-C reaches the whole process group) is the parent's to report.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                with os.fdopen(writing, "wb") as out:
                    _answer(out, work)
                status = 0
            finally:
                os._exit(status)
        os.close(writing)
        self.pid: int | None = pid
        self._pipe: BinaryIO = os.fdopen(reading, "rb")

    def result(self) -> _T:
        """The child's answer, or the exception it raised raised here (``ChildFailed`` when it
        sent neither whole). The child is reaped: it is never signalled afterwards."""
        try:
            with self._pipe:
                ok, answer = pickle.load(self._pipe)
        except (EOFError, OSError, pickle.UnpicklingError, AttributeError, ValueError) as e:
            ok, answer = False, ChildFailed(f"the child sent no answer whole: {e}")
        pid, self.pid = self.pid, None
        assert pid is not None, "result() asked twice"
        _pid, status = os.waitpid(pid, 0)
        if ok and os.waitstatus_to_exitcode(status) == 0:
            return answer
        if ok:
            raise ChildFailed(f"the child ended with {os.waitstatus_to_exitcode(status)}")
        raise answer

    def cancel(self) -> None:
        """Kill and reap the child (nothing when it was reaped already)."""
        pid, self.pid = self.pid, None
        self._pipe.close()
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _answer(out: BinaryIO, work: Callable[[], Any]) -> None:
    """Send ``(True, work())``, or ``(False, the exception it raised)``. An answer that does not
    pickle fails the child, which the parent sees as ``ChildFailed`` (the stream is cut)."""
    try:
        answer: tuple[bool, Any] = (True, work())
    except Exception as error:  # sent to the parent, which raises it
        answer = (False, error)
    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
