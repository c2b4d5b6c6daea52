"""Where each ``_syncer`` row goes, so a changed sync rewrites only the rows that changed.

Every state row keeps a stable position (``state_slots``), keyed by its first cells (the Row
ID of a tracker row, ``("_meta", name)`` of a meta row); a removed key leaves a blank row.
``SyncState.from_rows`` and ``SheetMeta.from_rows`` skip blank rows and ignore order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncer.backends.state_slots import slots

WIDTH = 3
BLANK = [""] * WIDTH
GAP = 2  # unchanged rows between two changed ones that are still sent in the same range


def _padded(row: Sequence[object]) -> list[str]:
    cells = ["" if value is None else str(value) for value in row[:WIDTH]]
    return cells + [""] * (WIDTH - len(cells))


def _key(row: list[str]) -> tuple[str, ...] | None:
    """What a row stands for; None for a blank row."""
    if not any(row):
        return None
    if row[0] != "_meta":
        return (row[0],) if row[0] else tuple(row)
    if row[2] == "" and ":" in row[1]:
        return (row[0], row[1].split(":", 1)[0], ":")  # ["_meta", "data_rows:N"]
    return (row[0], row[1])


def placed(stored: Sequence[Sequence[object]], rows: Sequence[Sequence[object]]) -> list[list[str]]:
    """The sheet's rows after writing ``rows``: each at its key's stored place, blanks reused."""
    old = [_padded(row) for row in stored]
    new = [_padded(row) for row in rows]
    where = slots([_key(row) for row in old], [_key(row) or ("",) for row in new])
    target = [list(BLANK) for _ in range(max([len(old), *(index + 1 for index in where)]))]
    for row, index in zip(new, where, strict=True):
        target[index] = row
    while len(target) > len(old) and not any(target[-1]):
        target.pop()
    return target


@dataclass(frozen=True)
class Block:
    """Rows ``first``..``first + len(values) - 1`` (0-based) of ``_syncer`` to write."""

    first: int
    values: list[list[str]]

    def a1(self, sheet: str) -> str:
        return f"{sheet}!A{self.first + 1}:C{self.first + len(self.values)}"


def changed_blocks(stored: Sequence[Sequence[object]], target: list[list[str]]) -> list[Block]:
    """The rows of ``target`` that differ from ``stored``, adjacent ones (gaps up to GAP)
    merged into one block."""
    old = [_padded(row) for row in stored]
    changed = [i for i, row in enumerate(target) if i >= len(old) or old[i] != row]
    blocks: list[Block] = []
    start = end = -1
    for index in [*changed, None]:
        if index is not None and start >= 0 and index - end <= GAP + 1:
            end = index
            continue
        if start >= 0:
            blocks.append(Block(start, target[start : end + 1]))
        if index is not None:
            start = end = index
    return blocks
