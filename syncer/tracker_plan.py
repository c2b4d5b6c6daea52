"""A tracker's plan (``TrackerPlan``: what one sync would do to it), and what the write keeps
of it when the re-check drops some updates (``unwritten``, ``without_unwritten``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.cell_updates import PackedUpdates
from syncer.columns import ColumnMap
from syncer.incremental import MEMO_KEY
from syncer.mail import Contact, EmailDraft
from syncer.results import RowResult


@dataclass
class TrackerPlan:
    """What one sync would do to one tracker."""

    columns: ColumnMap
    rows: list[RowResult] = field(default_factory=list)
    #: In row order, a row's updates together (the journal and the csv rewrite rely on it).
    updates: PackedUpdates = field(default_factory=PackedUpdates)
    state: SyncState = field(default_factory=SyncState)
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changed_rows: int = 0
    #: drafts = "doc": row id -> (section heading, draft text) to publish in the linked Doc.
    doc_drafts: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: drafts = "gmail": row id -> the e-mail to keep in the person's Gmail drafts.
    gmail_drafts: dict[str, EmailDraft] = field(default_factory=dict)
    #: inbox: row id -> its contact, whose replies syncer looks for.
    gmail_contacts: dict[str, Contact] = field(default_factory=dict)

    @property
    def new_columns(self) -> tuple[str, ...]:
        return self.columns.new_columns

    def add(self, part: TrackerPlan) -> None:
        """Append the plan of the rows below this plan's (``Planner._plan_in_parts``)."""
        self.rows += part.rows
        self.updates.add_packed(part.updates)
        self.state.cells.take(part.state.cells)
        self.state.data_rows = (self.state.data_rows or 0) + (part.state.data_rows or 0)
        self.conflicts += part.conflicts
        self.errors += part.errors
        self.changed_rows += part.changed_rows
        self.doc_drafts.update(part.doc_drafts)
        self.gmail_drafts.update(part.gmail_drafts)
        self.gmail_contacts.update(part.gmail_contacts)


def without_unwritten(
    state: SyncState, previous: SyncState, dropped: Sequence[CellUpdate]
) -> SyncState:
    """The state to store when the re-check dropped some updates.

    A dropped cell was not written, so it keeps what the previous state said about it (a row
    whose new Row ID was not written is forgotten); otherwise the next run would take syncer's
    own old value there for a person's edit.
    """
    if not dropped:
        return state
    cells = {row_id: dict(digests) for row_id, digests in state.cells.items()}
    for update in dropped:
        if update.row_id not in cells or not update.field:
            continue
        cells[update.row_id].pop(MEMO_KEY, None)  # the row is not as the plan left it
        before = previous.cells.get(update.row_id)
        if before is None and update.field == "row_id":
            del cells[update.row_id]
        elif before is not None and update.field in before:
            cells[update.row_id][update.field] = before[update.field]
        else:
            cells[update.row_id].pop(update.field, None)
    return SyncState(cells=cells, data_rows=state.data_rows)


def unwritten(planned: Sequence[CellUpdate], kept: Sequence[CellUpdate]) -> list[CellUpdate]:
    """The planned updates that the re-check (``Backend.recheck``) dropped, in order.

    Known by the cell each writes, its sheet row and column (a plan writes a cell at most
    once), not by identity: a plan's updates are made afresh each time they are read
    (``PackedUpdates``), so what the re-check keeps equals what was planned but is never the
    same object.
    """
    if len(kept) >= len(planned):
        return []
    written = {(update.row, update.column) for update in kept}
    return [update for update in planned if (update.row, update.column) not in written]
