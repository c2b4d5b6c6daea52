"""Where a streamed sync keeps what grows with the file, so its memory does not.

A big csv is planned as it is read (``syncer.backends.csvfile``): the plan's rows, cell updates
and new sync state go to disk a chunk at a time, and the previous state is looked up by Row ID
on disk, so a run holds one chunk of rows, not the file.

- ``ChunkLog``: items appended in chunks to an unnamed temp file (nothing is left behind even
  by a killed run), read back in order as often as needed (the journal, the check, the rewrite
  and the JSON each read the updates or rows once);
- ``Spill``: one tracker's private sqlite file (0600, in the temp folder, removed on ``close``;
  a killed run's file is removed by the next run) holding the previous state, the new state
  (written out sorted by Row ID, as the in-memory state is) and the Row IDs seen.
"""

from __future__ import annotations

import os
import pickle
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from syncer.backends.base import CellUpdate, StateCells, unpack
from syncer.backends.replace_file import remove_dead_files
from syncer.model import CellValue, Decision
from syncer.results import RowResult

#: Items a chunk holds before it goes to disk (tests make it tiny).
CHUNK_ITEMS = 20_000
#: Row IDs looked up in one query (sqlite allows 32,766 parameters since 3.32, 999 before).
_IDS_PER_QUERY = 900
_PREFIX = "syncer-spill-"
_SPILL_NAME = re.compile(re.escape(_PREFIX) + r"(?P<pid>\d+)-[A-Za-z0-9_]+\.sqlite")

T = TypeVar("T")


class ChunkLog(Generic[T]):
    """A list's append, len, iteration and indexing, its items on disk a chunk at a time."""

    def __init__(
        self,
        to_tuple: Callable[[T], Any] | None = None,
        from_tuples: Callable[[list[Any]], list[T]] | None = None,
    ) -> None:
        """Items go to disk as ``to_tuple`` makes them and come back through ``from_tuples``
        (without them, as they are: lists and texts pickle as fast as tuples)."""
        # Closed with the log (it lives as long as the result that holds it); it has no name.
        self._file = tempfile.TemporaryFile(prefix=_PREFIX)  # noqa: SIM115
        self._to_tuple = to_tuple
        self._from_tuples = from_tuples
        self._offsets: list[int] = []
        self._counts: list[int] = []
        self._pending: list[T] = []
        self._cached: tuple[int, list[T]] | None = None

    def append(self, item: T) -> None:
        self._pending.append(item)
        if len(self._pending) >= CHUNK_ITEMS:
            self._write_pending()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def flush(self) -> None:
        """Put the items still in memory on disk (one more, smaller, chunk)."""
        self._write_pending()

    def _write_pending(self) -> None:
        if not self._pending:
            return
        self._file.seek(0, os.SEEK_END)
        self._offsets.append(self._file.tell())
        self._counts.append(len(self._pending))
        pending = self._pending
        tuples = pending if self._to_tuple is None else list(map(self._to_tuple, pending))
        pickle.dump(tuples, self._file, protocol=5)
        self._pending = []

    def _load(self, number: int) -> list[T]:
        self._file.seek(self._offsets[number])
        tuples = pickle.load(self._file)
        return tuples if self._from_tuples is None else self._from_tuples(tuples)

    def _chunk(self, number: int) -> list[T]:
        if self._cached is not None and self._cached[0] == number:
            return self._cached[1]
        items = self._load(number)
        self._cached = (number, items)
        return items

    def chunks(self) -> Iterator[list[T]]:
        """The items in order, a chunk (a fresh list) at a time."""
        for number in range(len(self._offsets)):
            yield self._load(number)
        if self._pending:
            yield list(self._pending)

    def __len__(self) -> int:
        return sum(self._counts) + len(self._pending)

    def __bool__(self) -> bool:
        return bool(self._counts or self._pending)

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or log) of the same items, as the list it stands in for."""
        if not isinstance(other, ChunkLog | list):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks():
            yield from chunk

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        index = index + len(self) if index < 0 else index
        for number, count in enumerate(self._counts):
            if index < count:
                return self._chunk(number)[index]
            index -= count
        return self._pending[index]

    def close(self) -> None:
        self._file.close()


_UPDATE_FIELDS = attrgetter("row", "column", "value", "row_id", "expected", "field")


class UpdateLog(ChunkLog[CellUpdate]):
    """A streamed plan's cell updates (``cell_updates.PackedUpdates`` holds an in-memory one's)."""

    def add_row(
        self,
        row: int,
        row_id: str,
        writes: Sequence[tuple[str, CellValue, str]],
        headers: Mapping[str, str],
    ) -> None:
        """``PackedUpdates.add_row``: the updates of one row, a (field, value, expected) each."""
        self.extend(
            [
                CellUpdate(row, headers[name], value, row_id, before, name)
                for name, value, before in writes
            ]
        )


def update_log() -> UpdateLog:
    return UpdateLog(_UPDATE_FIELDS, lambda tuples: list(starmap(CellUpdate, tuples)))


def _row_fields(row: RowResult) -> tuple[Any, ...]:
    decision = row.decision
    return (
        row.row,
        row.company,
        row.position,
        decision.action,
        decision.due_on,
        decision.urgency,
        decision.why,
        row.contact_name,
        row.link,
    )


def _rows_from(tuples: list[Any]) -> list[RowResult]:
    return [
        RowResult(row, company, position, Decision(action, due, urgency, why), contact, link)
        for row, company, position, action, due, urgency, why, contact, link in tuples
    ]


def row_log() -> ChunkLog[RowResult]:
    return ChunkLog(_row_fields, _rows_from)


def _one_text(text: str) -> tuple[str]:
    return (text,)


def _texts_from(tuples: list[tuple[str]]) -> list[str]:
    return [text for (text,) in tuples]


def message_log() -> ChunkLog[str]:
    """A streamed plan's row-level messages (one per invalid row, copied row or conflict): a
    file of a million invalid rows has a million of them."""
    return ChunkLog(_one_text, _texts_from)


class Spill:
    """One tracker's streamed sync: its private sqlite file. ``close`` removes it."""

    def __init__(self, folder: Path | None = None) -> None:
        remove_stale_spills(folder)
        descriptor, name = tempfile.mkstemp(
            prefix=f"{_PREFIX}{os.getpid()}-", suffix=".sqlite", dir=folder
        )
        os.close(descriptor)
        self.path = Path(name)
        self._logs: list[ChunkLog[Any]] = []
        self.db = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
        for statement in (
            "PRAGMA journal_mode=OFF",
            "PRAGMA synchronous=OFF",
            "PRAGMA cache_size=-16000",
            "CREATE TABLE previous (row_id TEXT PRIMARY KEY, packed TEXT) WITHOUT ROWID",
            "CREATE TABLE state (row_id TEXT PRIMARY KEY, packed TEXT) WITHOUT ROWID",
            "CREATE TABLE taken (row_id TEXT PRIMARY KEY) WITHOUT ROWID",
            "CREATE TABLE file_ids (row_id TEXT, position INTEGER)",
        ):
            self.db.execute(statement)

    def close(self) -> None:
        for log in self._logs:
            log.close()
        self.db.close()
        self.path.unlink(missing_ok=True)

    def row_cache(self) -> ChunkLog[list[CellValue]]:
        """A log of the file's rows as read (closed with the spill)."""
        log: ChunkLog[list[CellValue]] = ChunkLog()
        self._logs.append(log)
        return log

    def previous_cells(self) -> SpilledCells:
        """An empty ``previous`` table, for the stored state (``read_state_file``)."""
        self.db.execute("DELETE FROM previous")
        return SpilledCells(self, "previous")

    def start_plan(self) -> tuple[SpilledCells, SpilledIds, FileIds]:
        """Fresh tables for one plan: its new state, the Row IDs it has given out, the file's."""
        with self.transaction():
            for table in ("state", "taken", "file_ids"):
                self.db.execute(f"DELETE FROM {table}")
        return SpilledCells(self, "state"), SpilledIds(self), FileIds(self)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (sqlite would otherwise make each insert one)."""
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


class _Filter:
    """A fixed-size bit filter before a table: ``maybe(key)`` is False only for keys never
    added, so most lookups of an absent Row ID need no query (8 MB, whatever the file)."""

    _MASK = (1 << 26) - 1  # bits

    def __init__(self) -> None:
        self.bits = bytearray((self._MASK + 1) // 8)

    def add(self, key: str) -> None:
        spot = hash(key) & self._MASK
        self.bits[spot >> 3] |= 1 << (spot & 7)

    def maybe(self, key: object) -> bool:
        spot = hash(key) & self._MASK
        return bool(self.bits[spot >> 3] & (1 << (spot & 7)))


class SpilledCells(StateCells):
    """A state's ``cells`` in a table: assignments wait in memory (a chunk, held as
    ``StateCells`` holds its rows, packed or not) before going there.

    An entry is written at the next assignment after the chunk is full, never at its own, so
    the planner may still change the row it has just stored (its memo).
    """

    __slots__ = ("_expected", "_filter", "_near", "spill", "table")

    def __init__(self, spill: Spill, table: str) -> None:
        super().__init__()
        self.spill = spill
        self.table = table
        self._filter = _Filter()
        self._expected: list[str] = []
        self._near: dict[str, str | None] = {}

    def expect(self, row_ids: list[str]) -> None:
        """The Row IDs the next lookups will mostly be of (the rows of the file's next chunk):
        the first lookup that needs the table fetches them all, a few queries in all."""
        self._expected = row_ids
        self._near = {}

    def _fetch_expected(self) -> None:
        wanted = [
            row_id
            for row_id in dict.fromkeys(self._expected)
            if row_id not in self._rows and self._filter.maybe(row_id)
        ]
        self._expected = []
        near: dict[str, str | None] = dict.fromkeys(wanted)
        db = self.spill.db
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            batch = wanted[start : start + _IDS_PER_QUERY]
            marks = ",".join("?" * len(batch))
            query = f"SELECT row_id, packed FROM {self.table} WHERE row_id IN ({marks})"
            near.update(db.execute(query, batch))
        self._near = near

    def flush(self) -> None:
        self._near, self._expected = {}, []
        if self._rows:
            with self.spill.transaction():
                # In key order: a chunk's rows go into the table's pages one after another.
                self.spill.db.executemany(
                    f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?)",
                    (
                        (row_id, StateCells.packed_row(self, row_id))
                        for row_id in sorted(self._rows)
                    ),
                )
            self._rows = {}

    def _store(self, row_id: str, stored: dict[str, str] | str) -> None:
        if len(self._rows) >= CHUNK_ITEMS and row_id not in self._rows:
            self.flush()
        self._rows[row_id] = stored
        self._filter.add(row_id)

    def __setitem__(self, row_id: str, pairs: dict[str, str]) -> None:
        self._store(row_id, pairs)

    def add_packed(self, rows: Iterable[Sequence[str]]) -> None:
        for row_id, packed in rows:
            self._store(row_id, packed)
        self.flush()

    def carry(self, row_id: str, source: StateCells) -> None:
        self._store(row_id, source.packed_row(row_id))

    def _on_disk(self, row_id: object) -> str | None:
        """The packed text the table holds for ``row_id`` (None when it holds none)."""
        if not self._filter.maybe(row_id):
            return None
        if self._expected:
            self._fetch_expected()
        near = self._near
        if row_id in near:
            return near[row_id]
        row = self.spill.db.execute(
            f"SELECT packed FROM {self.table} WHERE row_id = ?", (row_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def __getitem__(self, row_id: str) -> dict[str, str]:
        if row_id in self._rows:
            return super().__getitem__(row_id)
        packed = self._on_disk(row_id)
        if packed is None:
            raise KeyError(row_id)
        return unpack(packed)

    def pairs(self, row_id: str) -> dict[str, str]:
        if row_id in self._rows:
            return super().pairs(row_id)
        packed = self._on_disk(row_id)
        return {} if packed is None else unpack(packed)

    def get(self, row_id: str, default: Any = None) -> Any:
        try:
            return self[row_id]
        except KeyError:
            return default

    def value(self, row_id: str, name: str) -> str | None:
        if row_id in self._rows:
            return super().value(row_id, name)
        packed = self._on_disk(row_id)
        return None if packed is None else unpack(packed).get(name)

    def packed_row(self, row_id: str) -> str:
        if row_id in self._rows:
            return super().packed_row(row_id)
        packed = self._on_disk(row_id)
        if packed is None:
            raise KeyError(row_id)
        return packed

    def __delitem__(self, row_id: str) -> None:
        self._rows.pop(row_id, None)
        self.flush()  # and forgets the rows fetched
        self.spill.db.execute(f"DELETE FROM {self.table} WHERE row_id = ?", (row_id,))

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._rows or self._on_disk(row_id) is not None

    def __len__(self) -> int:
        self.flush()
        return int(self.spill.db.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])

    def __iter__(self) -> Iterator[str]:
        return (row_id for row_id, _packed in self.sorted_packed())

    def sorted_packed(self) -> Iterator[tuple[str, str]]:
        """(row id, packed digests) by row id: sqlite's order of UTF-8 bytes is Python's order
        of code points, so this is ``sorted(cells)`` of the in-memory state."""
        self.flush()
        cursor = self.spill.db.execute(f"SELECT row_id, packed FROM {self.table} ORDER BY row_id")
        while batch := cursor.fetchmany(CHUNK_ITEMS):
            yield from batch

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpilledCells) or other.spill is not self.spill:
            return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())
        self.flush()
        other.flush()
        db, mine, theirs = self.spill.db, self.table, other.table
        if len(self) != len(other):
            return False
        query = f"SELECT count(*) FROM (SELECT * FROM {mine} EXCEPT SELECT * FROM {theirs})"
        return int(db.execute(query).fetchone()[0]) == 0

    def __repr__(self) -> str:
        return f"SpilledCells({self.table!r})"


class SpilledIds:
    """The Row IDs a plan has given out (``taken``): the set's ``in`` and ``add``."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self.db = spill.db
        self._recent: set[str] = set()
        self._filter = _Filter()

    def __contains__(self, row_id: object) -> bool:
        if row_id in self._recent:
            return True
        if not self._filter.maybe(row_id):
            return False
        query = "SELECT 1 FROM taken WHERE row_id = ?"
        return self.db.execute(query, (row_id,)).fetchone() is not None

    def add(self, row_id: str) -> None:
        self._recent.add(row_id)
        self._filter.add(row_id)
        if len(self._recent) >= CHUNK_ITEMS:
            with self.spill.transaction():
                self.db.executemany(
                    "INSERT OR IGNORE INTO taken VALUES (?)", ((i,) for i in sorted(self._recent))
                )
            self._recent = set()


class FileIds:
    """Every Row ID in the file and where (``Planner._copies``): which are duplicated."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self.db = spill.db
        self._pending: list[tuple[str, int]] = []
        self._filter = _Filter()

    def add(self, row_id: str, position: int) -> None:
        self._pending.append((row_id, position))
        self._filter.add(row_id)
        if len(self._pending) >= CHUNK_ITEMS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        with self.spill.transaction():
            self.db.executemany("INSERT INTO file_ids VALUES (?, ?)", self._pending)
        self._pending = []

    def duplicates(self) -> dict[str, list[int]]:
        """Row id -> the positions of its rows, for the ids of more than one row."""
        self._flush()
        self.db.execute("CREATE INDEX IF NOT EXISTS file_ids_by_id ON file_ids (row_id)")
        groups: dict[str, list[int]] = {}
        query = (
            "SELECT row_id, position FROM file_ids WHERE row_id IN (SELECT row_id FROM file_ids"
            " GROUP BY row_id HAVING count(*) > 1) ORDER BY position"
        )
        for row_id, position in self.db.execute(query):
            groups.setdefault(row_id, []).append(position)
        return groups

    def __contains__(self, row_id: object) -> bool:
        self._flush()
        if not self._filter.maybe(row_id):
            return False
        query = "SELECT 1 FROM file_ids WHERE row_id = ? LIMIT 1"
        return self.db.execute(query, (row_id,)).fetchone() is not None


def remove_stale_spills(folder: Path | None = None) -> list[Path]:
    """Remove the spill files killed runs left in ``folder`` (the temp folder): named as a
    spill is, and whose process is gone (or a day old)."""
    where = Path(folder or tempfile.gettempdir())
    return remove_dead_files(where, _SPILL_NAME, lambda _found: True)
