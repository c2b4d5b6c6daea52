"""The report people read after a sync: what needs them, grouped by tracker, at any width.

By default only what needs the person is listed (overdue, due today, due in the next days,
invalid rows, conflicts, failed trackers), a few lines per section with "and N more"; ``--all``
lists every row. Lines are laid out for the console's width (80 columns is the design width):
the fixed columns (due date, action, row) are never broken, the text after them is cut with "…",
and Why is wrapped on spaces under it. Without a terminal the same text is printed plainly.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from rich.console import Console
from rich.text import Text

from syncer.backends.base import canonical_text
from syncer.model import Urgency
from syncer.output import planned_phrase, tracker_title
from syncer.plan import TrackerPlan
from syncer.results import RowResult, TrackerResult

T = TypeVar("T")

#: "The next days": upcoming actions due within this many days of the run are listed.
NEXT_DAYS = 7
#: Lines per section before "and N more" (``--all`` lifts it).
SECTION_LIMIT = 8

_INDENT = "  "
_DUE_WIDTH = len("2026-11-26")
_ACTION_WIDTH = len("Prepare for interview")


@dataclass(frozen=True)
class Section:
    title: str
    style: str
    rows: Sequence[RowResult]
    hidden: int = 0  # rows due later, not listed without --all


def _sections(result: TrackerResult, today: date, show_all: bool) -> list[Section]:
    by_urgency: dict[Urgency, list[RowResult]] = {urgency: [] for urgency in Urgency}
    for row in result.rows:
        by_urgency[row.decision.urgency].append(row)
    for rows in by_urgency.values():
        rows.sort(key=lambda row: (row.decision.due_on or date.max, row.row))
    horizon = today + timedelta(days=NEXT_DAYS)
    upcoming = by_urgency[Urgency.UPCOMING]
    soon = [row for row in upcoming if row.decision.due_on and row.decision.due_on <= horizon]
    later = upcoming[len(soon) :]  # upcoming is sorted by due date
    sections = [
        Section("Overdue", "bold red", by_urgency[Urgency.OVERDUE]),
        Section("Due today", "bold yellow", by_urgency[Urgency.TODAY]),
        Section(f"Due in the next {NEXT_DAYS} days", "green", soon, hidden=len(later)),
        Section("Later", "green", later if show_all else []),
        Section("Invalid rows: fix these cells", "magenta", by_urgency[Urgency.INVALID]),
    ]
    if show_all:
        sections.append(Section("Nothing to do", "dim", by_urgency[Urgency.DONE]))
    return [section for section in sections if section.rows]


def _cut(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=max(width, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,  # 2026-11-20 stays whole
    )


def row_lines(row: RowResult, width: int) -> list[Text]:
    """One row: due date, action, company · position, row number; Why wrapped beneath."""
    decision = row.decision
    if decision.urgency is Urgency.INVALID:  # Next Action and Due Date are left as they were
        head, tail = f"{_INDENT * 2}{f'row {row.row}':<{_DUE_WIDTH}}  ", ""
    else:
        due = decision.due_on.isoformat() if decision.due_on else ""
        action = decision.action.label if decision.action else ""
        head = f"{_INDENT * 2}{due:<{_DUE_WIDTH}}  {action:<{_ACTION_WIDTH}}  "
        tail = f"  row {row.row}"
    what = " ".join(" · ".join(part for part in (row.company, row.position) if part).split())
    line = Text(head + _cut(what, width - len(head) - len(tail)))
    line.pad_right(max(width - len(line) - len(tail), 0))
    line.append(tail, style="dim")
    why_indent = _INDENT * 2 + " " * (_DUE_WIDTH + 2)
    return [line, *(Text(part, style="dim") for part in _wrapped(decision.why, width, why_indent))]


def _capped(items: Sequence[T], show_all: bool) -> tuple[Sequence[T], int]:
    if show_all or len(items) <= SECTION_LIMIT:
        return items, 0
    return items[:SECTION_LIMIT], len(items) - SECTION_LIMIT


def _more(count: int, what: str = "more") -> Text:
    return Text(f"{_INDENT * 2}… and {count} {what} (syncer sync --all lists every row)", "dim")


def tracker_report(
    result: TrackerResult,
    *,
    today: date,
    width: int,
    show_all: bool = False,
    plan: TrackerPlan | None = None,
) -> Iterable[Text]:
    """The lines of one tracker's report."""
    if result.failed is not None:
        yield Text(f"FAILED {tracker_title(result)}", style="bold red")
        yield from (Text(line) for line in _wrapped(result.failed, width, _INDENT * 2))
        return
    title, outcome = tracker_title(result), tracker_outcome(result)
    if len(title) + len(outcome) + 2 <= width:
        yield Text(f"{title}: {outcome}", style="bold")
    else:
        yield Text(_cut(title, width), style="bold")
        yield from (Text(line) for line in _wrapped(outcome, width, _INDENT))
    shown = False
    for section in _sections(result, today, show_all):
        shown = True
        yield Text(f"{_INDENT}{section.title} ({len(section.rows)})", style=section.style)
        rows, more = _capped(section.rows, show_all)
        for row in rows:
            yield from row_lines(row, width)
        if more:
            yield _more(more)
        if section.hidden and not show_all:
            yield _more(section.hidden, "due later")
    if result.conflicts:
        shown = True
        yield Text(f"{_INDENT}Conflicts: your edits, kept ({len(result.conflicts)})", "yellow")
        conflicts, more = _capped(result.conflicts, show_all)
        for conflict in conflicts:
            yield from (Text(line) for line in _wrapped(str(conflict), width, _INDENT * 2))
        if more:
            yield _more(more)
    if plan is not None and show_all and plan.updates:
        yield Text(f"{_INDENT}Planned changes ({len(plan.updates)})", style="bold")
        for update in plan.updates:
            after = canonical_text(update.value)
            change = " ".join(f"{update.column}: {update.expected!r} -> {after!r}".split())
            yield Text(_cut(f"{_INDENT * 2}row {update.row}  {change}", width))
    if not shown:
        yield Text(f"{_INDENT}Nothing needs you in the next {NEXT_DAYS} days.", style="dim")


def tracker_outcome(result: TrackerResult) -> str:
    """What the run did (or, with --dry-run, would do) to one tracker, in words."""
    if result.dry_run:
        return f"{planned_words(result)} (dry run: nothing written)"
    if result.cells_written:
        return f"wrote {result.cells_written} cell(s) in {result.rows_planned} row(s)"
    return "up to date, nothing written"


def planned_words(result: TrackerResult) -> str:
    return planned_phrase(result.cells_planned, result.rows_planned, result.columns_planned)


def print_report(
    console: Console,
    results: Sequence[TrackerResult],
    *,
    today: date,
    show_all: bool = False,
    plans: Sequence[TrackerPlan | None] = (),
) -> None:
    """Every tracker's report, a blank line between trackers."""
    width = console.width
    plain = not console.is_terminal  # no styles to render: write the text itself, much faster
    for index, result in enumerate(results):
        if index and plain:
            console.file.write("\n")
        elif index:
            console.print()
        plan = plans[index] if index < len(plans) else None
        for line in tracker_report(result, today=today, width=width, show_all=show_all, plan=plan):
            if plain:
                console.file.write(_cut(line.plain, width) + "\n")
            else:
                console.print(line, no_wrap=True, overflow="ellipsis", highlight=False)
