"""What one sync produced, per row and per tracker: the input of the CLI output and the digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from syncer.model import Decision


@dataclass(slots=True)
class RowResult:
    """One data row's plan. Not frozen, though nothing changes one once made: a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``, 8x slower, and a
    nightly run makes 100,000 of them (``dataclasses.replace`` makes a changed copy)."""

    row: int  # sheet row number (header = 1 by default)
    company: str
    position: str
    decision: Decision
    contact_name: str = ""
    link: str | None = None  # a URL to the row (Sheets: ...#gid=N&range=AN:AN), None locally

    def as_json(self) -> dict[str, Any]:
        return self.decision.as_json(self.row)


#: Rows' plans as columns of plain values (``row_columns``): sheet rows, companies, positions,
#: contact names, links, and each row's index into the distinct decisions' fields.
RowColumns = tuple[
    list[int],
    list[str],
    list[str],
    list[str],
    list[str | None],
    list[int],
    list[tuple[Any, ...]],
]


def row_columns(rows: Sequence[RowResult]) -> RowColumns:
    """``rows`` as columns, the shape in which a worker sends its part of a plan: pickled one
    object at a time, 50,000 rows and their decisions took a worker 0.2-0.4 s (a slots
    dataclass pickles through a generated ``__getstate__``); their columns, a few hundredths.
    Rows that share a Decision share it again in ``rows_from_columns``."""
    decisions: dict[int, int] = {}
    fields: list[tuple[Any, ...]] = []
    at: list[int] = []
    for row in rows:
        decision = row.decision
        index = decisions.get(id(decision))  # every decision is alive: no id is reused
        if index is None:
            index = decisions[id(decision)] = len(fields)
            fields.append((decision.action, decision.due_on, decision.urgency, decision.why))
        at.append(index)
    return (
        [row.row for row in rows],
        [row.company for row in rows],
        [row.position for row in rows],
        [row.contact_name for row in rows],
        [row.link for row in rows],
        at,
        fields,
    )


def rows_from_columns(columns: RowColumns) -> list[RowResult]:
    """The rows ``row_columns`` was given, equal and in order."""
    numbers, companies, positions, contacts, links, at, fields = columns
    decisions = [Decision(*decision) for decision in fields]
    return [
        RowResult(number, company, position, decisions[index], contact, link)
        for number, company, position, contact, link, index in zip(
            numbers, companies, positions, contacts, links, at, strict=True
        )
    ]


@dataclass(slots=True)
class TrackerResult:
    """One tracker's outcome. ``failed`` holds the reason when the tracker could not be synced."""

    source: str
    client: str = ""  # the coach config's client name ("" for a single tracker)
    url: str | None = None  # where a person opens the tracker (Sheets URL, or None)
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # row- and tracker-level messages
    conflicts: list[str] = field(default_factory=list)  # owned cells a person edited: kept
    cells_written: int = 0
    failed: str | None = None
    dry_run: bool = False
    #: What the plan would change (the same with or without --dry-run): owned cells, the rows
    #: they are in, and columns to add.
    cells_planned: int = 0
    rows_planned: int = 0
    columns_planned: int = 0

    @property
    def status(self) -> str:
        """failed, synced or unchanged; with --dry-run "would_change" instead of "synced"."""
        if self.failed is not None:
            return "failed"
        if self.dry_run:
            return "would_change" if self.cells_planned or self.columns_planned else "unchanged"
        return "synced" if self.cells_written else "unchanged"

    def as_json(self) -> dict[str, Any]:
        document = self.as_json_with_rows([row.as_json() for row in self.rows])
        document["errors"], document["conflicts"] = list(self.errors), list(self.conflicts)
        return document

    def as_json_with_rows(self, rows: object) -> dict[str, Any]:
        """``as_json`` with ``rows`` in place of the rows' list (a writer may encode those); its
        messages as they are held (a streamed sync's are on disk: iterate them)."""
        return {
            "source": self.source,
            "client": self.client or None,
            "status": self.status,
            "rows": rows,
            "errors": self.errors,
            "conflicts": self.conflicts,
            "cells_written": self.cells_written,
            "cells_planned": self.cells_planned,
            "rows_planned": self.rows_planned,
            "columns_planned": self.columns_planned,
            "failed": self.failed,
        }
