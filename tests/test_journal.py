"""The write journal with real syncs of a local csv tracker: record, history, undo."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState, canonical_text
from syncer.backends.cell_updates import PackedUpdates
from syncer.backends.local import open_local
from syncer.config import TrackerConfig
from syncer.errors import NotFoundError, SyncerError, TrackerError
from syncer.journal import (
    Journal,
    _cell_lines,
    _quote,
    journal_dir,
    list_runs,
    new_run_id,
    read_run,
)
from syncer.results import TrackerResult
from syncer.sync import RunOptions, open_backend, sync_tracker
from syncer.undo import undo

TRACKER = """\
Company,Position,Stage,Applied On,Follow-Ups Sent,Interview Date,Notes
Acme,Engineer,applied,2024-05-01,0,,keep me
Globex,Analyst,applied,2024-05-06,1,,"two
lines"
Initech,Tester,wishlist,,,,
Umbrella,Chemist,interview_scheduled,2024-04-20,,2024-05-24,
Hooli,Designer,interviewed,2024-04-29,,2024-05-06,
"""
FIRST_DAY = date(2024, 5, 7)
SECOND_DAY = date(2024, 5, 21)
OWNED = ("Next Action", "Due Date", "Urgency", "Why", "Draft", "Last Synced", "Row ID")


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.csv"
    path.write_text(TRACKER, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "state" / "journal"


def sync(path: Path, day: date, journal: Journal) -> TrackerResult:
    options = RunOptions(today=day, now=datetime.combine(day, datetime.min.time()).replace(hour=2))
    result, _ = sync_tracker(
        TrackerConfig(source=str(path)), options, opener=journal.opener(open_backend)
    )
    assert result.failed is None
    return result


def journaled_sync(path: Path, day: date, folder: Path) -> Journal:
    journal = Journal(folder, argv=["sync", str(path), "--today", day.isoformat()])
    sync(path, day, journal)
    return journal


def owned_cells(path: Path) -> dict[str, dict[str, str]]:
    """Row ID -> owned header -> the cell's text, as the backend reads the file."""
    data = open_local(path).read()
    where = {header: data.header.index(header) for header in OWNED}
    table: dict[str, dict[str, str]] = {}
    for cells in data.rows:
        texts = {h: canonical_text(cells[i] if i < len(cells) else None) for h, i in where.items()}
        table[texts["Row ID"]] = texts
    return table


def opener(source: str) -> Backend:
    return open_local(Path(source))


def rewrite_rows(
    path: Path, change: Callable[[list[str], list[list[str]]], list[list[str]]]
) -> None:
    """A person edits the file in a spreadsheet app: every record re-saved."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    body = change(header, body)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *body])


def test_every_written_cell_is_journaled_with_before_and_after(tracker: Path, folder: Path) -> None:
    first = journaled_sync(tracker, FIRST_DAY, folder)
    after_first = owned_cells(tracker)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    after_second = owned_cells(tracker)

    run = read_run(second.run_id, folder)
    assert run.entries, "the second day changes urgencies and drafts"
    changed = {
        (row_id, column)
        for row_id, cells in after_second.items()
        for column, text in cells.items()
        if after_first[row_id][column] != text
    }
    assert {(e.row_id, e.column) for e in run.entries} == changed
    for entry in run.entries:
        assert entry.source == str(tracker)
        assert entry.before == after_first[entry.row_id][entry.column]
        assert entry.after == after_second[entry.row_id][entry.column]
    lines = second.path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["type"] == "run" and header["run_id"] == second.run_id
    assert "--today 2024-05-21" in header["argv"]
    assert len(lines) == 1 + len(run.entries) + 1  # the header, the cells, the write landed
    assert read_run(first.run_id, folder).summary.cells > len(run.entries)  # columns were new


def test_journal_files_are_private(tracker: Path, folder: Path) -> None:
    journal = journaled_sync(tracker, FIRST_DAY, folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert journal.path.stat().st_mode & 0o777 == 0o600


class RefusingBackend(Backend):
    """Checks the journal already holds the cells when write is called, then fails."""

    def __init__(self, journal: Journal) -> None:
        self.source = "refusing.csv"
        self.journal = journal
        self.seen_in_journal = 0

    def read(self) -> SheetData:
        raise AssertionError("not used")

    def write(
        self, updates: Sequence[CellUpdate], new_columns: Sequence[str], state: SyncState
    ) -> None:
        self.seen_in_journal = len(read_run(self.journal.run_id, self.journal.folder).entries)
        raise TrackerError(self.source, "quota exhausted")


def test_cells_are_recorded_before_the_write_and_a_failed_write_is_noted(folder: Path) -> None:
    journal = Journal(folder)
    inner = RefusingBackend(journal)
    updates = [CellUpdate(2, "Urgency", "today", row_id="r1", expected="upcoming")]
    with pytest.raises(TrackerError):
        journal.wrap(inner).write(updates, (), SyncState())
    assert inner.seen_in_journal == 1
    assert read_run(journal.run_id, folder).summary.failed == ("refusing.csv",)


def test_a_run_that_writes_nothing_leaves_no_journal(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    quiet = journaled_sync(tracker, FIRST_DAY, folder)
    assert not quiet.path.exists()
    assert len(list_runs(folder)) == 1


def test_undo_restores_the_exact_previous_file(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    before = tracker.read_bytes()
    second = journaled_sync(tracker, SECOND_DAY, folder)
    assert tracker.read_bytes() != before

    report = undo(second.run_id, opener, folder=folder)

    assert report.ok, report
    assert report.restored == read_run(second.run_id, folder).summary.cells
    assert tracker.read_bytes() == before


def test_after_an_undo_the_next_sync_rewrites_without_conflicts(
    tracker: Path, folder: Path
) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    after_second = tracker.read_bytes()
    undo(second.run_id, opener, folder=folder)

    again = sync(tracker, SECOND_DAY, Journal(folder))

    assert again.conflicts == []
    assert tracker.read_bytes() == after_second


def test_a_cell_edited_by_a_person_is_kept_and_reported(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    after_first = owned_cells(tracker)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    entries = read_run(second.run_id, folder).entries
    edited = next(e for e in entries if e.column == "Why")

    def edit(header: list[str], body: list[list[str]]) -> list[list[str]]:
        for row in body:
            if row[header.index("Row ID")] == edited.row_id:
                row[header.index("Why")] = "my own note"
        return body

    rewrite_rows(tracker, edit)
    report = undo(second.run_id, opener, folder=folder)

    (conflict,) = report.conflicts
    assert (conflict.row_id, conflict.column, conflict.now) == (edited.row_id, "Why", "my own note")
    assert conflict.row == edited.row
    assert f"row {edited.row}, column Why" in str(conflict)
    assert report.restored == len(entries) - 1
    now = owned_cells(tracker)
    assert now[edited.row_id]["Why"] == "my own note"
    now[edited.row_id]["Why"] = after_first[edited.row_id]["Why"]
    assert now == after_first


def test_rows_are_found_by_row_id_wherever_they_moved(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    after_first = owned_cells(tracker)
    second = journaled_sync(tracker, SECOND_DAY, folder)

    rewrite_rows(tracker, lambda header, body: list(reversed(body)))
    report = undo(second.run_id, opener, folder=folder)

    assert report.ok, report
    assert report.restored == read_run(second.run_id, folder).summary.cells
    assert owned_cells(tracker) == after_first


def test_a_deleted_row_is_reported(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    entries = read_run(second.run_id, folder).entries
    gone = entries[0].row_id

    rewrite_rows(
        tracker, lambda header, body: [r for r in body if r[header.index("Row ID")] != gone]
    )
    report = undo(second.run_id, opener, folder=folder)

    lost = [c for c in report.conflicts if c.row_id == gone]
    assert lost and all(c.row is None for c in lost)
    assert len(report.conflicts) == sum(e.row_id == gone for e in entries)
    assert "no row with Row ID" in str(lost[0])


def test_undo_twice_changes_nothing_more(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    undo(second.run_id, opener, folder=folder)
    content = tracker.read_bytes()

    report = undo(second.run_id, opener, folder=folder)

    assert report.restored == 0 and report.ok
    assert report.unchanged == read_run(second.run_id, folder).summary.cells
    assert tracker.read_bytes() == content


def test_an_undo_is_journaled_and_can_itself_be_undone(tracker: Path, folder: Path) -> None:
    journaled_sync(tracker, FIRST_DAY, folder)
    second = journaled_sync(tracker, SECOND_DAY, folder)
    after_second = tracker.read_bytes()
    undoing = Journal(folder, argv=["undo", second.run_id])

    undo(second.run_id, opener, folder=folder, journal=undoing)
    assert undoing.path.exists()
    assert undo(undoing.run_id, opener, folder=folder).ok

    assert tracker.read_bytes() == after_second


def test_a_tracker_that_cannot_be_opened_is_reported(tracker: Path, folder: Path) -> None:
    second = journaled_sync(tracker, FIRST_DAY, folder)

    def missing(source: str) -> Backend:
        raise NotFoundError(source, "no such file")

    report = undo(second.run_id, missing, folder=folder)
    assert report.failed == {str(tracker): "no such file"}
    assert report.restored == 0


def test_history_lists_runs_newest_first(tmp_path: Path, folder: Path) -> None:
    start = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    made = []
    for night in range(3):
        path = tmp_path / f"tracker{night}.csv"
        path.write_text(TRACKER, encoding="utf-8")
        journal = Journal(folder, now=start + timedelta(days=night))
        sync(path, FIRST_DAY, journal)
        made.append((journal.run_id, str(path)))

    runs = list_runs(folder)

    assert [run.run_id for run in runs] == [run_id for run_id, _ in reversed(made)]
    assert [run.trackers for run in runs] == [(source,) for _, source in reversed(made)]
    assert runs[0].started_at == "2024-05-03T02:00:00+00:00"
    for run in runs:
        assert run.cells == len(read_run(run.run_id, folder).entries) > 0


def test_history_of_an_empty_state_folder(tmp_path: Path) -> None:
    assert list_runs(tmp_path / "nothing here") == []


def test_run_ids_sort_by_time_and_are_checked(folder: Path) -> None:
    moments = [datetime(2024, 5, 1, tzinfo=UTC) + timedelta(microseconds=n * 997) for n in range(5)]
    ids = [new_run_id(moment) for moment in moments]
    assert sorted(ids) == ids and len(set(ids)) == 5
    assert all(re.fullmatch(r"20240501T000000\.\d{6}Z-[0-9a-f]{6}", run_id) for run_id in ids)
    with pytest.raises(SyncerError, match="not a run id"):
        read_run("../../etc/passwd", folder)
    with pytest.raises(SyncerError, match="no journal"):
        undo(ids[0], opener, folder=folder)


def test_undo_in_a_workbook_puts_dates_back_as_dates(tmp_path: Path, folder: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "tracker.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for record in csv.reader(io.StringIO(TRACKER)):
        sheet.append(record)
    book.save(path)
    journaled_sync(path, FIRST_DAY, folder)
    first = [[cell.value for cell in row] for row in openpyxl.load_workbook(path).active.rows]
    second = journaled_sync(path, SECOND_DAY, folder)
    assert any(e.column == "Due Date" for e in read_run(second.run_id, folder).entries)

    assert undo(second.run_id, opener, folder=folder).ok

    restored = [[cell.value for cell in row] for row in openpyxl.load_workbook(path).active.rows]
    assert restored == first
    for column in ("Due Date", "Last Synced"):
        index = first[0].index(column)
        assert any(isinstance(row[index], datetime) for row in restored[1:])


def test_journals_live_in_the_state_folder_by_default(
    tracker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCER_STATE_DIR", str(tmp_path / "state-home"))
    journal = Journal(argv=["sync", str(tracker)])
    sync(tracker, FIRST_DAY, journal)
    assert journal.path.parent == tmp_path / "state-home" / "journal" == journal_dir()
    assert journal_dir(tmp_path / "configured") == tmp_path / "configured" / "journal"
    assert [run.run_id for run in list_runs()] == [journal.run_id]


def test_undo_in_a_column_renamed_by_the_config_keeps_the_next_sync_free_of_conflicts(
    tracker: Path, folder: Path
) -> None:
    text = tracker.read_text(encoding="utf-8").replace(",Notes\n", ",Notes,Next Step\n", 1)
    tracker.write_text(text, encoding="utf-8")
    config = TrackerConfig(source=str(tracker), column_aliases={"next_action": ("Next Step",)})

    def aliased_sync(day: date, journal: Journal) -> TrackerResult:
        now = datetime.combine(day, datetime.min.time()).replace(hour=2)
        result, _ = sync_tracker(
            config, RunOptions(today=day, now=now), opener=journal.opener(open_backend)
        )
        assert result.failed is None, result.failed
        return result

    aliased_sync(FIRST_DAY, Journal(folder))
    second = Journal(folder)
    aliased_sync(SECOND_DAY, second)
    after_second = tracker.read_bytes()
    entries = read_run(second.run_id, folder).entries
    assert {e.field for e in entries if e.column == "Next Step"} == {"next_action"}

    report = undo(second.run_id, opener, folder=folder)
    assert report.ok and report.restored

    again = aliased_sync(SECOND_DAY, Journal(folder))
    assert again.conflicts == []
    assert tracker.read_bytes() == after_second


def test_a_cell_text_with_unicode_line_separators_reads_back_whole(folder: Path) -> None:
    journal = Journal(folder)
    text = "Dear Ana,\u2028thank you\x85for the\u2029call\x1c."
    journal.record("t.csv", [CellUpdate(2, "Draft", text, "r1", expected="old\u2028text")])
    [entry] = read_run(journal.run_id, folder).entries
    assert (entry.after, entry.before) == (text, "old\u2028text")


# -- a first sync: the cells of the columns it adds, as one line ------------------------------


def blank_owned(path: Path) -> dict[str, dict[str, str]]:
    """Each row's owned cells as text, keyed by the row's Company (a first sync's undo blanks
    the Row IDs too)."""
    data = open_local(path).read()
    where = {header: data.header.index(header) for header in OWNED}
    company = data.header.index("Company")
    return {
        str(cells[company]): {
            h: canonical_text(cells[i] if i < len(cells) else None) for h, i in where.items()
        }
        for cells in data.rows
    }


def test_a_first_sync_journals_the_added_columns_as_one_line(tracker: Path, folder: Path) -> None:
    journal = journaled_sync(tracker, FIRST_DAY, folder)
    written = sum(text != "" for cells in owned_cells(tracker).values() for text in cells.values())

    lines = journal.path.read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds == ["run", "added_columns", "landed"]
    added = json.loads(lines[1])
    assert added["source"] == str(tracker)
    assert added["columns"] == list(OWNED)
    assert added["fields"][:2] == ["next_action", "due_date"]
    assert added["cells"] == written == json.loads(lines[2])["cells"]
    assert len(added["rows"]) == len(owned_cells(tracker))
    assert "Dear" not in lines[1]  # digests, not the drafts' text
    (run,) = list_runs(folder)
    assert run.cells == written
    entries = read_run(journal.run_id, folder).entries
    assert len(entries) == written
    assert {(e.before, e.after) for e in entries} == {("", "")}
    for entry in entries:
        assert entry.holds_after(owned_cells(tracker)[entry.row_id][entry.column])


def test_undo_of_a_first_sync_gives_back_blank_cells(tracker: Path, folder: Path) -> None:
    journal = journaled_sync(tracker, FIRST_DAY, folder)
    written = read_run(journal.run_id, folder).summary.cells

    report = undo(journal.run_id, opener, folder=folder)

    assert report.ok, report
    assert report.restored == written and report.unchanged == 0
    assert all(text == "" for cells in blank_owned(tracker).values() for text in cells.values())
    original = list(csv.reader(io.StringIO(TRACKER)))
    with tracker.open(newline="", encoding="utf-8") as handle:
        now = list(csv.reader(handle))
    assert [row[: len(original[0])] for row in now] == original  # the person's cells as they were


def test_undo_of_a_first_sync_keeps_a_cell_a_person_edited_since(
    tracker: Path, folder: Path
) -> None:
    journal = journaled_sync(tracker, FIRST_DAY, folder)
    written = read_run(journal.run_id, folder).summary.cells

    def edit(header: list[str], body: list[list[str]]) -> list[list[str]]:
        body[0][header.index("Why")] = "my own note"
        return body

    rewrite_rows(tracker, edit)
    report = undo(journal.run_id, opener, folder=folder)

    (conflict,) = report.conflicts
    assert (conflict.row, conflict.column, conflict.now) == (2, "Why", "my own note")
    assert str(conflict) == (
        f"{tracker} row 2, column Why: now 'my own note', the run wrote something else; "
        "changed since, so kept"
    )
    assert report.restored == written - 1
    acme = blank_owned(tracker)["Acme"]
    assert acme.pop("Why") == "my own note"
    assert set(acme.values()) == {""}


def test_undo_of_a_first_sync_journaled_a_line_per_cell_still_works(
    tracker: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Journals written before the added_columns line: a first sync's cells one line each."""

    def one_line_per_cell(
        source: str,
        updates: Sequence[CellUpdate],
        new_columns: object,
        state: object,
        others: PackedUpdates,
    ) -> Iterator[str]:
        others.extend(updates)
        yield from ()

    monkeypatch.setattr("syncer.journal._added_columns", one_line_per_cell)
    journal = journaled_sync(tracker, FIRST_DAY, folder)
    monkeypatch.undo()
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    written = read_run(journal.run_id, folder).summary.cells
    assert len(lines) == 1 + written + 1

    report = undo(journal.run_id, opener, folder=folder)

    assert report.ok and report.restored == written
    assert all(text == "" for cells in blank_owned(tracker).values() for text in cells.values())


def test_a_cell_holding_text_past_the_header_is_journaled_with_its_text(folder: Path) -> None:
    """A ragged row may hold text where a new column goes: that cell was not blank before."""
    journal = Journal(folder)
    state = SyncState({"r1": {"why": "0" * 16}})
    updates = [
        CellUpdate(2, "Why", "planned", "r1", expected="", field="why"),
        CellUpdate(3, "Why", "planned", "r2", expected="stray text", field="why"),
    ]
    journal.record("t.csv", updates, ("Why",), state)
    journal.record_landed("t.csv", len(updates))
    run = read_run(journal.run_id, folder)
    blank, stray = run.entries
    assert (blank.row_id, blank.before, blank.after_digest) == ("r1", "", "0" * 16)
    assert (stray.row_id, stray.before, stray.after, stray.after_digest) == (
        "r2",
        "stray text",
        "planned",
        "",
    )
    assert run.summary.cells == 2


def test_an_added_cell_the_state_has_no_digest_for_is_digested_from_its_value(
    folder: Path,
) -> None:
    journal = Journal(folder)
    stamp = datetime(2026, 11, 26, 2, 0)
    journal.record(
        "t.csv", [CellUpdate(2, "Last Synced", stamp, "r1", field="last_synced")], ("Last Synced",)
    )
    [entry] = read_run(journal.run_id, folder).entries
    assert entry.holds_after("2026-11-26 02:00") and not entry.holds_after("2026-11-26")


def test_the_added_columns_line_reads_a_packed_state_and_leaves_it_packed(folder: Path) -> None:
    """A plan made in parts holds its state packed; the journal reads each row's digests from
    that text and stores nothing back (unpacked for good, 100,000 rows would double it)."""
    state = SyncState.from_rows([["r1", "due_date:d1 next_action:n1"]])
    packed = state.cells.packed_row("r1")
    updates = PackedUpdates()
    updates.add_cell(2, "r1", "Next Action", "next_action", "Apply", "")
    updates.add_cell(2, "r1", "Due", "due_date", "2026-12-01", "")
    journal = Journal(folder)
    journal.record("t.csv", updates, ["Next Action", "Due"], state)
    added = json.loads(journal.path.read_text(encoding="utf-8").splitlines()[1])
    assert added["rows"] == [[2, "r1", "n1 d1"]]
    assert state.cells.packed_row("r1") is packed


_texts = st.text(st.characters(codec="utf-8"), max_size=8)
_values = st.none() | _texts | st.dates() | st.datetimes() | st.integers() | st.floats()
_cells = st.tuples(
    st.integers(1, 4), st.sampled_from(["r1", "r2", "ré\u2028"]), _texts, _texts, _values, _texts
)


@given(st.lists(_cells, max_size=12), st.booleans())
def test_cell_lines_are_what_json_dumps_writes(
    cells: list[tuple[int, str, str, str, object, str]], packed: bool
) -> None:
    updates = [
        CellUpdate(row, column, value, row_id, before, name)  # type: ignore[arg-type]
        for row, row_id, column, name, value, before in cells
    ]
    if packed:
        updates = PackedUpdates(updates)  # type: ignore[assignment]
    source = "trackers/t\u00e9.csv"
    lines = "".join(_cell_lines(source, _quote(source), updates))
    expected = "".join(
        json.dumps(
            {
                "type": "cell",
                "source": source,
                "row": u.row,
                "row_id": u.row_id,
                "column": u.column,
                "field": u.field,
                "before": u.expected,
                "after": canonical_text(u.value),
            },
            ensure_ascii=False,
        )
        + "\n"
        for u in updates
    )
    assert lines == expected
