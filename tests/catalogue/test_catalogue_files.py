"""The catalogue, local files as real people and real machines treat them (issue 10).

A save by a person at each step of syncer's write, a tracker behind a symlink or owned by another
user, a full disk (or a read-only file system, or a refused permission) at each write step, the
temp files of a killed run, and a digest that names contacts. These are local-file cases: a
Google Sheet has no file, owner, mode or temp file (its edits during a run are the re-check's
cases in test_catalogue_sheets.py).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from syncer.backends import replace_file
from syncer.backends.replace_file import TEMP_MARK, remove_stale_temps
from syncer.cli import cli
from tests.backends.test_local_interrupted import (
    OPTIONS,
    contents,
    make_tracker,
    saved_by_a_person,
    sync_killed_at,
)
from tests.backends.test_local_interrupted import sync as sync_tracker
from tests.catalogue.helpers import assert_tracker_failed, sync
from tests.test_streamed_sync import stream_everything

SUFFIXES = [".csv", ".xlsx"]
STREAMED = ".csv, streamed"
WRITE_STEPS = ["check", "backup", "temp", "replace"]
OTHER_UID = 1234  # a person's account; the tests run as root, like a careless cron job


def temp_files(*folders: Path) -> list[str]:
    return [p.name for folder in folders for p in folder.iterdir() if TEMP_MARK in p.name]


# -- a person saves while syncer writes --------------------------------------------------------


def save_same_size_same_mtime(path: Path) -> None:
    """A one-letter edit that keeps the size, with the old mtime put back: only the hash sees it."""
    stat = path.stat()
    data = path.read_bytes()
    if path.suffix == ".csv":
        edited = data.replace(b"Finance", b"Banking", 1)
    else:
        edited = data[:-1] + bytes([data[-1] ^ 1])  # the zip's comment length: still a workbook
    assert edited != data and len(edited) == len(data)
    path.write_bytes(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def save_as_an_app_does(path: Path) -> None:
    """Write a new file beside it and rename it over (a new inode), as Excel saves."""
    temp = path.with_name("~save" + path.suffix)
    temp.write_bytes(path.read_bytes())
    saved_by_a_person(temp)
    os.replace(temp, path)


SAVES: dict[str, Callable[[Path], None]] = {
    "appended": saved_by_a_person,
    "same size and mtime": save_same_size_same_mtime,
    "renamed over": save_as_an_app_does,
}


def saving_at(monkeypatch: pytest.MonkeyPatch, path: Path, step: str, save: Callable[[Path], None]):
    """At ``step`` of the tracker's write, the person saves (once); returns what they saved."""
    saved: dict[str, Any] = {}

    def at_step(reached: str, target: Path) -> None:
        if reached == step and target == path.resolve() and not saved:
            save(path)
            saved["bytes"] = path.read_bytes()

    monkeypatch.setattr(replace_file, "write_step", at_step)
    return saved


@pytest.mark.parametrize("save", list(SAVES))
@pytest.mark.parametrize("step", WRITE_STEPS)
@pytest.mark.parametrize("suffix", [*SUFFIXES, STREAMED])
def test_a_save_at_any_step_of_the_write_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, step: str, save: str
) -> None:
    if suffix == STREAMED:  # a big csv, read and rewritten as a stream
        stream_everything(monkeypatch)
        suffix = ".csv"
    path = make_tracker(tmp_path / "t", suffix)
    sidecar = path.with_name(path.name + ".syncer.json")
    with monkeypatch.context() as patch:
        saved = saving_at(patch, path, step, SAVES[save])
        run = sync(path)
    assert saved, "the save happened"
    failed = assert_tracker_failed(run, path, path.name, "changed while syncing", "nothing written")
    assert "synced" not in run.output.split("failed")[0]
    assert path.read_bytes() == saved["bytes"]  # exactly the person's save, not a byte of ours
    assert not sidecar.exists()
    assert not path.with_name(path.name + ".bak").exists()  # made only with the replace
    assert temp_files(path.parent) == [], failed

    again = sync(path)  # the next run plans again, over the person's version
    assert again.exit_code == 0, again.output
    assert again.tracker["status"] == "synced"
    after = path.read_bytes() if suffix == ".csv" else None
    if save == "appended" and after is not None:
        assert b"Trey Research" in after and b"Next Action" in after


# -- symlinks, owners and modes ----------------------------------------------------------------


def owner_and_mode(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_uid, stat.st_gid, stat.st_mode & 0o7777


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another uid needs root")
@pytest.mark.parametrize("through_link", [False, True], ids=["file", "symlink"])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_root_run_keeps_the_persons_file_theirs_and_writes_through_a_symlink(
    tmp_path: Path, suffix: str, through_link: bool
) -> None:
    real = make_tracker(tmp_path / "real", suffix)
    os.chown(real, OTHER_UID, OTHER_UID)
    os.chmod(real, 0o640)
    path = real
    if through_link:
        (tmp_path / "links").mkdir()
        path = tmp_path / "links" / real.name
        path.symlink_to(real)
    for night in range(2):  # the second run rewrites the files the first one made
        run = sync(path, extra=["--force"] if night else [])
        assert run.exit_code == 0, run.output
        assert path.is_symlink() == through_link
        if through_link:
            assert os.readlink(path) == str(real)
        assert owner_and_mode(real) == (OTHER_UID, OTHER_UID, 0o640)
        assert owner_and_mode(real.with_name(real.name + ".bak")) == (OTHER_UID, OTHER_UID, 0o640)
        if suffix == ".csv":
            sidecar = path.with_name(path.name + ".syncer.json")
            assert owner_and_mode(sidecar) == (OTHER_UID, OTHER_UID, 0o640)
            assert b"Next Action" in real.read_bytes()
        else:
            assert "Next Action" in [c.value for c in load_workbook(real).active[1]]
        assert temp_files(real.parent, path.parent) == []
    assert sorted(p.name for p in real.parent.iterdir())[:2] == [real.name, real.name + ".bak"]


# -- one tracker's OS error stays that tracker's -------------------------------------------------

FAULTS = {
    errno.ENOSPC: "No space left on device (ENOSPC)",
    errno.EROFS: "Read-only file system (EROFS)",
    errno.EACCES: "Permission denied (EACCES)",
}


class FaultyFolder:
    """Every write call (create, data, fsync, chmod, chown, replace) in ``folder`` counted; call
    ``fail_at`` (1-based, 0 = never) raises ``code`` as the OS would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path, code: int, fail_at: int):
        self.folder = str(folder.resolve())
        self.code = code
        self.fail_at = fail_at
        self.calls: list[str] = []
        real_open, real_fdopen = os.open, os.fdopen

        def opened(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & os.O_CREAT:
                self.step("create", path)
            return real_open(path, flags, *args, **kwargs)

        def fdopen(descriptor: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(descriptor, *args, **kwargs)
            if self.mine(descriptor):
                real_write = handle.write

                def write(data: bytes) -> int:
                    self.step("write", self.folder)
                    return real_write(data)

                handle.write = write
            return handle

        monkeypatch.setattr(os, "open", opened)
        monkeypatch.setattr(os, "fdopen", fdopen)
        for name in ("fsync", "chmod", "chown", "replace"):
            monkeypatch.setattr(os, name, self.counted(name, getattr(os, name)))

    def mine(self, where: Any) -> bool:
        if isinstance(where, int):
            try:
                where = os.readlink(f"/proc/self/fd/{where}")
            except OSError:
                return False
        return str(where).startswith(self.folder + os.sep)

    def step(self, name: str, where: Any) -> None:
        if not self.mine(where) and name != "write":
            return
        self.calls.append(name)
        if len(self.calls) == self.fail_at:
            raise OSError(self.code, os.strerror(self.code), str(where))

    def counted(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.step(name, args[0])
            return real(*args, **kwargs)

        return call


def coach_config(tmp_path: Path) -> tuple[Path, list[Path]]:
    trackers = [
        make_tracker(tmp_path / name, suffix)
        for name, suffix in (("alex", ".csv"), ("blake", ".xlsx"), ("casey", ".csv"))
    ]
    lines = ["[run]", "concurrency = 2", ""]
    for tracker in trackers:
        lines += ["[[trackers]]", f'name = "{tracker.parent.name}"', f'source = "{tracker}"', ""]
    config = tmp_path / "coach.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config, trackers


@pytest.mark.parametrize("code", list(FAULTS), ids=[errno.errorcode[c] for c in FAULTS])
def test_one_trackers_os_error_fails_only_that_tracker_at_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    config, (_, blake, _) = coach_config(tmp_path)
    before = contents(blake)
    digest = tmp_path / "digest"
    with monkeypatch.context() as patch:
        FaultyFolder(patch, blake.parent, code, fail_at=1)
        run = sync(config=config, extra=["--digest", str(digest)])
    assert run.exit_code == 1, run.output
    by_client = {t["client"]: t for t in run.document["trackers"]}
    assert by_client["alex"]["status"] == by_client["casey"]["status"] == "synced"
    failed = by_client["blake"]
    assert failed["status"] == "failed"
    assert FAULTS[code] in failed["failed"] and blake.name in failed["failed"], failed["failed"]
    assert "blake" in run.output and FAULTS[code] in run.output  # the summary on stderr
    assert contents(blake) == before
    assert temp_files(blake.parent) == []
    page = (digest / "digest.html").read_text(encoding="utf-8")
    assert "blake" in page and FAULTS[code] in page
    assert (digest / "digest.csv").exists() and (digest / "digest.ics").exists()


# -- disk full at every write step -------------------------------------------------------------


def uninterrupted(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    path = make_tracker(tmp_path / "clean", suffix)
    with monkeypatch.context() as patch:
        counter = FaultyFolder(patch, path.parent, errno.ENOSPC, fail_at=0)
        result, _ = sync_tracker(path, OPTIONS)
    assert result.failed is None, result.failed
    return len(counter.calls), contents(path)


@pytest.mark.parametrize("suffix", [*SUFFIXES, STREAMED])
def test_disk_full_at_each_write_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    if suffix == STREAMED:
        stream_everything(monkeypatch)
        suffix = ".csv"
    steps, expected = uninterrupted(tmp_path, suffix, monkeypatch)
    # the backup linked (uncounted), fsynced, renamed; the tracker (and sidecar) each created,
    # written, fsynced, given its mode, renamed
    assert steps >= 7
    for k in range(1, steps + 1):
        path = make_tracker(tmp_path / f"step{k}", suffix)
        original = contents(path)
        with monkeypatch.context() as patch:
            faulty = FaultyFolder(patch, path.parent, errno.ENOSPC, fail_at=k)
            result, _ = sync_tracker(path, OPTIONS)
        where = f"step {k} ({faulty.calls[-1]})"
        assert result.failed is not None, where
        assert "No space left on device (ENOSPC)" in result.failed, (where, result.failed)
        assert "cannot write" in result.failed, result.failed
        now = contents(path)
        if suffix == ".csv":
            assert now[0] in (original[0], expected[0]), where
        else:
            assert now in (original, expected), where
        assert temp_files(path.parent) == [], where
        again, _ = sync_tracker(path, OPTIONS)
        assert again.failed is None, (where, again.failed)
        assert again.conflicts == [], where
        assert contents(path) == expected, where


# -- temp files of a killed run ------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def alive() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_the_temp_files_of_a_killed_run_are_removed_by_the_next_run(
    tmp_path: Path, suffix: str
) -> None:
    path = make_tracker(tmp_path / "t", suffix)
    before = path.read_bytes()
    killed = sync_killed_at("replace", path, tmp_path / "state")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = temp_files(path.parent)
    assert left and all(name.startswith(f".{path.name}") for name in left), left
    assert any((path.parent / name).stat().st_size > 0 for name in left)
    assert path.read_bytes() == before  # killed before the replace: the old version
    (link,) = [name for name in left if name.startswith(f".{path.name}.bak")]
    assert (path.parent / link).samefile(path)  # the backup's link, to the tracker itself

    run = sync(path)
    assert run.exit_code == 0, run.output
    assert temp_files(path.parent) == []
    assert path.with_name(path.name + ".bak").read_bytes() == before
    assert path.stat().st_nlink == 1


def test_only_syncers_own_dead_temp_files_are_removed(
    tmp_path: Path, alive: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    target = folder / "tracker.csv"
    target.write_text("Company\n", encoding="utf-8")
    person = folder / "notes.txt"
    person.write_text("mine", encoding="utf-8")
    dead = dead_pid()
    stale = [
        f".tracker.csv{TEMP_MARK}{dead}-0123abcd",
        f".tracker.csv.bak{TEMP_MARK}{dead}-0123abcd",
        f".tracker.csv.syncer.json{TEMP_MARK}{dead}-0123abcd",
    ]
    kept = [
        f".tracker.csv{TEMP_MARK}{alive}-0123abcd",  # a run still writing
        f".other.csv{TEMP_MARK}{dead}-0123abcd",  # another tracker's: its own run tidies it
        f"tracker.csv{TEMP_MARK}{dead}-0123abcd",  # not syncer's name (no leading dot)
        f".tracker.csv{TEMP_MARK}{dead}-0123abcd.txt",
        f".tracker.csv{TEMP_MARK}x{dead}-0123abcd",
        "tracker.csv.bak",
    ]
    for name in stale + kept:
        (folder / name).write_text("x", encoding="utf-8")
    link = folder / f".tracker.csv{TEMP_MARK}{dead}-feedbeef"
    link.symlink_to(person)  # a link named like a temp file: never followed, never removed
    kept.append(link.name)
    removed = remove_stale_temps(target)
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*kept, "notes.txt", "tracker.csv"])
    assert person.read_text(encoding="utf-8") == "mine"

    old = folder / kept[0]
    os.utime(old, (1, 1))  # an old mtime is not an old temp file: a link shares its file's
    assert old not in remove_stale_temps(target)
    a_day_later = time.time() + replace_file.STALE_AFTER_SECONDS + 60
    monkeypatch.setattr(time, "time", lambda: a_day_later)
    assert remove_stale_temps(target) == [old]  # a day-old temp of a live pid: a reused pid


# -- the digest -----------------------------------------------------------------------------------


@pytest.mark.parametrize("configured", [None, "0644"])
def test_the_digest_is_private_unless_the_config_says_otherwise(
    tmp_path: Path, configured: str | None
) -> None:
    path = make_tracker(tmp_path / "t", ".csv")
    config = tmp_path / "syncer.toml"
    config.write_text(
        f'[run]\ndigest_mode = "{configured}"\n' if configured else "", encoding="utf-8"
    )
    digest = tmp_path / "out" / "digest"
    run = sync(path, config=config, extra=["--digest", str(digest)])
    assert run.exit_code == 0, run.output
    file_mode, folder_mode = (0o600, 0o700) if configured is None else (0o644, 0o755)
    for name in ("digest.html", "digest.csv", "digest.ics"):
        assert (digest / name).stat().st_mode & 0o777 == file_mode
    assert digest.stat().st_mode & 0o777 == folder_mode
    assert (tmp_path / "out").stat().st_mode & 0o777 == folder_mode


def test_a_digest_mode_that_is_not_octal_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text('[run]\ndigest_mode = "rw-r--r--"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--config", str(config)])
    assert result.exit_code == 2
    assert "[run] digest_mode" in result.output


# -- a csv in a legacy encoding -------------------------------------------------------------------


def test_a_windows_1252_csv_keeps_its_encoding_and_syncers_text_never_reads_as_a_conflict(
    tmp_path: Path,
) -> None:
    """The person's Société (Windows-1252 bytes) stays byte for byte; syncer's draft, signed by
    a name Windows-1252 cannot hold, is written in plain letters with a note, and the nights
    after report no conflict and write nothing that has not changed."""
    lines = [
        ["Company", "Position", "Stage", "Applied On", "Contact Name", "Notes"],
        ["Société Générale", "Analyste", "applied", "2026-11-16", "Zoë Ødegård", "café"],
        ["Globex", "Dev", "applied", "2026-11-18", "Øyvind Straße", ""],
    ]
    path = tmp_path / "tracker.csv"
    path.write_bytes("".join(",".join(line) + "\r\n" for line in lines).encode("cp1252"))
    config = tmp_path / "syncer.toml"
    config.write_text('[defaults]\ncandidate_name = "Łucja Wołek → Ŝ"\n', encoding="utf-8")
    person = path.read_bytes()

    first = sync(path, config=config)
    assert first.exit_code == 0, first.output
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # still Windows-1252: not converted behind the person's back
    text = data.decode("cp1252")
    assert text.count('Lucja Wolek -> S"') == 2  # each draft signed in plain letters, no "?"
    assert person.splitlines()[1] in data.splitlines()[1]  # the person's bytes, unchanged
    (note,) = [m for m in first.tracker["errors"] if "Windows-1252" in m]
    assert str(path) in note and "rows 2, 3" in note and "Ł" in note and "UTF-8" in note
    assert first.tracker["conflicts"] == []

    for night, today in enumerate(("2026-11-26", "2026-11-27", "2026-11-30"), start=2):
        before = path.read_bytes()
        run = CliRunner().invoke(
            cli, ["sync", str(path), "--config", str(config), "--today", today, "--json"]
        )
        document = json.loads(run.stdout)
        (tracker,) = document["trackers"]
        assert tracker["conflicts"] == [], (night, tracker["conflicts"])
        assert tracker["failed"] is None
        if today == "2026-11-26":
            assert tracker["cells_written"] == 0 and path.read_bytes() == before
        assert person.splitlines()[1] in path.read_bytes().splitlines()[1]
