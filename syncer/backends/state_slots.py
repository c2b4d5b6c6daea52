"""Where each row of a stored state table goes when the table is rewritten in place.

A Google Sheet's ``_syncer`` tab and a workbook's ``_syncer`` sheet both keep every state row at
a stable position, so a changed sync rewrites only the rows that changed: a kept key keeps its
row, a removed key frees its row, and a new key takes the first free row or goes past the end.
``SyncState.from_rows`` ignores order and blank rows, so any placement reads back the same.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def slots(stored: Sequence[Hashable | None], wanted: Sequence[Hashable]) -> list[int]:
    """The 0-based row of each ``wanted`` key, given the ``stored`` keys by row (None: blank).

    A key keeps the first stored row holding it; every other row (blank, a duplicate, a key no
    longer wanted) is free, and the wanted keys not stored take the free rows in order, then the
    rows past the end.
    """
    # Built from the last row up, so a key's first stored row wins.
    at: dict[Hashable | None, int] = dict(
        zip(reversed(stored), range(len(stored) - 1, -1, -1), strict=True)
    )
    at.pop(None, None)
    placed = [at.pop(key, -1) for key in wanted]
    pending = [position for position, index in enumerate(placed) if index < 0]
    if pending:
        kept = set(placed)
        free = (index for index in range(len(stored)) if index not in kept)
        end = len(stored)
        for position in pending:
            slot = next(free, None)
            if slot is None:
                slot, end = end, end + 1
            placed[position] = slot
    return placed
