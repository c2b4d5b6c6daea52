from __future__ import annotations

import pytest

from syncer.emulator.a1 import (
    A1Error,
    Bounds,
    column_index,
    column_letters,
    format_range,
    parse_range,
    quote_title,
)


@pytest.mark.parametrize(
    ("letters", "index"), [("A", 0), ("Z", 25), ("AA", 26), ("AZ", 51), ("BA", 52), ("ZZZ", 18277)]
)
def test_column_letters_round_trip(letters: str, index: int) -> None:
    assert column_index(letters) == index
    assert column_letters(index) == letters


@pytest.mark.parametrize(
    ("text", "sheet", "bounds"),
    [
        ("A1", None, Bounds(0, 1, 0, 1)),
        ("Sheet1!A1:D4", "Sheet1", Bounds(0, 4, 0, 4)),
        ("'Sheet1'!D4:A1", "Sheet1", Bounds(0, 4, 0, 4)),
        ("'It''s mine'!A:A", "It's mine", Bounds(None, None, 0, 1)),
        ("B1:B", None, Bounds(0, None, 1, 2)),
        ("'Sheet1'!1:1", "Sheet1", Bounds(0, 1, None, None)),
        ("A2:2", None, Bounds(1, 2, 0, None)),
        ("A1:A", None, Bounds(0, None, 0, 1)),
        ("'🌵 cactus'!AA10:AZ12", "🌵 cactus", Bounds(9, 12, 26, 52)),
    ],
)
def test_parse_range(text: str, sheet: str | None, bounds: Bounds) -> None:
    parsed = parse_range(text)
    assert (parsed.sheet, parsed.cells) == (sheet, bounds)


def test_whole_sheet_and_named_ranges() -> None:
    assert parse_range("'My tab'") == parse_range("'My tab'")
    assert parse_range("'My tab'").cells is None
    assert parse_range("'My tab'").sheet == "My tab"
    assert parse_range("Applications").name == "Applications"


@pytest.mark.parametrize("text", ["", "'unterminated", "A1:", "1A:B", "Sheet1!A1:B2:C3"])
def test_unparsable(text: str) -> None:
    with pytest.raises(A1Error):
        parse_range(text)


def test_echo_quotes_like_google() -> None:
    assert quote_title("Sheet1") == "Sheet1"
    assert quote_title("My tab") == "'My tab'"
    assert quote_title("A1") == "'A1'"
    assert quote_title("It's") == "'It''s'"
    assert format_range("Sheet1", Bounds(0, 1, 0, 1)) == "Sheet1!A1"
    assert format_range("x y", Bounds(0, 1000, 0, 26)) == "'x y'!A1:Z1000"
