"""Work in a forked child (``syncer.forked``): its answer, its exception, its death."""

from __future__ import annotations

import errno
import os
import signal

import pytest

from syncer.forked import ChildFailed, Forked, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="forks only on Linux, with one thread")


def test_the_childs_answer_comes_back_and_the_child_is_reaped() -> None:
    parent = os.getpid()
    child = Forked(lambda: (os.getpid(), [1, "two", None]))
    pid = child.pid
    answer = child.result()
    assert answer[0] not in (parent, None) and answer[1] == [1, "two", None]
    assert child.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid or 0, os.WNOHANG)


def test_the_childs_exception_is_raised_here_as_it_was() -> None:
    def disk_full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/t.csv.syncer.json")

    with pytest.raises(OSError) as raised:
        Forked(disk_full).result()
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == "/tmp/t.csv.syncer.json"


@pytest.mark.parametrize("how", ["killed", "exits early", "unpicklable"])
def test_a_child_that_sends_no_answer_whole_fails_here(how: str) -> None:
    def work() -> object:
        if how == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "exits early":
            os._exit(0)
        return lambda: None  # a lambda does not pickle

    with pytest.raises(ChildFailed):
        Forked(work).result()


def test_a_cancelled_child_is_killed_and_reaped() -> None:
    child = Forked(signal.pause)
    pid = child.pid
    child.cancel()
    child.cancel()  # twice: nothing more
    with pytest.raises(ChildProcessError):
        os.waitpid(pid or 0, os.WNOHANG)
