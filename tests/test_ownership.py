"""Whose an owned cell is (pure): formulas, blanks, copies, a lost memory, reported once."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from syncer.backends.base import SheetData, digest
from syncer.config import TrackerConfig
from syncer.ownership import RowMemory, Verdict, first_report, held_marker, verdict
from syncer.plan import Planner

WROTE = RowMemory({"next_action": digest("Follow up"), "draft": digest("Dear Ann")})


@pytest.mark.parametrize(
    ("name", "held", "memory", "formula", "whose"),
    [
        ("next_action", "Follow up", WROTE, False, Verdict.SYNCERS),  # what syncer wrote
        ("next_action", "Called Bob", WROTE, False, Verdict.PERSONS),
        ("next_action", None, WROTE, False, Verdict.PERSONS),  # cleared: still the person's
        ("draft", None, WROTE, False, Verdict.SYNCERS),  # a cleared draft is handed back
        ("urgency", None, WROTE, False, Verdict.SYNCERS),  # never written, blank
        ("draft", None, WROTE, True, Verdict.FORMULA),  # a formula showing blank
        ("next_action", "Follow up", WROTE, True, Verdict.FORMULA),  # whatever it shows
        ("why", '=IF(TRUE,"","")', WROTE, False, Verdict.FORMULA),  # csv: text with =
        ("next_action", None, RowMemory(WROTE.remembered, copy=True), False, Verdict.SYNCERS),
        ("next_action", "Close out", RowMemory({}, orphan=True), False, Verdict.SYNCERS),
        ("urgency", "overdue", RowMemory({}, orphan=True), False, Verdict.SYNCERS),
        ("urgency", "hot!", RowMemory({}, orphan=True), False, Verdict.PERSONS),
        ("due_date", date(2026, 11, 25), RowMemory({}, orphan=True), False, Verdict.SYNCERS),
        ("due_date", "next week", RowMemory({}, orphan=True), False, Verdict.PERSONS),
        (
            "last_synced",
            datetime(2026, 11, 2, 21, 5),
            RowMemory({}, orphan=True),
            False,
            Verdict.SYNCERS,
        ),
        ("draft", "My words", RowMemory({}, orphan=True), False, Verdict.PERSONS),
        (
            "draft",
            "Dear Ann",
            RowMemory({}, orphan=True, would_have={"draft": "Dear Ann"}),
            False,
            Verdict.SYNCERS,
        ),
        ("urgency", "overdue", RowMemory({}), False, Verdict.PERSONS),  # not an orphan
    ],
)
def test_verdict(name: str, held: object, memory: RowMemory, formula: bool, whose: Verdict) -> None:
    current = "" if held is None else str(held)
    if isinstance(held, datetime):
        current = held.strftime("%Y-%m-%d %H:%M")
    elif isinstance(held, date):
        current = held.isoformat()
    assert verdict(name, held, current, memory, formula=formula) is whose  # type: ignore[arg-type]


def test_a_held_cell_is_reported_again_only_when_either_value_changes() -> None:
    marker = held_marker("Called Bob", "Follow up")
    remembered = {"next_action.held": marker}
    assert not first_report(remembered, "next_action", marker)
    assert first_report(remembered, "next_action", held_marker("Called Ann", "Follow up"))
    assert first_report(remembered, "next_action", held_marker("Called Bob", "Close out"))
    assert first_report({}, "next_action", marker)


HEADER = ["Company", "Position", "Stage", "Applied On", "Next Action", "Due Date", "Row ID"]


def plan_rows(rows: list[list[object]]) -> dict[int, str]:
    planner = Planner(TrackerConfig(source="t.csv"), date(2026, 11, 26), datetime(2026, 11, 26))
    data = SheetData("t.csv", 1, list(HEADER), rows)
    plan = planner.plan(data)
    ids = {u.row: str(u.value) for u in plan.updates if u.field == "row_id"}
    return ids


def test_of_two_rows_with_one_id_the_one_that_no_longer_fits_its_plan_is_the_copy() -> None:
    fits = ["Acme", "Dev", "applied", "2026-11-18", "Follow up", date(2026, 11, 25), "r1"]
    edited = ["Initech", "Dev", "applied", "2026-11-24", "Follow up", date(2026, 11, 25), "r1"]
    assert set(plan_rows([edited, fits])) == {2}  # the upper one was edited: it is the copy
    assert set(plan_rows([fits, edited])) == {3}


def test_of_two_identical_rows_the_lower_one_is_the_copy() -> None:
    row = ["Acme", "Dev", "applied", "2026-11-18", "Follow up", date(2026, 11, 25), "r1"]
    ids = plan_rows([list(row), list(row)])
    assert set(ids) == {3} and ids[3] != "r1"
