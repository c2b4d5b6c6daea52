"""A regression pin on whole plans: the updates, drafts, decisions and state of seeded trackers.

The expected SHA-256 values below were recorded by running this very module against the code
as it stood before the first-sync speed-ups (main at 8717339, before the journal summary and
the faster per-row planning). They are not outputs anyone wrote by hand: they pin that the
faster code plans every cell, and renders every draft, to exactly the text the old code did.
A change that means to alter a plan (a new wording rule, a new template) changes them, and the
new values are then recorded with that change, saying why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pytest

from bench.generate import HEADERS, generate_rows
from syncer.backends.base import CellUpdate, SheetData, canonical_text
from syncer.config import TrackerConfig
from syncer.incremental import MEMO_KEY
from syncer.model import CellValue
from syncer.plan import Planner
from syncer.tracker_plan import TrackerPlan
from tests.free_text_corpus import CONNECTIONS, FORGOT, TOPICS

TODAY = date(2026, 11, 26)
ROWS = 3_000


def _rows(seed: int, *, free_text: bool) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = [list(row) for row in generate_rows(ROWS, TODAY, seed)]
    if free_text:  # what people really type, so the wording rules are pinned too
        topics, connection, forgot = (
            HEADERS.index(name)
            for name in ("Topics Discussed", "Personal Connection", "Forgot To Mention")
        )
        for number, row in enumerate(rows):
            row[topics] = TOPICS[number % len(TOPICS)]
            row[connection] = CONNECTIONS[number % len(CONNECTIONS)] if number % 3 else ""
            row[forgot] = FORGOT[number % len(FORGOT)] if number % 4 else ""
    return rows


def _lines(plan: TrackerPlan) -> Iterable[str]:
    """Every part of a plan that reaches a tracker, a report or the state, as text lines."""
    yield json.dumps(list(plan.new_columns))
    for update in plan.updates:
        yield json.dumps(
            [
                update.row,
                update.column,
                type(update.value).__name__,
                canonical_text(update.value),
                update.row_id,
                update.expected,
                update.field,
            ]
        )
    for row in plan.rows:
        yield json.dumps([row.row, row.company, row.position, row.contact_name])
        yield json.dumps(row.decision.as_json(row.row))
    for row_id in sorted(plan.state.cells):
        cells = dict(plan.state.cells[row_id])
        # The memo's change day is pinned; its fingerprint hashes syncer's version and files.
        memo = cells.pop(MEMO_KEY, None)
        yield json.dumps([row_id, sorted(cells.items()), memo and memo.split("/")[0]])
    yield json.dumps([plan.state.data_rows, plan.changed_rows, plan.conflicts, plan.errors])


def _sha(plan: TrackerPlan) -> str:
    hasher = hashlib.sha256()
    for line in _lines(plan):
        hasher.update(line.encode("utf-8"))
        hasher.update(b"\n")
    return hasher.hexdigest()


def _written(
    header: list[str], rows: list[list[CellValue]], plan: TrackerPlan
) -> tuple[list[str], list[list[CellValue]]]:
    """The tracker as it stands once ``plan`` is written."""
    header = [*header, *plan.new_columns]
    rows = [list(row) for row in rows]
    for update in plan.updates:
        cells = rows[update.row - 2]
        index = header.index(update.column)
        cells.extend([None] * (index + 1 - len(cells)))
        cells[index] = update.value
    return header, rows


def _person_edits(header: list[str], rows: list[list[CellValue]]) -> None:
    """A person's week: actions and drafts typed over, stages moved on, a follow-up sent."""
    action, draft = header.index("Next Action"), header.index("Draft")
    stage, sent = header.index("Stage"), header.index("Follow-Ups Sent")
    last_contact = header.index("Last Contact")
    for number, cells in enumerate(rows):
        if number % 17 == 0:
            cells[action] = "Call them instead"
        if number % 23 == 0:
            cells[draft] = "My own words"
        if number % 29 == 0:
            cells[draft] = None
        if number % 13 == 0:
            cells[stage] = "interviewed" if cells[stage] == "applied" else "rejected"
        if number % 19 == 0:
            cells[sent] = "1"
            cells[last_contact] = (TODAY + timedelta(days=2)).isoformat()


def _plan(
    config: TrackerConfig,
    header: list[str],
    rows: list[list[CellValue]],
    today: date,
    plan: TrackerPlan | None = None,
) -> TrackerPlan:
    data = SheetData(source="pin.csv", header_row=1, header=header, rows=rows)
    if plan is not None:
        data.state = plan.state
    planner = Planner(config, today, datetime.combine(today, datetime.min.time()).replace(hour=2))
    return planner.plan(data)


def _scenarios() -> dict[str, str]:
    default = TrackerConfig(source="pin.csv")
    named = TrackerConfig(source="pin.csv", candidate_name="Alex Morgan")
    header = list(HEADERS)
    found: dict[str, str] = {}

    first = _plan(default, header, _rows(1, free_text=False), TODAY)
    found["first sync, bench rows"] = _sha(first)

    rows = _rows(7, free_text=True)
    december = date(2026, 12, 30)  # drafts name next year's dates with their year
    free = _plan(named, header, rows, december)
    found["first sync, free text, year end"] = _sha(free)

    written_header, written = _written(header, rows, free)
    _person_edits(written_header, written)
    later = _plan(named, written_header, written, december + timedelta(days=9), free)
    found["a week later, person's edits"] = _sha(later)
    return found


EXPECTED = {
    "first sync, bench rows": "a984bf7b8dfa260fa61cd11d36520ce2f47a25dbffb9ca1a89b58a401ef2e8a4",
    "first sync, free text, year end": (
        "0c0a35401c4309bc2ce726ad6068ebe2fa416af61a1e336015f840a98c587368"
    ),
    "a week later, person's edits": (
        "4d45fa7af641c5be2dd83a6af2e0b215ed35f4d5a3e4b90bda8134869289a1ca"
    ),
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_plans_and_drafts_are_those_the_code_before_the_speed_ups_made(scenario: str) -> None:
    assert _scenarios_cached()[scenario] == EXPECTED[scenario]


_found: dict[str, str] = {}


def _scenarios_cached() -> dict[str, str]:
    if not _found:
        _found.update(_scenarios())
    return _found


def test_the_pin_sees_drafts_and_conflicts() -> None:
    """The scenarios are worth pinning: drafts are planned, and a person's edits are kept."""
    rows = _rows(7, free_text=True)
    named = TrackerConfig(source="pin.csv", candidate_name="Alex Morgan")
    plan = _plan(named, list(HEADERS), rows, date(2026, 12, 30))
    drafts = [u for u in plan.updates if u.field == "draft"]
    assert len(drafts) > ROWS // 4
    header, written = _written(list(HEADERS), rows, plan)
    _person_edits(header, written)
    later = _plan(named, header, written, date(2027, 1, 8), plan)
    assert later.conflicts
    assert any(isinstance(u, CellUpdate) and u.field == "draft" for u in later.updates)
