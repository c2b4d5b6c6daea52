"""The packed sync state: a round trip, and rows a person mangled in the hidden sheet."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncer.backends.base import StateCells, SyncState, unpack

names = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
digests = st.from_regex(r"[0-9a-f]{16}", fullmatch=True)
row_ids = st.from_regex(r"r[0-9a-f]{10}", fullmatch=True)


@given(st.dictionaries(row_ids, st.dictionaries(names, digests)), st.none() | st.integers(0, 10**6))
def test_a_state_survives_its_round_trip(
    cells: dict[str, dict[str, str]], rows: int | None
) -> None:
    state = SyncState(cells, rows)
    assert SyncState.from_rows(state.to_rows()) == state


@given(st.lists(st.lists(st.none() | st.text(max_size=30) | st.integers(), max_size=4)))
def test_any_table_reads_as_some_state_without_an_error(rows: list[list[object]]) -> None:
    state = SyncState.from_rows(rows)
    assert all(isinstance(pairs, dict) for pairs in state.cells.values())


def test_mangled_pairs_keep_what_can_be_read() -> None:
    state = SyncState.from_rows([["r1", "due_date:ab:cd  why: junk :x"], ["_meta", "data_rows:x"]])
    assert state.cells == {"r1": {"due_date": "ab:cd", "why": ""}}
    assert state.data_rows is None


packed_texts = st.lists(st.sampled_from(["_p:", "_p:x", "why:", "a", " ", "\t", ":", "_p", "b:1"]))


@given(packed_texts.map("".join), st.sampled_from(["_p", "why", "b", "a"]))
def test_a_packed_rows_field_is_what_its_pairs_say(packed: str, name: str) -> None:
    cells = StateCells.from_packed([("r1", packed)])
    assert cells.value("r1", name) == unpack(packed).get(name)
    assert cells.value("r2", name) is None


def test_rows_stay_packed_until_asked_for_and_compare_by_their_pairs() -> None:
    stored = SyncState.from_rows([["r1", "why:ab  due_date:cd"], ["r2", "why:ef"]])
    planned = SyncState({"r1": {"due_date": "cd", "why": "ab"}})
    planned.cells.carry("r2", stored.cells)
    assert planned.cells.packed_row("r2") == "why:ef"  # carried as it was stored
    assert planned == stored and stored == planned
    planned.cells["r2"]["why"] = "changed"
    assert planned != stored
    assert SyncState({"r1": {}}) != SyncState({"r2": {}})


@given(st.dictionaries(row_ids, st.dictionaries(names, digests)))
def test_rows_packed_in_place_hold_the_same_pairs(cells: dict[str, dict[str, str]]) -> None:
    state = StateCells({row_id: dict(pairs) for row_id, pairs in cells.items()})
    state.pack_rows()
    # Held as text: the same string each time it is asked for, not one packed afresh.
    assert all(state.packed_row(row_id) is state.packed_row(row_id) for row_id in cells)
    assert state == StateCells(cells)


def test_a_rows_pairs_are_read_without_unpacking_it_for_good() -> None:
    cells = StateCells.from_packed([("r1", "why:ab due_date:cd")])
    assert cells.pairs("r1") == {"why": "ab", "due_date": "cd"}
    assert cells.pairs("absent") == {}
    assert cells.packed_row("r1") == "why:ab due_date:cd"  # still the text it was stored as
    cells["r2"] = {"why": "ef"}
    assert cells.pairs("r2") is cells["r2"]  # a row held as pairs is those pairs


def test_rows_taken_from_another_state_move_here_after_its_own() -> None:
    first, second, third = StateCells(), StateCells({"r2": {"why": "b"}}), StateCells()
    third.add_packed([("r1", "why:c"), ("r3", "why:d")])
    first.take(second)
    first.take(third)
    assert list(first) == ["r2", "r1", "r3"] and first.packed_row("r1") == "why:c"
    assert len(second) == len(third) == 0  # moved, not shared: a later change is not theirs
    first["r2"]["why"] = "changed"
    assert first["r2"] == {"why": "changed"}
