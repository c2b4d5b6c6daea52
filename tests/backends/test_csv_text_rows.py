"""A csv held in memory keeps its rows as text (csvfile._HeldRows): the values built from it are
the ones the scan gives, its texts are ``row_texts`` of those values, and a plan that recognises
settled rows by their text is the plan of every row in full, whatever a person did to the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import SheetData, SyncState, canonical_text
from syncer.backends.csv_scan import _Scanner, decode, detect_dialect, field_value
from syncer.backends.csvfile import CsvBackend, _RowValues
from syncer.config import TrackerConfig
from syncer.incremental import row_texts
from syncer.plan import Planner
from syncer.sync import RunOptions, sync_tracker
from syncer.tracker_plan import TrackerPlan
from tests.trackers import DEFAULT_HEADERS, as_rows, record_parsed_rows, write_csv

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0)

# Owned columns of every kind (dates, a time stamp, text, a draft, the Row ID) among a person's.
HEADER = ["Company", "Due Date", "Notes", "Last Synced", "Why", "Draft", "Row ID", "Stage"]
_FIELD_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "Acme",
        "a,b",
        'say "hi"',
        "line\nbreak",
        "cr\r\nlf",
        "2026-11-27",
        "20261127",
        "2026-11-27 09:30",
        "2026-11-27 00:00",
        "2026-13-01",
        "'=SUM(A1)",
        "''quoted",
        "'plain",
        "=HYPERLINK(1)",
        " r1 ",
    ]
)


# Fields as a person's app (or hand) may write them, quoting and all: text after a closing
# quote, a quote inside an unquoted field, CR alone, spaces around quotes, empty quotes.
_RAW_FIELDS = st.sampled_from(
    [
        '"a"b',
        '"a"x"y',
        'a"b',
        '""',
        '""""',
        '"a,b" ',
        ' "a"',
        '"line\nbreak"tail',
        '"a\rb"',
        "a\rb",
        "a\r",
        '"a"\r',
        '"\r\n"',
        '"\'=1"',
        '"2026-11-27"',
    ]
)


def _csv_field(text: str, quote: bool) -> str:
    if quote or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


_RECORDS = st.lists(
    st.lists(
        st.one_of(
            st.tuples(_FIELD_TEXTS, st.booleans()).map(lambda f: _csv_field(*f)), _RAW_FIELDS
        ),
        min_size=0,
        max_size=len(HEADER) + 2,
    ),
    max_size=8,
)


def _read_synced(path: Path) -> SheetData:
    """The file read as a synced one is (a sidecar beside it: before the first sync no row can
    be settled, so rows are read as values)."""
    backend = CsvBackend(path)
    if not backend.state_path.exists():
        backend.write([], [], SyncState(data_rows=1))
    return CsvBackend(path).read()


def _scanned_rows(text: str) -> list[list[object]]:
    """The rows as the scan and ``_RowValues.row`` give them (the values the file holds)."""
    scanner = _Scanner(text, detect_dialect(text, 1, ".csv"), "t.csv")
    records = [raws for _start, _stop, raws in scanner.records()]
    values = _RowValues([field_value(raw) for raw in records[0]])
    return [values.row(raws) for raws in records[1:]]


@settings(max_examples=300, deadline=None)
@given(_RECORDS, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_held_rows_are_the_scanned_rows_and_their_texts_are_row_texts(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[list[str]],
    newline: str,
    final_newline: bool,
) -> None:
    lines = [",".join(HEADER)] + [",".join(fields) for fields in records]
    text = newline.join(lines) + (newline if final_newline else "")
    path = tmp_path_factory.mktemp("held") / "t.csv"
    path.write_bytes(text.encode())
    expected = _scanned_rows(decode(path.read_bytes())[0])
    # One read asked only for texts (no row's values built), one for the rows themselves.
    by_text = _read_synced(path).text_rows
    assert by_text is not None and len(by_text) == len(expected)
    assert [by_text.texts(i) for i in range(len(expected))] == [row_texts(r) for r in expected]
    id_column = HEADER.index("Row ID")
    assert by_text.id_texts(id_column) == [
        canonical_text(r[id_column] if id_column < len(r) else None).strip() for r in expected
    ]
    assert by_text.id_texts(0) == [canonical_text(r[0] if r else None).strip() for r in expected]
    assert [by_text.cells(i) for i in range(len(expected))] == expected
    assert _read_synced(path).rows == expected
    path.with_name("t.csv.syncer.json").unlink()
    unsynced = CsvBackend(path).read()
    assert unsynced.text_rows is not None and unsynced.rows == expected


def test_a_field_longer_than_the_csv_modules_limit_is_read_whole(tmp_path: Path) -> None:
    note = "x" * 200_000 + "\n" + "y" * 10
    path = write_csv(tmp_path / "t.csv", ["Company", "Notes"], [["Acme", note], ["Beta", "b"]])
    data = _read_synced(path)
    assert data.text_rows is not None
    assert data.text_rows.texts(0) == ["Acme", note] and data.rows == [
        ["Acme", note],
        ["Beta", "b"],
    ]


def test_a_held_row_once_asked_for_is_the_list_a_caller_changes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["Company", "Stage"], [["Acme", "applied"]])
    data = _read_synced(path)
    assert data.text_rows is not None
    data.rows[0][1] = "withdrawn"
    assert data.rows[0] == ["Acme", "withdrawn"] and data.rows[-1] is data.rows[0]
    assert data.text_rows.texts(0) == ["Acme", "withdrawn"]
    assert data.text_rows.cells(0) is data.rows[0]


def test_a_file_holding_a_nul_is_read_into_values_at_once(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Company,Stage\nAc\x00me,applied\n")
    data = _read_synced(path)
    assert data.text_rows is None and data.rows == [["Ac\x00me", "applied"]]


# --- planning: the text shortcut against the value memo and against planning in full ---------

_ROWS = [
    ["Acme", "Analyst", "applied", "Ann", "ann@acme.test", "", "email", "2026-11-02"],
    ["Beta, Inc", "Engineer", "applied", "Bo", "", "", "", "2026-11-16"],
    ["Gamma", "Designer", "interview scheduled", "", "", "", "", "2026-10-01", "2026-11-24"],
    ["Delta", 'The "Lead"', "rejected", "Di", "", "", "", "2026-09-01", *[""] * 4, "2026-09-10"],
    ["Epsilon", "Analyst", "wishlist"],
    ["Zeta", "Writer", "applied", "", "", "", "", "2026-11-19"],
    ["Eta", "Analyst", "rejected"],  # invalid (no date says when): planned on every run
]


@pytest.fixture
def synced(tmp_path: Path) -> Path:
    """A csv synced once (TODAY): drafts in quoted multi-line fields, every row memoised."""
    header = [*DEFAULT_HEADERS]
    path = write_csv(tmp_path / "t.csv", header, [r + [""] * (len(header) - len(r)) for r in _ROWS])
    result, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY, now=NOW))
    assert result.failed is None and result.cells_written
    return path


def _summary(plan: TrackerPlan) -> object:
    return (
        [row.as_json() for row in plan.rows],
        [(u.row, u.column, canonical_text(u.value), u.row_id, u.expected) for u in plan.updates],
        sorted(plan.state.cells.sorted_packed()),
        plan.state.data_rows,
        plan.errors,
        plan.conflicts,
        plan.changed_rows,
    )


def _plans(
    path: Path, today: date, monkeypatch: pytest.MonkeyPatch
) -> tuple[object, list[str], object, object]:
    """The plan by text (and the companies it parsed), by the value memo, and in full."""
    config = TrackerConfig(source=str(path))
    now = datetime.combine(today, NOW.time())
    parsed = record_parsed_rows(monkeypatch)
    data = CsvBackend(path).read()
    assert data.text_rows is not None
    by_text = Planner(config, today, now).plan(data)
    assert not data.text_rows._held, "the plan kept no row's values"
    by_text_parsed = list(parsed)
    values = CsvBackend(path).read()
    as_values = SheetData(
        values.source, values.header_row, values.header, list(values.rows), values.state
    )
    by_value = Planner(config, today, now).plan(as_values)
    full = Planner(config, today, now, incremental=False).plan(CsvBackend(path).read())
    monkeypatch.undo()
    return _summary(by_text), by_text_parsed, _summary(by_value), _summary(full)


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _records(path: Path) -> tuple[str, list[str]]:
    """The header line and each data record's text (line ending included)."""
    text = path.read_text(encoding="utf-8")
    scanner = _Scanner(text, detect_dialect(text, 1, ".csv"), str(path))
    records = [text[start:stop] for start, stop, _raws in scanner.records()]
    return records[0], records[1:]


def _swap_first_two(path: Path) -> None:
    header, records = _records(path)
    records[0], records[1] = records[1], records[0]
    path.write_text(header + "".join(records), encoding="utf-8")


def _copy_first(path: Path) -> None:
    header, records = _records(path)
    path.write_text(header + "".join([*records, records[0]]), encoding="utf-8")


EDITS: dict[str, tuple[Callable[[Path], None], list[str] | None]] = {
    # name: (what a person does to the synced file, the companies then planned in full by text
    # (None: not checked))
    "nothing": (lambda p: None, []),
    "bytes only: a plain field quoted": (lambda p: _edit(p, "\nZeta,", '\n"Zeta",'), []),
    "bytes only: a quoted field's quotes removed": (
        lambda p: _edit(p, '"Beta, Inc",Engineer', '"Beta, Inc","Engineer"'),
        [],
    ),
    # The same date, read back as the same value: settled by its text too.
    "bytes only: a due date in the basic ISO form": (
        lambda p: _edit(p, "2026-11-23,", "20261123,"),
        [],
    ),
    "a person's column changed": (
        lambda p: _edit(p, "Zeta,Writer,applied", "Zeta,Writer,withdrawn"),
        ["Zeta"],
    ),
    "a column syncer does not own, quoting changes the value": (
        lambda p: _edit(p, '"The ""Lead"""', '"The ""Lead"""""'),
        ["Delta"],
    ),
    "an owned cell typed over": (
        lambda p: _edit(p, ",Prepare for interview,", ",Called them,"),
        ["Gamma"],
    ),
    "a draft's line ending changed": (lambda p: _edit(p, "\n\n", "\r\n\n"), ["Acme"]),
    "records moved": (_swap_first_two, []),
    "a copied row": (_copy_first, None),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_a_plan_by_text_is_the_plan_in_full_whatever_was_edited(
    synced: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit, planned = EDITS[name]
    edit(synced)
    by_text, parsed, by_value, full = _plans(synced, TODAY, monkeypatch)
    assert by_text == by_value == full
    if planned is not None:
        assert sorted(parsed) == sorted([*planned, "Eta"])


def test_a_changed_row_id_and_a_copy_are_planned_in_full(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = CsvBackend(synced).read()
    id_at = data.header.index("Row ID")
    first_id = str(data.rows[0][id_at])
    _edit(synced, f",{first_id}", ",r-typed-by-hand")
    _copy_first(synced)
    by_text, parsed, by_value, full = _plans(synced, TODAY, monkeypatch)
    assert by_text == by_value == full
    assert "Acme" in parsed  # the row whose id changed, and its copy
    rows, updates = by_text[0], by_text[1]  # type: ignore[index]
    assert len(rows) == len(_ROWS) + 1 and updates


@pytest.mark.parametrize("days", [1, 4, 7, 40])
def test_a_row_whose_change_day_has_come_is_planned_again(
    synced: Path, days: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_text, parsed, by_value, full = _plans(synced, TODAY + timedelta(days=days), monkeypatch)
    assert by_text == by_value == full
    assert parsed, "some row's change day has come"
    assert len(parsed) < len(_ROWS) or days == 40


def test_rows_built_from_text_do_not_keep_every_distinct_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held file's rows are built when planned and dropped: the texts they share are bounded
    (a first sync of 100,000 rows otherwise kept 45 MB of notes and names it no longer needed)."""
    monkeypatch.setattr("syncer.backends.csvfile._SHARED_TEXTS", 10)
    path = tmp_path / "t.csv"
    records = [{"Company": f"Company {n}", "Notes": f"note {n}"} for n in range(200)]
    write_csv(path, DEFAULT_HEADERS, as_rows(DEFAULT_HEADERS, records))
    held = CsvBackend(path).read().text_rows  # before its first sync too
    assert held is not None
    company, notes = DEFAULT_HEADERS.index("Company"), DEFAULT_HEADERS.index("Notes")
    for index in range(len(held)):
        row = held.cells(index)
        assert (row[company], row[notes]) == (f"Company {index}", f"note {index}")
    # Cleared once over the bound, before a row's texts are added.
    assert len(held._values.seen) <= 10 + len(DEFAULT_HEADERS) + 1
