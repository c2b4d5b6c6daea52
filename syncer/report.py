"""The report people read after a sync: what needs them, grouped by tracker, at any width.

By default only what needs the person is listed (overdue, due today, due in the next days,
invalid rows, conflicts, failed trackers), a few lines per section with "and N more"; ``--all``
lists every row. Lines are laid out for the console's width (80 columns is the design width):
the fixed columns (due date, action, row) are never broken, the text after them is cut with "…",
and Why is wrapped on spaces under it. Without a terminal the same text is printed plainly.
"""

from __future__ import annotations

import heapq
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import TypeVar

from rich.console import Console
from rich.text import Text

from syncer.backends.base import canonical_text
from syncer.model import Urgency
from syncer.output import planned_phrase, tracker_title
from syncer.results import RowResult, TrackerResult
from syncer.tracker_plan import TrackerPlan

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
    rows: Sequence[RowResult]  # the rows listed (without --all, the first SECTION_LIMIT)
    count: int  # rows in the section
    hidden: int = 0  # rows due later, not listed without --all


def _order(row: RowResult) -> tuple[date, int]:
    return (row.decision.due_on or date.max, row.row)


class _Kept:
    """A section's row count and its first ``limit`` rows in order (all with no limit): the
    default report of a 1,600,000-row tracker holds 8 rows a section, not every row."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0
        # The rows listed so far, the one listed last on top (keys negated; row numbers are
        # unique in a tracker, so two entries never tie on their keys).
        self._heap: list[tuple[int, int, RowResult]] = []
        self._all: list[RowResult] = []

    def add(self, row: RowResult) -> None:
        self.count += 1
        if self.limit is None:
            self._all.append(row)
            return
        due, number = _order(row)
        entry = (-due.toordinal(), -number, row)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, entry)
        elif entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)

    def rows(self) -> list[RowResult]:
        return sorted(self._all if self.limit is None else (e[2] for e in self._heap), key=_order)


def _sections(result: TrackerResult, today: date, show_all: bool) -> list[Section]:
    """The report's sections, read in one pass over the rows (a streamed sync's are on disk)."""
    limit = None if show_all else SECTION_LIMIT
    horizon = today + timedelta(days=NEXT_DAYS)
    kept = {name: _Kept(limit) for name in ("overdue", "today", "soon", "later", "invalid", "done")}
    for row in result.rows:
        urgency = row.decision.urgency
        if urgency is Urgency.UPCOMING:
            due = row.decision.due_on
            kept["soon" if due and due <= horizon else "later"].add(row)
        elif urgency is Urgency.OVERDUE:
            kept["overdue"].add(row)
        elif urgency is Urgency.TODAY:
            kept["today"].add(row)
        elif urgency is Urgency.INVALID:
            kept["invalid"].add(row)
        elif show_all:
            kept["done"].add(row)
    later = kept["later"]
    sections = [
        _section("Overdue", "bold red", kept["overdue"]),
        _section("Due today", "bold yellow", kept["today"]),
        _section(f"Due in the next {NEXT_DAYS} days", "green", kept["soon"], hidden=later.count),
        _section("Later", "green", later) if show_all else None,
        _section("Invalid rows: fix these cells", "magenta", kept["invalid"]),
        _section("Nothing to do", "dim", kept["done"]) if show_all else None,
    ]
    return [section for section in sections if section is not None and section.count]


def _section(title: str, style: str, kept: _Kept, hidden: int = 0) -> Section:
    return Section(title, style, kept.rows(), kept.count, hidden)


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


def _capped(items: Sequence[T], show_all: bool) -> tuple[Iterable[T], int]:
    """The items listed and how many more there are (a streamed sync's are read from disk: only
    the first few are read, never sliced out of all of them)."""
    if show_all or len(items) <= SECTION_LIMIT:
        return items, 0
    return islice(items, SECTION_LIMIT), len(items) - SECTION_LIMIT


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
        yield Text(f"{_INDENT}{section.title} ({section.count})", style=section.style)
        for row in section.rows:
            yield from row_lines(row, width)
        if section.count > len(section.rows):
            yield _more(section.count - len(section.rows))
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
