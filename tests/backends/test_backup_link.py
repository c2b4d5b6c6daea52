"""The ``.bak``: a hard link to the previous file, no copy; a copy only where a link cannot be one.

syncer never writes a tracker in place, so the inode the ``.bak`` keeps once the tracker's name
has moved on is exactly the previous version. These tests hold that it is (its bytes, its mode,
its inode), that nothing the tracker gets later shows through it, and that a run which stops (a
conflict, an OS error, a kill) never leaves a ``.bak`` that is the live file.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncer.backends import replace_file
from syncer.backends.replace_file import (
    TEMP_MARK,
    WriteFailed,
    atomic_write,
    read_with_version,
    writing,
)
from syncer.errors import ConflictError
from tests.backends.test_local_interrupted import OPTIONS, make_tracker, sync, sync_killed_at

OLD, NEW, NEWER = b"Company\nAcme\n", b"Company,Why\nAcme,new\n", b"Company,Why\nAcme,newer\n"


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TEMP_MARK in p.name]


def inode(path: Path) -> tuple[int, int]:
    stat = os.stat(path, follow_symlinks=False)
    return stat.st_dev, stat.st_ino


def replace(path: Path, data: bytes, **options: Any) -> None:
    """Write ``data`` over ``path`` with a backup, as a sync does: checked against what was read."""
    _, version = read_with_version(path, str(path))
    atomic_write(path, writing(data), backup=True, expected=version, **options)


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(OLD)
    os.chmod(path, 0o640)
    return path


def bak_of(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def test_the_bak_is_the_previous_file_itself_and_the_new_content_never_shows_through(
    tracker: Path,
) -> None:
    old = inode(tracker)
    replace(tracker, NEW)
    bak = bak_of(tracker)
    assert inode(bak) == old  # the old file, not a copy of it
    assert bak.read_bytes() == OLD and tracker.read_bytes() == NEW
    assert bak.stat().st_mode & 0o7777 == 0o640  # the old file's mode
    assert bak.stat().st_nlink == 1 and inode(tracker) != old

    replace(tracker, NEWER)
    assert bak.read_bytes() == NEW and tracker.read_bytes() == NEWER
    assert sorted(p.name for p in tracker.parent.iterdir()) == ["t.csv", "t.csv.bak"]


def test_only_the_check_just_before_the_replace_reads_the_file(
    tracker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[Path] = []
    real = replace_file.current_version

    def counted(path: Path) -> Any:
        hashed.append(path)
        return real(path)

    _, version = read_with_version(tracker, "t")
    monkeypatch.setattr(replace_file, "current_version", counted)
    atomic_write(tracker, writing(NEW), backup=True, expected=version)
    assert hashed == [tracker]


REFUSALS = [errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSPC]


@pytest.mark.parametrize("code", REFUSALS, ids=[errno.errorcode[c] for c in REFUSALS])
def test_a_file_system_that_refuses_the_link_gets_a_copy(
    tracker: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    tried: list[Any] = []

    def refused(*args: Any, **kwargs: Any) -> None:
        tried.append(args)
        raise OSError(code, os.strerror(code))

    old = inode(tracker)
    monkeypatch.setattr(os, "link", refused)
    replace(tracker, NEW)
    bak = bak_of(tracker)
    assert tried and bak.read_bytes() == OLD and inode(bak) != old
    assert bak.stat().st_mode & 0o7777 == 0o640
    assert temp_files(tracker.parent) == []


def test_a_refused_link_then_a_full_disk_changes_nothing(
    tracker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bak_of(tracker).write_bytes(b"the version before")
    real_open = os.open

    def full(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "link", lambda *a, **k: (_ for _ in ()).throw(PermissionError()))
    monkeypatch.setattr(os, "open", full)
    with pytest.raises(WriteFailed, match=r"cannot write t\.csv\.bak: .*ENOSPC.*unchanged"):
        replace(tracker, NEW)
    assert tracker.read_bytes() == OLD and bak_of(tracker).read_bytes() == b"the version before"
    assert temp_files(tracker.parent) == []


def test_a_forced_mode_makes_the_backup_a_copy_of_that_mode(tracker: Path) -> None:
    old = inode(tracker)
    replace(tracker, NEW, mode=0o600)
    bak = bak_of(tracker)
    assert bak.read_bytes() == OLD and inode(bak) != old
    assert bak.stat().st_mode & 0o7777 == 0o600
    assert tracker.stat().st_mode & 0o7777 == 0o600


def test_a_file_with_another_name_is_copied_so_edits_there_never_reach_the_bak(
    tracker: Path,
) -> None:
    elsewhere = tracker.with_name("shared-copy.csv")
    os.link(tracker, elsewhere)  # the person's own second name for the file
    replace(tracker, NEW)
    with elsewhere.open("r+b") as handle:  # edited in place there, after the sync
        handle.write(b"C")
    assert bak_of(tracker).read_bytes() == OLD
    assert inode(bak_of(tracker)) != inode(elsewhere)


STEPS_BEFORE_THE_REPLACE = ["check", "backup", "temp", "replace"]


def at_step(monkeypatch: pytest.MonkeyPatch, step: str, action: Callable[[Path], None]) -> None:
    def hook(reached: str, target: Path) -> None:
        if reached == step:
            action(target)

    monkeypatch.setattr(replace_file, "write_step", hook)


def save_in_place(path: Path) -> None:
    """A same-size edit written into the file itself: the inode the link sees changes too."""
    stat = path.stat()
    with path.open("r+b") as handle:
        handle.write(b"c")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("step", STEPS_BEFORE_THE_REPLACE)
def test_a_save_in_place_during_the_write_leaves_the_old_bak(
    tracker: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    bak_of(tracker).write_bytes(b"the version before")
    at_step(monkeypatch, step, save_in_place)
    with pytest.raises(ConflictError, match="changed while syncing"):
        replace(tracker, NEW)
    assert tracker.read_bytes() == b"c" + OLD[1:]
    assert bak_of(tracker).read_bytes() == b"the version before"
    assert temp_files(tracker.parent) == []


def disk_full_at_the_trackers_temp(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    real_open = os.open

    def opened(where: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and Path(where).name.startswith(f".{path.name}{TEMP_MARK}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))
        return real_open(where, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", opened)


def test_a_full_disk_after_the_link_leaves_the_old_bak_and_no_link_to_the_live_file(
    tracker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bak_of(tracker).write_bytes(b"the version before")
    disk_full_at_the_trackers_temp(monkeypatch, tracker)
    with pytest.raises(WriteFailed, match=r"cannot write t\.csv: .*ENOSPC.*unchanged"):
        replace(tracker, NEW)
    assert bak_of(tracker).read_bytes() == b"the version before"
    assert tracker.stat().st_nlink == 1
    assert temp_files(tracker.parent) == []


def test_a_bak_left_as_the_live_file_by_a_stopped_run_is_copied_afresh(tracker: Path) -> None:
    """A run stopped between the ``.bak``'s replace and the tracker's leaves them one file (a
    rename of a link onto it would do nothing and leave the temp name behind)."""
    os.link(tracker, bak_of(tracker))
    replace(tracker, NEW)
    assert bak_of(tracker).read_bytes() == OLD and tracker.read_bytes() == NEW
    assert bak_of(tracker).stat().st_nlink == tracker.stat().st_nlink == 1
    assert temp_files(tracker.parent) == []


@pytest.mark.parametrize("kind", ["symlink elsewhere", "symlink to the tracker", "read-only"])
def test_an_existing_bak_that_is_a_symlink_or_read_only_is_replaced_not_followed(
    tracker: Path, kind: str
) -> None:
    bak = bak_of(tracker)
    notes = tracker.with_name("notes.txt")
    notes.write_bytes(b"mine")
    if kind == "read-only":
        bak.write_bytes(b"the version before")
        os.chmod(bak, 0o444)
    else:
        bak.symlink_to(notes if kind == "symlink elsewhere" else tracker)
    old = inode(tracker)
    replace(tracker, NEW)
    assert not bak.is_symlink() and inode(bak) == old
    assert bak.read_bytes() == OLD and tracker.read_bytes() == NEW
    assert bak.stat().st_mode & 0o7777 == 0o640  # the old file's mode, not the old .bak's
    assert notes.read_bytes() == b"mine"


def test_through_a_symlink_the_bak_is_beside_the_real_file(tmp_path: Path, tracker: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    link = links / tracker.name
    link.symlink_to(tracker)
    old = inode(tracker)
    replace(link, NEW)
    assert link.is_symlink() and link.read_bytes() == NEW
    assert inode(bak_of(tracker)) == old and bak_of(tracker).read_bytes() == OLD
    assert sorted(p.name for p in links.iterdir()) == [tracker.name]


def test_a_tracker_untouched_for_days_keeps_its_link_until_the_replace(tracker: Path) -> None:
    """The link shares the tracker's old mtime; the stale-temp sweep before the tracker's own
    temp must not take it for a day-old leftover."""
    os.utime(tracker, (1, 1))
    old = inode(tracker)
    replace(tracker, NEW)
    assert inode(bak_of(tracker)) == old


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sync_links_the_previous_version_as_the_bak(tmp_path: Path, suffix: str) -> None:
    path = make_tracker(tmp_path, suffix)
    before, old = path.read_bytes(), inode(path)
    result, _ = sync(path, OPTIONS)
    assert result.failed is None, result.failed
    bak = bak_of(path)
    assert inode(bak) == old and bak.read_bytes() == before and path.read_bytes() != before
    assert temp_files(tmp_path) == []


def test_a_run_killed_after_the_link_leaves_a_temp_the_next_run_removes(tmp_path: Path) -> None:
    path = make_tracker(tmp_path, ".csv")
    before = path.read_bytes()
    killed = sync_killed_at("temp", path, tmp_path / "state")  # the .bak is linked by then
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (left,) = temp_files(tmp_path)
    assert left.startswith(f".{path.name}.bak{TEMP_MARK}")
    assert inode(tmp_path / left) == inode(path) and not bak_of(path).exists()

    result, _ = sync(path, OPTIONS)
    assert result.failed is None and result.conflicts == [], result.failed
    assert temp_files(tmp_path) == []
    assert bak_of(path).read_bytes() == before and path.stat().st_nlink == 1
    assert b"Next Action" in path.read_bytes()
