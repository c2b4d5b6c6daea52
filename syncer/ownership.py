"""Whose is an owned cell: syncer's (it may write it) or a person's (kept). Pure: no I/O.

The three-way rule: a cell that still holds what syncer last wrote (its fingerprint in the state),
or is blank and was never written, is syncer's. Beyond it:

- a formula is always a person's, whatever it shows (syncer never writes one);
- a blank Draft cell is syncer's: clearing a draft hands it back;
- a row copied from another (its Row ID was a duplicate) is judged by the original's memory,
  and its blank cells are syncer's: the copy is planned afresh as one consistent set;
- a row with a Row ID syncer has no memory of (the state sheet or sidecar was deleted, or the
  Row ID edited) is rebuilt: a cell holding what syncer writes there (an action label, an
  urgency, a date it stamps, or what it would have written on the day of Last Synced) is
  syncer's.

A cell a person holds is reported once: the state remembers, per field, the fingerprint of the
(person's value, planned value) pair that was reported, and the report comes again only when
one of the two changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from syncer.backends.base import digest
from syncer.model import ACTION_LABELS, CellValue, Urgency, quick_init

#: The state key under which a field's reported (held value, planned value) pair is kept.
HELD_SUFFIX = ".held"

_ACTION_TEXTS = frozenset(ACTION_LABELS.values())
_URGENCY_TEXTS = frozenset(urgency.value for urgency in Urgency)


class Verdict(Enum):
    SYNCERS = "syncer's"  # write the planned value
    PERSONS = "person's"  # keep, and report (unless reported already)
    FORMULA = "formula"  # a person's formula: keep, and report (unless reported already)


@quick_init
@dataclass(frozen=True, slots=True)
class RowMemory:
    """What syncer knows of one row's owned cells.

    ``remembered``: field -> fingerprint of what syncer last wrote (for a copy: the original's).
    ``copy``: the row is a copy of another. ``orphan``: its Row ID is unknown to the state.
    ``would_have``: field -> the text syncer would have written on the day of Last Synced
    (None: nothing).
    """

    remembered: Mapping[str, str]
    copy: bool = False
    orphan: bool = False
    would_have: Mapping[str, str] | None = None


def verdict(
    name: str, held: CellValue, current: str, memory: RowMemory, *, formula: bool
) -> Verdict:
    """Whose the cell ``name`` is, holding ``held`` (``current``: its canonical text), when it
    does not already hold the planned value."""
    last = memory.remembered.get(name)
    if formula or (
        type(held) is str and held.startswith("=") and (last is None or digest(current) != last)
    ):
        return Verdict.FORMULA
    if last is not None and digest(current) == last:
        return Verdict.SYNCERS
    if current == "" and (last is None or name == "draft" or memory.copy):
        return Verdict.SYNCERS
    if memory.orphan and (
        (memory.would_have or {}).get(name) == current or _syncers_kind(name, held)
    ):
        return Verdict.SYNCERS
    return Verdict.PERSONS


def _syncers_kind(name: str, held: CellValue) -> bool:
    """The cell holds a value of the kind only syncer writes in that column."""
    if name == "next_action":
        return held in _ACTION_TEXTS
    if name == "urgency":
        return held in _URGENCY_TEXTS
    if name == "due_date":
        return isinstance(held, date) and not isinstance(held, datetime)
    if name == "last_synced":
        return isinstance(held, date)
    return False


def held_marker(current: str, planned: str) -> str:
    """The fingerprint of a held cell's (person's value, planned value) pair."""
    return digest(f"{current}\0{planned}")


def first_report(remembered: Mapping[str, str], name: str, marker: str) -> bool:
    """Whether a held cell has not been reported for this pair of values yet."""
    return remembered.get(name + HELD_SUFFIX) != marker


@dataclass
class Rebuilt:
    """Rows whose Row ID the state had no memory of, rebuilt from syncer's own columns."""

    rows: int = 0
    kept: list[str] = field(default_factory=list)

    def held(self, cell: str) -> None:
        self.kept.append(cell)

    def notice(self, source: str) -> str:
        """One message for the tracker (not one per cell; the next run has its memory again)."""
        text = (
            f"{source}: syncer had no record of what it wrote in {self.rows} row(s) (the hidden "
            "_syncer sheet or the .syncer.json file beside the tracker deleted, or a Row ID "
            "edited?); rebuilt from syncer's columns: cells holding what syncer writes are "
            "syncer's again"
        )
        if self.kept:
            shown = ", ".join(self.kept[:5]) + (", ..." if len(self.kept) > 5 else "")
            text += (
                f"; {len(self.kept)} cell(s) that may be a person's edit were kept ({shown}): "
                "clear one to give it back to syncer"
            )
        return text
