"""What the CLI shows: a JSON document for machines, and the one-line summary."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from json.encoder import encode_basestring as _quote  # json.dumps(ensure_ascii=False)'s
from typing import Any, TypeVar

from syncer.gcpause import collector_paused
from syncer.model import Urgency
from syncer.results import RowResult, TrackerResult

_ROWS_PER_PIECE = 5_000
T = TypeVar("T")


def summary_counts(results: Sequence[TrackerResult]) -> dict[str, int]:
    status = Counter(result.status for result in results)
    urgency = Counter(row.decision.urgency for result in results for row in result.rows)
    return {
        "trackers": len(results),
        "synced": status["synced"],
        "would_change": status["would_change"],
        "unchanged": status["unchanged"],
        "failed": status["failed"],
        "conflicts": sum(len(result.conflicts) for result in results),
        "invalid_rows": urgency[Urgency.INVALID],
        "overdue": urgency[Urgency.OVERDUE],
        "today": urgency[Urgency.TODAY],
        "upcoming": urgency[Urgency.UPCOMING],
        "cells_written": sum(result.cells_written for result in results),
        "cells_planned": sum(result.cells_planned for result in results),
        "rows_planned": sum(result.rows_planned for result in results),
        "columns_planned": sum(result.columns_planned for result in results),
    }


def json_document(
    results: Sequence[TrackerResult], *, dry_run: bool, indent: int | None = 2
) -> str:
    """The --json document. ``indent=None`` gives one line, several times faster to encode
    (Python's C encoder does not indent): the CLI indents only for a terminal."""
    # 100,000 rows' dicts would set off the cycle collector again and again.
    with collector_paused():
        if indent is None:
            return "".join(json_document_pieces(results, dry_run=dry_run))
        document: dict[str, Any] = {
            "trackers": [result.as_json() for result in results],
            "summary": summary_counts(results),
            "dry_run": dry_run,
        }
        return json.dumps(document, indent=indent, ensure_ascii=False)


def json_document_pieces(results: Sequence[TrackerResult], *, dry_run: bool) -> Iterator[str]:
    """The one-line --json document in pieces, the same text as ``json.dumps(document)``.

    Rows are encoded a batch at a time, so a 100,000-row tracker never has all its rows' dicts
    in memory at once.
    """
    yield '{"trackers": ['
    for number, result in enumerate(results):
        yield ", {" if number else "{"
        for index, (key, value) in enumerate(result.as_json_with_rows(None).items()):
            yield f"{', ' if index else ''}{_dumps(key)}: "
            if key == "rows":
                yield from _rows_json(result)
            elif key in ("errors", "conflicts"):
                yield from _list_json(value, _dumps)
            else:
                yield _dumps(value)
        yield "}"
    yield f'], "summary": {_dumps(summary_counts(results))}, "dry_run": {_dumps(dry_run)}}}'


def _rows_json(result: TrackerResult) -> Iterator[str]:
    """The rows' JSON a batch at a time, read once in order (a streamed sync's come from disk)."""
    return _list_json(result.rows, row_json)


def _list_json(items: Iterable[T], encode: Callable[[T], str]) -> Iterator[str]:
    """A JSON list of ``items``, each ``encode``d, a batch at a time (read once, in order)."""
    yield "["
    remaining = iter(items)
    separator = ""
    while batch := list(islice(remaining, _ROWS_PER_PIECE)):
        yield separator
        yield ", ".join(map(encode, batch))
        separator = ", "
    yield "]"


def row_json(row: RowResult) -> str:
    """``_dumps(row.as_json())``, laid out by hand: building each row's dict cost more than
    encoding it. Actions and urgencies are ``StrEnum``s, encoded as their text; a due date's ISO
    text needs no escaping."""
    decision = row.decision
    action, due = decision.action, decision.due_on
    return (
        f'{{"row": {int.__repr__(row.row)}, '
        f'"action": {"null" if action is None else _quote(action)}, '
        f'"due": {"null" if due is None else _due_json(due)}, '
        f'"urgency": {_quote(decision.urgency)}, "why": {_quote(decision.why)}}}'
    )


@functools.lru_cache(maxsize=1024)
def _due_json(due: date) -> str:
    return f'"{due.isoformat()}"'


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def tracker_title(result: TrackerResult) -> str:
    """A tracker as people know it: the client's name with its file or URL, or the source."""
    return f"{result.client} ({result.source})" if result.client else result.source


def planned_phrase(cells: int, rows: int, columns: int) -> str:
    """ "would write 35 cells in 12 rows" (and add columns), or "would change nothing"."""
    if not cells and not columns:
        return "would change nothing"
    parts = []
    if columns:
        parts.append(f"add {columns} column(s)")
    if cells:
        parts.append(f"write {cells} cell(s) in {rows} row(s)")
    return "would " + " and ".join(parts)


def summary_counts_line(counts: dict[str, int], *, dry_run: bool) -> str:
    """The one-line summary; with --dry-run it says what would be written."""
    if dry_run:
        what = planned_phrase(
            counts["cells_planned"], counts["rows_planned"], counts["columns_planned"]
        )
        done = (
            f"dry run, nothing written: {what}; {counts['trackers']} tracker(s): "
            f"{counts['would_change']} would change, "
        )
    else:
        done = f"{counts['trackers']} tracker(s): {counts['synced']} synced, "
    return (
        f"{done}{counts['unchanged']} unchanged, {counts['failed']} failed; "
        f"{counts['overdue']} overdue, {counts['today']} due today, "
        f"{counts['upcoming']} upcoming, {counts['invalid_rows']} invalid row(s), "
        f"{counts['conflicts']} conflict(s)"
    )


def summary_line(results: Sequence[TrackerResult]) -> str:
    dry_run = any(result.dry_run for result in results)
    return summary_counts_line(summary_counts(results), dry_run=dry_run)
