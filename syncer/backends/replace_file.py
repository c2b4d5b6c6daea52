"""Replacing a person's file safely: conditional, atomic, owner- and mode-keeping.

Every file syncer writes beside a person's tracker (the tracker itself, its ``.bak``, the csv
sidecar, the digest) goes through ``atomic_write``:

- the new content is written to a temp file in the same folder, named
  ``.<name>.syncer-tmp-<pid>-<random>`` so that a later run can recognise one a killed run left
  behind (``remove_stale_temps``), flushed and fsynced, given the old file's owner, group and
  mode, then ``os.replace``d over the target: a reader sees the old or the new file, never half;
- a target that is a symlink is resolved: the file it points to is written and the link stays;
- with ``expected`` (the ``FileVersion`` read at the start of the run) the file is checked
  (inode, size, mtime, SHA-256) before the ``.bak`` is made and again immediately before the
  replace; a file saved by someone else meanwhile is left as it is and nothing is written;
- an OS error (disk full, read-only file system, permission denied) at any step removes the temp
  files and raises ``WriteFailed`` naming the file and the cause, with the old file in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from syncer.errors import ConflictError, TrackerError, os_cause

Writer = Callable[[IO[bytes]], object]

TEMP_MARK = ".syncer-tmp-"
#: A temp file whose process is gone, or older than this, is a killed run's leftover.
STALE_AFTER_SECONDS = 24 * 3600


class WriteFailed(TrackerError):
    """An OS error while writing a local file; the file was left as it was."""


def writing(data: bytes) -> Writer:
    """A writer of bytes already in memory."""
    return lambda out: out.write(data)


def write_step(step: str, target: Path) -> None:
    """Called at each step of a write (``check``, ``backup``, ``temp``, ``replace``).

    It does nothing; tests replace it to save a file, fill the disk or kill the run at that step.
    """


@dataclass(frozen=True, slots=True)
class FileVersion:
    """Which file, at which moment: what a later save by someone else always changes."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, stat: os.stat_result, sha256: str) -> FileVersion:
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, sha256)

    def same_stat(self, stat: os.stat_result) -> bool:
        return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns) == (
            self.device,
            self.inode,
            self.size,
            self.mtime_ns,
        )


def read_with_version(path: Path, source: str) -> tuple[bytes, FileVersion]:
    """The file's bytes and the version they are: one open, stat before and after reading."""
    try:
        with path.open("rb") as handle:
            before = os.fstat(handle.fileno())
            data = handle.read()
            after = os.fstat(handle.fileno())
    except OSError as error:
        raise TrackerError(source, f"cannot read the file: {os_cause(error)}") from error
    version = FileVersion.of(after, hashlib.sha256(data).hexdigest())
    if not version.same_stat(before):
        raise ConflictError(source, f"{path.name} was being saved while syncer read it; try again")
    return data, version


def current_version(path: Path) -> FileVersion | None:
    """The file's version now (None when it is gone); hashing is streamed."""
    try:
        with path.open("rb") as handle:
            before = os.fstat(handle.fileno())
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        after = os.stat(path)
    except FileNotFoundError:
        return None
    version = FileVersion.of(before, sha256)
    return version if version.same_stat(after) else FileVersion.of(after, "changing")


def check_unchanged(path: Path, source: str, expected: FileVersion) -> None:
    """Raise ConflictError when ``path`` is not the version that was read."""
    now = current_version(path)
    if now is None:
        raise ConflictError(source, f"{path.name} disappeared while syncing; nothing written")
    if now != expected:
        raise ConflictError(
            source,
            f"{path.name} changed while syncing (saved by someone else?); nothing written, "
            "the next run plans it again",
        )


def atomic_write(
    path: Path,
    write: Writer,
    *,
    backup: bool,
    expected: FileVersion | None = None,
    companions: Sequence[tuple[Path, Writer]] = (),
    like: Path | None = None,
    mode: int | None = None,
    source: str | None = None,
) -> None:
    """Replace ``path`` (through a symlink) with what ``write`` writes; see the module doc.

    With ``backup`` the current file is first copied to ``<name>.bak`` beside it. ``companions``
    (a csv's sidecar) are written to temp files before the replace and replaced just after it,
    so a full disk fails them all before anything changes. A new file takes the owner and mode
    of ``like`` (companions: of ``path``'s file), else the umask's mode; ``mode`` forces the mode.
    """
    target = Path(os.path.realpath(path))
    name = source or str(path)
    staged: list[_Staged] = []
    at = target  # the file being worked on, for the message
    committed = False
    try:
        remove_stale_temps(target)
        write_step("check", target)
        if expected is not None:
            check_unchanged(target, name, expected)
        write_step("backup", target)
        if backup and target.exists():
            bak = _Staged(target.with_name(target.name + ".bak"), like=target, mode=mode)
            at = bak.target
            staged.append(bak)
            copied = bak.write(lambda out: _copy(target, out))
            if expected is not None and copied != expected.sha256:  # saved while copying
                check_unchanged(target, name, expected)
            bak.commit()
            staged.remove(bak)
        write_step("temp", target)
        files = [(target, write, like or target)]
        files += [
            (Path(os.path.realpath(other)), other_write, target)
            for other, other_write in companions
        ]
        for file, file_write, file_like in files:
            at = file
            staged.append(_Staged(file, like=file_like, mode=mode))
            staged[-1].write(file_write)
        write_step("replace", target)
        if expected is not None:
            check_unchanged(target, name, expected)
        for staged_file in staged:
            at = staged_file.target
            staged_file.commit()
            committed = True
    except OSError as error:
        outcome = "the file is unchanged"
        if committed:
            outcome = f"{target.name} was written, {at.name} was not (the next run redoes it)"
        raise WriteFailed(name, f"cannot write {at.name}: {os_cause(error)}; {outcome}") from error
    finally:
        for staged_file in staged:
            staged_file.discard()


class _Staged:
    """A temp file beside ``target`` that becomes ``target`` on ``commit``."""

    def __init__(self, target: Path, *, like: Path, mode: int | None) -> None:
        self.target = target
        self.like = target if target.exists() else like
        self.mode = mode
        self.temp: Path | None = None

    def write(self, write: Writer) -> object:
        remove_stale_temps(self.target)
        temp = self.target.with_name(
            f".{self.target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        )
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self.temp = temp
        with os.fdopen(descriptor, "wb") as out:
            outcome = write(out)
            out.flush()
            os.fsync(out.fileno())
        _take_owner_and_mode(temp, self.like, self.mode)
        return outcome

    def commit(self) -> None:
        assert self.temp is not None
        os.replace(self.temp, self.target)
        self.temp = None
        _fsync_folder(self.target.parent)

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def _copy(source: Path, out: IO[bytes]) -> str:
    """Copy ``source`` into ``out``; the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _take_owner_and_mode(temp: Path, like: Path, mode: int | None) -> None:
    """Give the temp file ``like``'s owner, group and mode (a root run keeps a person's file
    theirs); a new file gets the umask's mode. chown first: it clears set-id bits."""
    try:
        stat = like.stat()
    except FileNotFoundError:
        os.chmod(temp, mode if mode is not None else 0o666 & ~_umask())
        return
    if (stat.st_uid, stat.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(temp, stat.st_uid, stat.st_gid)
        except PermissionError:  # not root: keep at least the group when we are in it
            with contextlib.suppress(PermissionError):
                os.chown(temp, -1, stat.st_gid)
    os.chmod(temp, mode if mode is not None else stat.st_mode & 0o7777)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_TEMP_NAME = re.compile(r"\.(?P<name>.+)" + re.escape(TEMP_MARK) + r"(?P<pid>\d+)-[0-9a-f]{8}")


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temp files a killed run left for ``target`` (or for its ``<name>.bak`` and
    ``<name>.syncer.json``): regular files named exactly as syncer names them, whose process
    is gone (or that are a day old). Never anything else."""
    names = (target.name, f"{target.name}.bak", f"{target.name}.syncer.json")
    return remove_dead_files(target.parent, _TEMP_NAME, lambda found: found["name"] in names)


def remove_dead_files(
    folder: Path, pattern: re.Pattern[str], ours: Callable[[re.Match[str]], bool]
) -> list[Path]:
    """Remove the regular files in ``folder`` whose whole name ``pattern`` matches (its group
    ``pid``: the process that made it) and ``ours`` accepts, whose process is gone (or that are
    a day old)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        matched = pattern.fullmatch(entry.name)
        if matched is None or not ours(matched):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = time.time() - entry.stat(follow_symlinks=False).st_mtime
            if process_alive(int(matched["pid"])) and age < STALE_AFTER_SECONDS:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
