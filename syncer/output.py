"""What the CLI shows: a JSON document for machines, tables and a summary for people."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from syncer.backends.base import canonical_text
from syncer.gcpause import collector_paused
from syncer.model import Urgency
from syncer.plan import TrackerPlan
from syncer.results import TrackerResult

_ROWS_PER_PIECE = 5_000

URGENCY_STYLE = {
    Urgency.OVERDUE: "bold red",
    Urgency.TODAY: "bold yellow",
    Urgency.UPCOMING: "green",
    Urgency.DONE: "dim",
    Urgency.INVALID: "magenta",
}


def summary_counts(results: Sequence[TrackerResult]) -> dict[str, int]:
    status = Counter(result.status for result in results)
    urgency = Counter(row.decision.urgency for result in results for row in result.rows)
    return {
        "trackers": len(results),
        "synced": status["synced"],
        "unchanged": status["unchanged"],
        "failed": status["failed"],
        "conflicts": sum(len(result.conflicts) for result in results),
        "invalid_rows": urgency[Urgency.INVALID],
        "overdue": urgency[Urgency.OVERDUE],
        "today": urgency[Urgency.TODAY],
        "upcoming": urgency[Urgency.UPCOMING],
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
            else:
                yield _dumps(value)
        yield "}"
    yield f'], "summary": {_dumps(summary_counts(results))}, "dry_run": {_dumps(dry_run)}}}'


def _rows_json(result: TrackerResult) -> Iterator[str]:
    yield "["
    rows = result.rows
    for start in range(0, len(rows), _ROWS_PER_PIECE):
        batch = [row.as_json() for row in rows[start : start + _ROWS_PER_PIECE]]
        yield ", " if start else ""
        yield _dumps(batch)[1:-1]
    yield "]"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def summary_line(results: Sequence[TrackerResult]) -> str:
    counts = summary_counts(results)
    return (
        f"{counts['trackers']} tracker(s): {counts['synced']} synced, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed; "
        f"{counts['overdue']} overdue, {counts['today']} due today, "
        f"{counts['upcoming']} upcoming, {counts['invalid_rows']} invalid row(s), "
        f"{counts['conflicts']} conflict(s)"
    )


def print_actions(console: Console, result: TrackerResult) -> None:
    """The rows that need attention, most urgent first."""
    order = [Urgency.OVERDUE, Urgency.TODAY, Urgency.UPCOMING, Urgency.INVALID]
    rows = [row for row in result.rows if row.decision.urgency in order]
    rows.sort(
        key=lambda row: (order.index(row.decision.urgency), row.decision.due_on or 0, row.row)
    )
    title = result.client or result.source
    if result.failed:
        console.print(f"[bold red]FAILED[/] {title}: {result.failed}", soft_wrap=True)
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in ("Row", "Company", "Position", "Next action", "Due", "Urgency", "Why"):
        table.add_column(column, overflow="fold")
    for row in rows:
        decision = row.decision
        urgency = decision.urgency
        table.add_row(
            str(row.row),
            row.company,
            row.position,
            decision.action.label if decision.action else "",
            decision.due_on.isoformat() if decision.due_on else "",
            f"[{URGENCY_STYLE[urgency]}]{urgency.value}[/]",
            decision.why,
        )
    console.print(table)
    for line in result.conflicts:
        console.print(f"[yellow]conflict[/] {line}", soft_wrap=True)


def print_changes(console: Console, result: TrackerResult, plan: TrackerPlan | None) -> None:
    """--dry-run: every owned cell the run would change."""
    title = result.client or result.source
    if result.failed or plan is None:
        console.print(f"[bold red]FAILED[/] {title}: {result.failed}", soft_wrap=True)
        return
    if plan.new_columns:
        console.print(f"{title}: would add columns {', '.join(plan.new_columns)}", soft_wrap=True)
    if not plan.updates:
        console.print(f"{title}: nothing to change", soft_wrap=True)
        return
    table = Table(title=f"{title}: {len(plan.updates)} planned change(s)", title_justify="left")
    for column in ("Row", "Column", "Now", "Would become"):
        table.add_column(column, overflow="fold", max_width=60)
    for update in plan.updates:
        after = canonical_text(update.value)
        table.add_row(str(update.row), update.column, _short(update.expected), _short(after))
    console.print(table)


def _short(text: str, limit: int = 80) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
