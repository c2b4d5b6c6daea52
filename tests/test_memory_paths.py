"""The memory-lean write paths (csv rewrite, sync state file, --json) write what they always did."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.csvfile import CsvBackend
from syncer.backends.sidecar import (
    _NotTheWrittenLayout,
    state_json_pieces,
    state_rows_streamed,
    write_state_json,
)
from syncer.errors import HeaderError, TrackerError
from syncer.model import Action, Decision, Urgency
from syncer.output import json_document
from syncer.results import RowResult, TrackerResult

HEADER = "Company,Position,Stage,Why,Due Date"


def make_csv(path: Path, rows: int) -> None:
    lines = [HEADER] + [
        f"Co {i},Dev,applied,,\r" if i % 7 == 0 else f"Co {i},Dev,applied,," for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def updates_for(rows: int, why: str = "wait, then ask") -> list[CellUpdate]:
    updates = []
    for index in range(rows):
        row = index + 2
        updates.append(CellUpdate(row, "Why", f"{why} {index}"))
        updates.append(CellUpdate(row, "Due Date", date(2026, 12, 1 + index % 28)))
        updates.append(CellUpdate(row, "Next Action", "Follow up" if index % 2 else "None"))
    return updates


def written(tmp_path: Path, name: str, updates: list[CellUpdate], rows: int = 40) -> bytes:
    path = tmp_path / name
    make_csv(path, rows)
    backend = CsvBackend(path)
    backend.read()
    backend.write(updates, ["Next Action"], SyncState())
    return path.read_bytes()


def test_updates_in_any_order_write_the_same_file(tmp_path: Path) -> None:
    updates = updates_for(40)
    shuffled = list(updates)
    random.Random(7).shuffle(shuffled)
    in_order = written(tmp_path, "a.csv", updates)
    assert written(tmp_path, "b.csv", shuffled) == in_order
    lines = in_order.decode().split("\n")
    assert lines[0] == HEADER + ",Next Action"
    assert lines[1] == 'Co 0,Dev,applied,"wait, then ask 0",2026-12-01,None\r'  # CR kept
    assert lines[2] == 'Co 1,Dev,applied,"wait, then ask 1",2026-12-02,Follow up'


def test_of_two_updates_to_one_cell_the_later_wins(tmp_path: Path) -> None:
    updates = [
        CellUpdate(5, "Why", "second"),
        CellUpdate(3, "Why", "first"),
        CellUpdate(3, "Why", "first, again"),
    ]
    lines = written(tmp_path, "t.csv", updates, rows=5).decode().split("\n")
    assert lines[2] == 'Co 1,Dev,applied,"first, again",,'
    assert lines[4] == "Co 3,Dev,applied,second,,"
    assert lines[3] == "Co 2,Dev,applied,,,"


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (CellUpdate(1, "Why", "x"), TrackerError, "row 1 is not a data row"),
        (CellUpdate(99, "Why", "x"), TrackerError, "row 99 is past the end of the file"),
        (CellUpdate(3, "Nope", "x"), HeaderError, "no column 'Nope' in the header row"),
    ],
)
def test_a_bad_update_fails_before_anything_is_written(
    tmp_path: Path, bad: CellUpdate, error: type[Exception], message: str
) -> None:
    path = tmp_path / "t.csv"
    make_csv(path, 5)
    before = path.read_bytes()
    backend = CsvBackend(path)
    backend.read()
    with pytest.raises(error, match=message):
        backend.write(
            [CellUpdate(2, "Why", "fine"), bad, CellUpdate(0, "Nope", "x")], [], SyncState()
        )
    assert path.read_bytes() == before


def test_the_rewrite_holds_one_records_new_fields_at_a_time(tmp_path: Path) -> None:
    rows = 3_000
    path = tmp_path / "t.csv"
    make_csv(path, rows)
    updates = [CellUpdate(i + 2, "Why", f"{i}, " + "n" * 2_000) for i in range(rows)]
    new_text = sum(len(str(update.value)) for update in updates)  # each is quoted when written
    backend = CsvBackend(path)
    backend.read()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        backend.write(updates, [], SyncState())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < new_text / 4
    assert path.read_text(encoding="utf-8").count('"2999, nnn') == 1


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans()), max_size=3
        ),
        max_size=5,
    )
)
def test_the_streamed_state_is_what_json_dumps_writes(rows: list[list[object]]) -> None:
    expected = json.dumps({"format": "syncer-state/1", "rows": rows}, indent=1)
    assert "".join(state_json_pieces(rows)) == expected
    out = io.BytesIO()
    write_state_json(out, iter(rows))
    assert out.getvalue() == (expected + "\n").encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), max_size=3), max_size=6))
def test_the_state_is_read_back_a_row_at_a_time_as_json_reads_it(rows: list[list[str]]) -> None:
    out = io.BytesIO()
    write_state_json(out, iter(rows))
    text = out.getvalue().decode("utf-8")
    lines = io.StringIO(text, newline="")
    try:
        streamed = list(state_rows_streamed(lines))
    except _NotTheWrittenLayout:
        assert rows == []  # '"rows": []' is parsed in full
        return
    assert streamed == json.loads(text)["rows"] == rows


def test_a_state_file_laid_out_otherwise_is_read_in_full(tmp_path: Path) -> None:
    csv_path = tmp_path / "t.csv"
    make_csv(csv_path, 2)
    state = SyncState(cells={"r1": {"why": "abc"}}, data_rows=2)
    sidecar = tmp_path / "t.csv.syncer.json"
    sidecar.write_text(json.dumps({"format": "syncer-state/1", "rows": state.to_rows()}))
    assert CsvBackend(csv_path).read().state == state
    with pytest.raises(_NotTheWrittenLayout):
        list(state_rows_streamed(io.StringIO(sidecar.read_text())))


def test_the_state_file_is_written_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("syncer.backends.sidecar._STATE_ROWS_PER_WRITE", 50)
    state = SyncState(
        {f"r{i:05}": {"due_date": f"{i:016x}", "why": f"{i * 7:016x}"} for i in range(4_000)},
        data_rows=4_000,
    )
    out = CountingSink()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        write_state_json(out, state.iter_rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    expected = json.dumps({"format": "syncer-state/1", "rows": state.to_rows()}, indent=1) + "\n"
    assert out.hash.hexdigest() == hashlib.sha256(expected.encode()).hexdigest()
    assert out.size == len(expected) and out.writes > 4_000 / 50
    assert peak - base < len(expected) / 4  # the old way held the text and its bytes


class CountingSink:
    """A binary file that keeps only a hash of what was written."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        self.writes += 1
        return len(data)


def results_for(rows: int) -> list[TrackerResult]:
    decisions = [
        Decision(Action.FOLLOW_UP, date(2026, 12, 1), Urgency.UPCOMING, "Ask «politely»"),
        Decision(None, None, Urgency.INVALID, 'Stage "maybe" is unknown'),
    ]
    first = TrackerResult(
        source="ä.csv",
        client="Ana",
        rows=[RowResult(i + 2, "Acme", "Dev", decisions[i % 2]) for i in range(rows)],
        errors=["row 3: bad date"],
        cells_written=rows,
    )
    return [first, TrackerResult(source="b.csv", failed="cannot read"), TrackerResult("c.csv")]


@pytest.mark.parametrize("rows", [0, 1, 3, 7])
def test_the_json_document_is_what_json_dumps_writes(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("syncer.output._ROWS_PER_PIECE", 3)
    results = results_for(rows)
    document = {
        "trackers": [result.as_json() for result in results],
        "summary": json.loads(json_document(results, dry_run=False))["summary"],
        "dry_run": True,
    }
    expected = json.dumps(document, ensure_ascii=False)
    assert json_document(results, dry_run=True, indent=None) == expected
    assert json_document(results, dry_run=True) == json.dumps(
        document, ensure_ascii=False, indent=2
    )


def test_per_row_objects_carry_no_instance_dict() -> None:
    decision = Decision(Action.NONE, None, Urgency.DONE, "done")
    row = RowResult(2, "Acme", "Dev", decision)
    for value in (decision, row, TrackerResult("a.csv")):
        assert not hasattr(value, "__dict__")


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab,;"\r\n ', max_size=4), min_size=1, max_size=4),
        min_size=1,
        max_size=6,
    ),
    newline=st.sampled_from(["\r\n", "\n"]),
    final=st.booleans(),
)
def test_appended_columns_follow_each_record_as_it_was(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], newline: str, final: bool
) -> None:
    records = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)  # quotes any CR or LF
        records.append(buffer.getvalue().removesuffix("\r\n"))
    header = ["Company", "Position", "Stage", "Notes"]
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(
        (newline.join([",".join(header), *records]) + (newline if final else "")).encode()
    )
    backend = CsvBackend(path)
    backend.read()
    updates = [CellUpdate(row, "Why", f"w{row}, ok") for row in range(2, len(rows) + 2, 2)]
    backend.write(updates, ["Due Date", "Why"], SyncState())
    expected = [",".join(header) + ",Due Date,Why"]
    for number, (row, record) in enumerate(zip(rows, records, strict=True), start=2):
        why = f'"w{number}, ok"' if number % 2 == 0 else ""
        expected.append(record + "," * (len(header) - len(row)) + "," + "," + why)
    assert path.read_bytes() == (newline.join(expected) + (newline if final else "")).encode()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(2, 41), st.sampled_from(["Why", "Due Date", "Stage", "Extra"])),
        max_size=30,
    ),
    st.sampled_from([3, 64, 1 << 20]),
)
def test_a_held_file_copies_its_unchanged_stretches_as_a_record_by_record_rewrite_would(
    tmp_path_factory: pytest.TempPathFactory, cells: list[tuple[int, str]], stretch: int
) -> None:
    """Without new columns a held file's rewrite copies the text between updated records in
    stretches (csvfile._emit_changed): byte for byte what writing each record in turn gives
    (``_emit_each``, the streamed path), whatever the stretch and wherever the updates fall."""
    folder = tmp_path_factory.mktemp("stretch")
    path = folder / "t.csv"
    make_csv(path, 40)
    path.write_text(path.read_text().replace("Due Date", "Due Date,Extra"), encoding="utf-8")
    updates = [CellUpdate(row, column, f"v {row} {column}, ok") for row, column in cells]
    outputs = []
    for whole in (True, False):
        backend = CsvBackend(path)
        backend.read()
        loaded = backend._loaded
        assert loaded is not None
        rewrite = loaded.plan(sorted(updates, key=lambda u: u.row), [])
        out = io.BytesIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("syncer.backends.csvfile._STRETCH", stretch)
            if not whole:
                each = rewrite._emit_each
                patch.setattr(rewrite, "_emit_changed", lambda w, _l, each=each: each(w))
            rewrite.emit(out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    if not cells:
        assert outputs[0] == path.read_bytes()
