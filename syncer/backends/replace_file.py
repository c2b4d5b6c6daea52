"""Replacing a person's file safely: conditional, atomic, owner- and mode-keeping.

Every file syncer writes beside a person's tracker (the tracker itself, its ``.bak``, the csv
sidecar, the digest) goes through ``atomic_write``:

- the new content is written to a temp file in the same folder, named
  ``.<name>.syncer-tmp-<pid>-<random>`` so that a later run can recognise one a killed run left
  behind (``remove_stale_temps``), flushed and fsynced, given the old file's owner, group and
  mode, then ``os.replace``d over the target: a reader sees the old or the new file, never half;
- a target that is a symlink is resolved: the file it points to is written and the link stays;
- the ``.bak`` costs no copy: it is a hard link to the current file, made under a temp name
  beside it (its data fsynced) and renamed to ``<name>.bak`` just before the file's own replace.
  syncer never writes a file in place, so once the replace moves the name on, the inode only
  the ``.bak`` names is exactly the previous version, with its owner and mode. Where a link
  cannot be a snapshot (the file system refuses hard links, the file has another name already,
  a mode is forced) the file is copied to the temp instead;
- with ``expected`` (the ``FileVersion`` read at the start of the run) the file is checked
  before anything is written (inode, size, mtime) and again immediately before the ``.bak``'s
  and the file's replace (with its SHA-256 too); a file saved by someone else meanwhile is left
  as it is and nothing is written, not even the ``.bak``;
- an OS error (disk full, read-only file system, permission denied) at any step before the
  replaces removes the temp files and raises ``WriteFailed`` naming the file and the cause,
  with the old file and its old ``.bak`` in place.
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
from syncer.forked import Forked, can_fork

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

    def same_file(self, stat: os.stat_result) -> bool:
        return (stat.st_dev, stat.st_ino) == (self.device, self.inode)

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


def check_unchanged(path: Path, source: str, expected: FileVersion, *, read: bool = True) -> None:
    """Raise ConflictError when ``path`` is not the version that was read; ``read=False`` looks
    at the stat only (inode, size, mtime): a cheap early look, when the hash is checked later."""
    now = current_version(path) if read else _stat_version(path, expected.sha256)
    if now is None:
        raise ConflictError(source, f"{path.name} disappeared while syncing; nothing written")
    if now != expected:
        raise changed_while_syncing(path, source)


def _stat_version(path: Path, sha256: str) -> FileVersion | None:
    """The file's version now by its stat alone, its hash taken as ``sha256`` unread."""
    try:
        return FileVersion.of(os.stat(path), sha256)
    except FileNotFoundError:
        return None


def changed_while_syncing(path: Path, source: str) -> ConflictError:
    return ConflictError(
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
    aside: bool = False,
) -> None:
    """Replace ``path`` (through a symlink) with what ``write`` writes; see the module doc.

    With ``backup`` the current file becomes ``<name>.bak`` beside it. The ``.bak`` and
    ``companions`` (a csv's sidecar) are staged as temp files before the replace (so a full
    disk fails them all before anything changes); the ``.bak`` is replaced just before the file,
    the companions just after it. A new file takes the owner and mode of ``like`` (companions:
    of ``path``'s file), else the umask's mode; ``mode`` forces the mode. With ``aside`` the
    companions are written by a forked child while this process writes the file, where forking
    is safe (``forked.can_fork``): a big csv's sidecar costs its nightly run no time then.
    """
    target = Path(os.path.realpath(path))
    name = source or str(path)
    bak: _Staged | None = None
    staged: list[_Staged] = []
    at = target  # the file being worked on, for the message
    committed = False
    try:
        remove_stale_temps(target)
        write_step("check", target)
        if expected is not None:
            check_unchanged(target, name, expected, read=False)
        write_step("backup", target)
        if backup and target.exists():
            bak = _Staged(target.with_name(target.name + ".bak"), like=target, mode=mode)
            at = bak.target
            _stage_backup(bak, target, name, expected)
        write_step("temp", target)
        main = _Staged(target, like=like or target, mode=mode)
        others = [
            (_Staged(Path(os.path.realpath(other)), like=target, mode=mode), other_write)
            for other, other_write in companions
        ]
        staged = [main, *(other for other, _write in others)]
        aside = aside and bool(others) and can_fork()
        if aside:
            for other, other_write in others:
                at = other.target
                other.write_aside(other_write)
        at = target
        main.write(write)
        for other, other_write in others:
            at = other.target
            if aside:
                other.finish()
            else:
                other.write(other_write)
        write_step("replace", target)
        if expected is not None:
            check_unchanged(target, name, expected)
        if bak is not None:
            at = bak.target
            bak.commit()
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
        for staged_file in [*([bak] if bak else []), *staged]:
            staged_file.discard()


def _stage_backup(bak: _Staged, target: Path, source: str, expected: FileVersion | None) -> None:
    """Stage ``target``'s current version as ``bak``'s temp file: a hard link where that is a
    snapshot, else a copy. A snapshot needs no other name sharing the file (a person's second
    name for it could be edited in place; a ``.bak`` a stopped run left as this very file would
    make the rename onto it do nothing), so that once the replace moves the tracker's name on
    only the ``.bak`` reaches it; and no forced mode, which a link cannot have apart from its file.

    A link to a file other than the one read (saved between the first look and the link) is a
    conflict; the same file's bytes are checked by the hash just before the replace."""
    if bak.mode is None and os.stat(target).st_nlink == 1 and (linked := bak.link(target)):
        if expected is not None and not expected.same_file(linked):
            raise changed_while_syncing(target, source)
        return
    copied = bak.write(lambda out: _copy(target, out))
    if expected is not None and copied != expected.sha256:  # saved while copying
        check_unchanged(target, source, expected)


class _Staged:
    """A temp file beside ``target`` that becomes ``target`` on ``commit``."""

    def __init__(self, target: Path, *, like: Path, mode: int | None) -> None:
        self.target = target
        self.like = target if target.exists() else like
        self.mode = mode
        self.temp: Path | None = None
        self._aside: Forked[object] | None = None

    def write(self, write: Writer) -> object:
        descriptor, temp = self._open_temp()
        return self._fill(descriptor, temp, write)

    def write_aside(self, write: Writer) -> None:
        """``write``, in a forked child while this process goes on: ``finish`` waits for it
        (and raises the error it met, a full disk say)."""
        descriptor, temp = self._open_temp()  # named after this process, not the child
        try:
            self._aside = Forked(lambda: self._fill(descriptor, temp, write))
        finally:
            os.close(descriptor)  # the child's copy is the one written

    def finish(self) -> None:
        aside = self._aside
        assert aside is not None, "finish() without write_aside()"
        try:
            aside.result()  # reaps the child, whatever it answers
        except BaseException:
            aside.cancel()  # a stop while waiting: the child must not outlive it
            raise
        finally:
            self._aside = None

    def _open_temp(self) -> tuple[int, Path]:
        temp = self._new_temp()
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self.temp = temp
        return descriptor, temp

    def _fill(self, descriptor: int, temp: Path, write: Writer) -> object:
        with os.fdopen(descriptor, "wb") as out:
            outcome = write(out)
            out.flush()
            os.fsync(out.fileno())
        _take_owner_and_mode(temp, self.like, self.mode)
        return outcome

    def link(self, source: Path) -> os.stat_result | None:
        """Make the temp file a hard link to ``source`` and fsync ``source``'s data (cheap when
        it is flushed already); the link's stat, or None when the file system refuses links
        (FAT, exFAT, some network mounts; ``fs.protected_hardlinks`` for another's file)."""
        temp = self._new_temp()
        try:
            os.link(source, temp)
        except OSError:
            return None
        self.temp = temp
        descriptor = os.open(temp, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(descriptor)
            return os.fstat(descriptor)
        finally:
            os.close(descriptor)

    def _new_temp(self) -> Path:
        """A free temp name beside the target (a killed run's leftovers removed first)."""
        remove_stale_temps(self.target)
        return self.target.with_name(
            f".{self.target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        )

    def commit(self) -> None:
        assert self.temp is not None
        os.replace(self.temp, self.target)
        self.temp = None
        _fsync_folder(self.target.parent)

    def discard(self) -> None:
        if self._aside is not None:  # still writing: stopped before its temp file goes
            self._aside.cancel()
            self._aside = None
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
    a day old). Age is the ctime: a hard link made a second ago (a ``.bak``'s temp) shares its
    file's mtime, which may be any age; its ctime is when it was made, or later."""
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
            age = time.time() - entry.stat(follow_symlinks=False).st_ctime
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
