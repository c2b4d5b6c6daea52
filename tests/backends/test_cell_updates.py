"""PackedUpdates behaves as the list of CellUpdate it stands for; row_groups reads it a row at a
time, as it groups any other sequence of updates."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.backends.base import CellUpdate
from syncer.backends.cell_updates import PackedUpdates, RowGroup, row_groups
from syncer.spill import update_log

values = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 3)),
    st.just(datetime(2026, 11, 26, 2, 0)),
)
updates = st.builds(
    CellUpdate,
    row=st.integers(1, 4),
    column=st.sampled_from(["Due Date", "Why", "Row ID"]),
    value=values,
    row_id=st.sampled_from(["", "r1", "r2"]),
    expected=st.sampled_from(["", "", "was", "2026-01-01"]),
    field=st.sampled_from(["", "due_date", "why", "row_id"]),
)
update_lists = st.lists(updates, max_size=30)


@given(update_lists)
def test_it_behaves_as_the_list_of_its_updates(items: list[CellUpdate]) -> None:
    packed = PackedUpdates(items)

    assert len(packed) == len(items)
    assert bool(packed) is bool(items)
    assert list(packed) == items
    assert [packed[i] for i in range(-len(items), len(items))] == items + items
    assert packed[1:-1] == items[1:-1] and packed[::2] == items[::2]
    assert packed == items and items == packed and packed == PackedUpdates(items)
    assert repr(packed) == repr(items)
    if items:
        assert packed != items[:-1] and packed != [*items, items[0]]
        assert items[-1] in packed and packed.index(items[-1]) == items.index(items[-1])
    for index in (len(items), -len(items) - 1):
        with pytest.raises(IndexError):
            packed[index]


@given(update_lists, update_lists)
def test_appending_and_extending_keep_the_order(first: list[CellUpdate], then: list[CellUpdate]):
    packed = PackedUpdates()
    for update in first:
        packed.append(update)
    packed.extend(then)
    assert list(packed) == first + then


@given(update_lists, update_lists)
def test_a_plan_made_in_parts_holds_its_parts_updates_in_order(
    first: list[CellUpdate], then: list[CellUpdate]
) -> None:
    """``add_packed``: a part's rows come below this one's."""
    below = [replace(update, row=update.row + 10) for update in then]
    packed = PackedUpdates(first)
    packed.add_packed(PackedUpdates(below))
    assert list(packed) == first + below

    def groups(items: Iterable[RowGroup]) -> list[tuple[object, ...]]:
        return [(*group[:5], tuple(group.expected)) for group in items]

    assert groups(row_groups(packed)) == groups(row_groups(first)) + groups(row_groups(below))
    packed.add_packed(PackedUpdates(first))  # shapes met again are shared
    assert list(packed) == first + below + first


@given(update_lists)
def test_it_equals_a_streamed_plans_log_of_the_same_updates(items: list[CellUpdate]) -> None:
    log = update_log()
    log.extend(items)
    assert PackedUpdates(items) == log and log == PackedUpdates(items)
    log.close()


@given(update_lists)
def test_row_groups_are_the_runs_of_one_row_and_row_id(items: list[CellUpdate]) -> None:
    packed = PackedUpdates(items)
    groups = list(row_groups(packed))

    def contents(group: RowGroup) -> tuple[object, ...]:
        return (*group[:4], list(group.values), list(group.expected))

    # Read straight, or grouped from the objects.
    assert list(map(contents, groups)) == list(map(contents, row_groups(items)))
    flattened = [
        CellUpdate(group.row, column, value, group.row_id, before, name)
        for group in groups
        for column, name, value, before in zip(
            group.columns, group.fields, group.values, group.expected, strict=True
        )
    ]
    assert flattened == items
    assert all(
        (one.row, one.row_id) != (two.row, two.row_id) for one, two in itertools.pairwise(groups)
    )


rows_of_writes = st.lists(
    st.tuples(
        st.integers(2, 9),
        st.sampled_from(["r1", "r2", "r3"]),
        st.lists(
            st.tuples(st.sampled_from(["due_date", "why", "row_id"]), values, st.just("")),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=6,
)
HEADERS = {"due_date": "Due Date", "why": "Why", "row_id": "Row ID"}


@given(rows_of_writes)
def test_add_row_holds_the_updates_the_planner_made(
    rows: list[tuple[int, str, list[tuple[str, object, str]]]],
) -> None:
    """The planner's way in: a row's (field, value, expected text) writes and its headers."""
    packed = PackedUpdates()
    for sheet_row, row_id, writes in rows:
        packed.add_row(sheet_row, row_id, writes, HEADERS)  # type: ignore[arg-type]
    assert packed == [
        CellUpdate(sheet_row, HEADERS[name], value, row_id, before, name)  # type: ignore[arg-type]
        for sheet_row, row_id, writes in rows
        for name, value, before in writes
    ]


def test_a_row_keeps_the_texts_its_cells_held_once_one_is_not_blank() -> None:
    packed = PackedUpdates()
    packed.add_row(2, "r1", [("why", "new", ""), ("row_id", "r1", "")], HEADERS)
    packed.add_row(3, "r2", [("why", "new", "old")], HEADERS)
    packed.add_cell(3, "r2", "Due Date", "due_date", None, "")

    assert [u.expected for u in packed] == ["", "", "old", ""]
    assert list(row_groups(packed))[1] == RowGroup(
        3, "r2", ("Why", "Due Date"), ("why", "due_date"), ["new", None], ["old", ""]
    )


def test_rows_of_one_number_but_of_different_types_are_not_one_row() -> None:
    packed = PackedUpdates([CellUpdate(1, "Why", "a"), CellUpdate(True, "Why", "b")])  # type: ignore[arg-type]
    assert [type(u.row) for u in packed] == [int, bool]
