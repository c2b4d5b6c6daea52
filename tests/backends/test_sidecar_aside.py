"""A big csv's sidecar written by a forked child while the tracker is rewritten
(``atomic_write(aside=True)``): the same files as written in one process, and the same
failures: a full disk in either names its file, leaves both as they were, no temp file and no
child behind."""

from __future__ import annotations

import errno
import os
import shutil
import signal
from datetime import datetime
from pathlib import Path

import pytest

import syncer.backends.csvfile as csvfile
from syncer.config import TrackerConfig
from syncer.forked import can_fork
from syncer.sync import RunOptions, sync_tracker
from tests.trackers import DEFAULT_HEADERS, write_csv

pytestmark = pytest.mark.skipif(not can_fork(), reason="forks only on Linux, with one thread")

NOW = datetime(2026, 11, 20, 2, 0)
OPTIONS = RunOptions(today=NOW.date(), now=NOW)


def _tracker(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        {"Company": f"Co {n}", "Position": "Dev", "Stage": "applied", "Applied On": applied}
        for n in range(12)
        for applied in [f"2026-11-0{n % 9 + 1}"]
    ]
    header = list(DEFAULT_HEADERS)
    return write_csv(folder / "t.csv", header, [[row.get(h, "") for h in header] for row in rows])


def _sync(path: Path) -> str | None:
    result, _plan = sync_tracker(TrackerConfig(source=str(path)), OPTIONS)
    return result.failed


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _no_child_left() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.fixture
def aside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every sidecar written aside; a file the processes that wrote one put their pids in."""
    monkeypatch.setattr(csvfile, "SIDECAR_ASIDE_FROM_ROWS", 1)
    writers = tmp_path / "writers"
    real = csvfile.write_state_json

    def write_state_json(out, rows):  # type: ignore[no-untyped-def]
        with writers.open("a") as record:
            record.write(f"{os.getpid()}\n")
        return real(out, rows)

    monkeypatch.setattr(csvfile, "write_state_json", write_state_json)
    return writers


def test_a_sidecar_written_aside_is_the_one_written_here(
    tmp_path: Path, aside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = _tracker(tmp_path / "here")
    shutil.copytree(here.parent, tmp_path / "aside", dirs_exist_ok=False)
    assert _sync(tmp_path / "aside" / "t.csv") is None
    (writer,) = aside.read_text().split()
    assert int(writer) != os.getpid()  # a child wrote it
    monkeypatch.setattr(csvfile, "SIDECAR_ASIDE_FROM_ROWS", 10**9)
    assert _sync(here) is None
    assert _files(tmp_path / "aside") == _files(here.parent)
    _no_child_left()


def _full(*_args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_the_child_writes_the_sidecar_fails_the_tracker_unchanged(
    tmp_path: Path, aside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tracker(tmp_path / "t")
    before = _files(path.parent)
    monkeypatch.setattr(csvfile, "write_state_json", _full)  # in the child, once forked
    failed = _sync(path)
    assert failed is not None
    assert "cannot write t.csv.syncer.json: No space left on device (ENOSPC)" in failed
    assert "the file is unchanged" in failed
    assert _files(path.parent) == before  # no temp file, no .bak, the tracker as it was
    _no_child_left()


def test_a_full_disk_while_the_file_is_written_stops_the_child_and_its_temp_file(
    tmp_path: Path, aside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tracker(tmp_path / "t")
    before = _files(path.parent)

    def never_done(out, rows):  # type: ignore[no-untyped-def]
        out.write(b"{")
        out.flush()
        signal.pause()  # the child would write for ever: the parent's failure must stop it

    monkeypatch.setattr(csvfile, "write_state_json", never_done)
    monkeypatch.setattr(csvfile._Rewrite, "emit", _full)
    failed = _sync(path)
    assert failed is not None and "cannot write t.csv: No space left on device" in failed
    assert _files(path.parent) == before
    _no_child_left()
