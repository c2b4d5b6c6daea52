"""A big held csv read in two halves, the second by a forked child (``_InMemory._read_held``):
the same records, rows and Row IDs as read in one pass, wherever the cut falls, whatever
quotes mislead it, and when the child fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import syncer.backends.csvfile as csvfile
from syncer.backends.csv_rows import split_held
from syncer.forked import can_fork
from tests.backends.test_csv_text_rows import _RECORDS, HEADER

pytestmark = pytest.mark.skipif(not can_fork(), reason="forks only on Linux, with one thread")


def _read(path: Path, in_halves: bool) -> tuple[object, ...]:
    original = csvfile.READ_IN_PARTS_FROM_CHARS
    csvfile.READ_IN_PARTS_FROM_CHARS = 0 if in_halves else 10**12
    try:
        backend = csvfile.CsvBackend(path)
        data = backend.read()
    finally:
        csvfile.READ_IN_PARTS_FROM_CHARS = original
    loaded = backend._loaded
    assert isinstance(loaded, csvfile._InMemory) and data.text_rows is not None
    held = data.text_rows
    return (
        list(loaded.starts),
        list(loaded.field_counts),
        loaded.record_count,
        loaded.header,
        held._joined,
        held._ids,
        list(held._starts),
        [held.cells(index) for index in range(len(held))],
    )


@settings(max_examples=150, deadline=None)
@given(_RECORDS, st.sampled_from(["\n", "\r\n"]))
def test_a_file_read_in_halves_is_the_file_read_in_one(
    tmp_path_factory: pytest.TempPathFactory, records: list[list[str]], newline: str
) -> None:
    path = tmp_path_factory.mktemp("halves") / "t.csv"
    lines = [",".join(HEADER)] + [",".join(fields) for fields in records]
    path.write_bytes((newline.join(lines) + newline).encode())
    assert _read(path, in_halves=True) == _read(path, in_halves=False)


def test_a_quote_in_an_unquoted_field_that_misleads_the_cut_is_read_on_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the middle, one ``5" screen``: every line start after it has an odd count of
    quotes before it but one, inside a quoted field, where the cut then falls."""
    rows = ['Acme,5" screen,x'] + ["Beta,plain,y"] * 6 + ['Gamma,"two\nlines",z'] + ["D,e,f"]
    path = tmp_path / "t.csv"
    path.write_text("Company,Notes,Stage\n" + "\n".join(rows) + "\n")
    text = path.read_text()
    cut = split_held(text, text.index("\n") + 1)
    assert cut is not None and text[cut - 5 : cut] == '"two\n'  # inside the quoted field
    assert _read(path, in_halves=True) == _read(path, in_halves=False)


def test_a_child_that_dies_has_its_half_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Company,Notes\n" + "".join(f"Co {n},note {n}\n" for n in range(40)))
    expected = _read(path, in_halves=False)
    parent, real = os.getpid(), csvfile._HeldRows.read

    def read(self, start, end):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(3)
        return real(self, start, end)

    monkeypatch.setattr(csvfile._HeldRows, "read", read)
    assert _read(path, in_halves=True) == expected


def test_a_cut_is_a_line_start_with_even_quotes_before_it_or_none() -> None:
    text = 'h\n"a\nb",1\n"c\nd",2\n"e",3\n'
    cut = split_held(text, 2)
    assert cut is not None and text[cut - 1] == "\n" and text.count('"', 2, cut) % 2 == 0
    assert split_held('h\n"open\nand\nnever\nclosed\n', 2) is None
    assert split_held('h\n"open\nand\nnever\nclosed\n', 2, lines=1) is None
    assert split_held("h\n", 2) is None
