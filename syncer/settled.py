"""A settled row read back: a nightly run recognises a row that has not changed since syncer
planned it (its memo holds, ``syncer.incremental``) and takes its plan from the cells syncer
wrote there, without parsing, deciding or rendering it again."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from syncer.backends.base import StateCells
from syncer.columns import ColumnMap
from syncer.incremental import MEMO_KEY, memo_fingerprint, row_fingerprint, row_texts
from syncer.model import ACTION_LABELS, CellValue, Decision, Urgency
from syncer.parse import text_value
from syncer.results import RowResult

#: Decisions read back from settled rows' cells, remembered for at most this many texts.
DECISION_MEMO_LIMIT = 50_000

_ACTIONS_BY_LABEL = {label: action for action, label in ACTION_LABELS.items()}
_URGENCIES = {urgency.value: urgency for urgency in Urgency}
_T = TypeVar("_T")  # what a row is read from: its values, or its index among rows held as text


def settled_rows(
    columns: ColumnMap, settings: str, previous: StateCells, kept: StateCells, today_iso: str
) -> tuple[
    Callable[[Sequence[CellValue], int, str], RowResult | None],
    Callable[[Callable[[int], list[str]], int, int, str], RowResult | None],
]:
    """What plans a row whose memo holds (it returns None when the memo does not: the row is
    planned in full): the row's state carried over as it was stored, and its plan read back
    from the cells syncer wrote there. Rows share a plan's Decision when their cells say the
    same (a nightly run reads 100,000 of them). Two ways in: a row's values, or its texts
    alone (``SheetData.text_rows``: the same texts ``row_texts`` gives of its values)."""
    owned, inputs = columns.owned, columns.inputs
    action_at, due_at = owned["next_action"], owned["due_date"]
    urgency_at, why_at = owned["urgency"], owned["why"]
    company_at, position_at = inputs.get("company"), inputs.get("position")
    contact_at = inputs.get("contact_name")
    decisions: dict[tuple[str, ...], Decision] = {}

    said_at = (action_at, due_at, urgency_at, why_at)
    said_of = operator.itemgetter(*said_at)
    widest = max(said_at)

    def field(cells: Sequence[CellValue], index: int | None) -> str:
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        if type(value) is str:
            return value.strip()
        return "" if value is None else text_value(value) or ""

    def decision_of(texts: list[str]) -> Decision:
        # Keyed by text, as a person reads it (a cell's True is not its 1).
        key = said_of(texts) if len(texts) > widest else tuple(_text(texts, i) for i in said_at)
        decision = decisions.get(key)
        if decision is None:
            label, due, urgency, why = key
            decision = Decision(
                _ACTIONS_BY_LABEL[label],
                date.fromisoformat(due) if due else None,
                _URGENCIES[urgency],
                why,
            )
            if len(decisions) < DECISION_MEMO_LIMIT:
                decisions[key] = decision
        return decision

    def recognised(held_id: str, texts_of: Callable[[_T], list[str]], row: _T) -> list[str] | None:
        """The row's texts when its memo holds (its state then carried over as stored), or
        None: the row is planned in full. ``texts_of(row)`` is asked only when needed."""
        remembered = memo_fingerprint(previous.value(held_id, MEMO_KEY), today_iso)
        if remembered is None:
            return None
        texts = texts_of(row)
        if remembered != row_fingerprint(settings, texts):
            return None
        kept.carry(held_id, previous)
        return texts

    def settled(cells: Sequence[CellValue], sheet_row: int, held_id: str) -> RowResult | None:
        texts = recognised(held_id, row_texts, cells)
        if texts is None:
            return None
        return RowResult(
            sheet_row,
            field(cells, company_at),
            field(cells, position_at),
            decision_of(texts),
            field(cells, contact_at),
        )

    def settled_text(
        texts_of: Callable[[int], list[str]], index: int, sheet_row: int, held_id: str
    ) -> RowResult | None:
        texts = recognised(held_id, texts_of, index)
        if texts is None:
            return None
        # A text cell's value is its text (blank: ""), so these are ``field``'s.
        return RowResult(
            sheet_row,
            _text(texts, company_at).strip(),
            _text(texts, position_at).strip(),
            decision_of(texts),
            _text(texts, contact_at).strip(),
        )

    return settled, settled_text


def _text(texts: Sequence[str], index: int | None) -> str:
    return texts[index] if index is not None and index < len(texts) else ""
