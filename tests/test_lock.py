"""RunLock: one run at a time, across processes, and never a stale lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncer.errors import LockHeldError
from syncer.lock import RunLock, default_lock_path, state_dir

REPO = Path(__file__).resolve().parent.parent

#: A child that tries the lock once and reports: "held: <message>" or "acquired".
TRY_LOCK = """
import sys
from pathlib import Path
from syncer.errors import LockHeldError
from syncer.lock import RunLock
try:
    with RunLock(Path(sys.argv[1])):
        print("acquired")
except LockHeldError as error:
    print("held:", error)
"""

#: A child that takes the lock, says so, and sleeps until it is killed.
HOLD_LOCK = """
import sys, time
from pathlib import Path
from syncer.lock import RunLock
lock = RunLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def try_in_another_process(path: Path) -> str:
    done = subprocess.run(
        python(TRY_LOCK, str(path)), cwd=REPO, capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_second_run_in_another_process_fails_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "run.lock"
    with RunLock(path):
        started = time.monotonic()
        answer = try_in_another_process(path)
        elapsed = time.monotonic() - started
    assert answer.startswith("held:")
    assert str(path) in answer
    assert f"process {os.getpid()}" in answer
    assert elapsed < 10  # the interpreter's start-up, not a wait for the lock


def test_released_on_exit_even_after_an_error(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    with pytest.raises(RuntimeError), RunLock(path) as lock:
        assert lock.held
        raise RuntimeError("the run failed")
    assert not lock.held
    assert try_in_another_process(path) == "acquired"
    assert path.read_text() == ""  # the PID goes with the lock


def test_released_when_the_holder_process_dies(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    holder = subprocess.Popen(
        python(HOLD_LOCK, str(path)), cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError) as held:
            RunLock(path).acquire()
        assert f"process {holder.pid}" in str(held.value)
        assert str(path) in str(held.value)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    with RunLock(path) as lock:
        assert lock.held
        assert path.read_text().strip() == str(os.getpid())


def test_the_same_lock_twice_in_one_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    with RunLock(path), pytest.raises(LockHeldError):
        RunLock(path).acquire()


def test_lock_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "run.lock"
    with RunLock(path):
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700


def test_state_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("SYNCER_STATE_DIR", raising=False)  # the autouse fixture sets it
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "syncer"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "syncer"
    monkeypatch.setenv("SYNCER_STATE_DIR", str(tmp_path / "explicit"))
    assert state_dir() == tmp_path / "explicit"
    assert default_lock_path() == tmp_path / "explicit" / "run.lock"
    assert state_dir(tmp_path / "configured") == tmp_path / "configured"
