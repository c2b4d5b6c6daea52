"""Split a coach's trackers across several machines or cron entries: ``--shard 2/4``.

Each tracker goes to a shard chosen by rendezvous (highest random weight) hashing of its source:
the choice depends only on the source and the shard count, never on the tracker's position in the
config, so adding or removing a client moves no other client, and going from N to N+1 shards
moves only about 1/(N+1) of them. The hash is SHA-256, the same on every machine and every run
(Python's ``hash()`` is salted per process).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from syncer.errors import ConfigError


class HasSource(Protocol):
    @property
    def source(self) -> str: ...


T = TypeVar("T", bound=HasSource)

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)``: shard I (1-based) of N. ConfigError for anything else."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ConfigError(
            f"--shard: expected I/N, e.g. 2/4 (the second of four shards), not {text!r}"
        )
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1:
        raise ConfigError(f"--shard {text}: the number of shards must be at least 1")
    if not 1 <= index <= count:
        raise ConfigError(f"--shard {text}: the shard must be between 1 and {count}")
    return index, count


def _weight(source: str, shard: int) -> int:
    digest = hashlib.sha256(f"{shard}\0{source}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def shard_of(source: str, count: int) -> int:
    """The 1-based shard that owns ``source`` among ``count`` shards."""
    return max(range(1, count + 1), key=lambda shard: _weight(source, shard))


def select_shard(trackers: Sequence[T], index: int, count: int) -> list[T]:
    """The trackers of shard ``index`` of ``count`` (1-based), in their original order."""
    if not 1 <= index <= count:
        raise ConfigError(f"shard {index}/{count}: the shard must be between 1 and {count}")
    return [tracker for tracker in trackers if shard_of(tracker.source, count) == index]
