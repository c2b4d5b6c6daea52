"""The .csv backend: the shared contract, plus byte-exactness of every field syncer does not own."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.local import open_local
from syncer.errors import ConflictError, TrackerError
from tests.backends.contract import BackendContract, MakeTracker, Rows, StoredTracker


def csv_text(header: list[str], rows: Rows, delimiter: str = ",", newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


class TestCsvContract(BackendContract):
    @pytest.fixture
    def make_tracker(self, tmp_path: Path) -> MakeTracker:
        def make(header: list[str], rows: Rows) -> StoredTracker:
            path = tmp_path / "tracker.csv"
            path.write_bytes(csv_text(header, rows).encode())
            return StoredTracker(open_local(path), lambda: open_local(path), path.read_bytes)

        return make


BIG_NOTE = "x" * 200_000
ORIGINAL_LINES = [
    "Company;Position;Phone;Notes;Stage",
    '"Acme; Inc";0012;+44 20 7946 0000;"said ""call me""";applied',
    '"Globex";=SUM(A1:A3);007;"line one\r\nline two";interviewed',
    f"Initech;Dev;;{BIG_NOTE};applied",
    'Umbrella;"";-5;@home;offer',
]


def write_original(
    path: Path, bom: bool = True, newline: str = "\r\n", final: bool = True
) -> bytes:
    content = newline.join(ORIGINAL_LINES) + (newline if final else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + content.encode()
    path.write_bytes(data)
    return data


def test_values_read_as_text_with_quotes_removed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_original(path)
    data = open_local(path).read()
    assert data.header == ["Company", "Position", "Phone", "Notes", "Stage"]
    assert data.rows[0] == ["Acme; Inc", "0012", "+44 20 7946 0000", 'said "call me"', "applied"]
    assert data.rows[1][1:4] == ["=SUM(A1:A3)", "007", "line one\r\nline two"]
    assert data.rows[2][3] == BIG_NOTE
    assert data.rows[3][:3] == ["Umbrella", None, "-5"]


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("final", [True, False])
def test_every_field_syncer_does_not_own_keeps_its_bytes(
    tmp_path: Path, newline: str, bom: bool, final: bool
) -> None:
    path = tmp_path / "t.csv"
    original = write_original(path, bom=bom, newline=newline, final=final)
    backend = open_local(path)
    backend.read()
    updates = [
        CellUpdate(2, "Due Date", date(2024, 5, 6)),
        CellUpdate(3, "Why", "No reply; 7 days"),
        CellUpdate(5, "Why", "=cmd"),
    ]
    backend.write(updates, ["Due Date", "Why"], SyncState())
    appended = [";Due Date;Why", ";2024-05-06;", ';;"No reply; 7 days"', ";;", ";;'=cmd"]
    lines = [line + extra for line, extra in zip(ORIGINAL_LINES, appended, strict=True)]
    expected = (b"\xef\xbb\xbf" if bom else b"") + (
        newline.join(lines) + (newline if final else "")
    ).encode()
    assert path.read_bytes() == expected
    assert (tmp_path / "t.csv.bak").read_bytes() == original


def test_an_update_to_an_existing_column_rewrites_only_that_field(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'Company,Why,Notes\n"Acme",,"a,b"\n"Initech","old","c\nd"\n')
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(3, "Why", None), CellUpdate(2, "why", 'say "hi"')], [], SyncState())
    assert path.read_bytes() == b'Company,Why,Notes\n"Acme","say ""hi""","a,b"\n"Initech",,"c\nd"\n'


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        csv_text(["Company", "Notes, more", "Stage"], [["A;b", "x", "applied"]], delimiter)
    )
    data = open_local(path).read()
    assert data.header == ["Company", "Notes, more", "Stage"]
    assert data.rows == [["A;b", "x", "applied"]]


def test_ragged_rows_are_padded_when_columns_are_added(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Title line\nCompany,Stage,Notes\nAcme\n\nGlobex,offer,x,extra\n")
    backend = open_local(path, header_row=2)
    data = backend.read()
    assert data.header == ["Company", "Stage", "Notes", ""]
    backend.write([CellUpdate(3, "Why", "w")], ["Why"], SyncState())
    assert path.read_bytes() == (
        b"Title line\nCompany,Stage,Notes,,Why\nAcme,,,,w\n\nGlobex,offer,x,extra,\n"
    )


def test_windows_1252_files_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    original = "Company,Notes\nCafé,naïve – ok\n".encode("cp1252")
    path.write_bytes(original)
    backend = open_local(path)
    assert backend.read().rows == [["Café", "naïve – ok"]]
    backend.write([CellUpdate(2, "Why", "déjà")], ["Why"], SyncState())
    assert path.read_bytes() == "Company,Notes,Why\nCafé,naïve – ok,déjà\n".encode("cp1252")


def test_state_lives_in_a_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Company\nAcme\n")
    before = path.read_bytes()
    backend = open_local(path)
    backend.read()
    state = SyncState(cells={"r1": {"Why": "abcd"}}, data_rows=1)
    backend.write([], [], state)
    assert path.read_bytes() == before
    sidecar = json.loads((tmp_path / "t.csv.syncer.json").read_text())
    assert sidecar["rows"] == state.to_rows()


def test_a_damaged_sidecar_fails_the_tracker(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Company\nAcme\n")
    (tmp_path / "t.csv.syncer.json").write_text("{not json")
    with pytest.raises(TrackerError, match="sync state file"):
        open_local(path).read()


def test_a_file_changed_since_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Company\nAcme\n")
    backend = open_local(path)
    backend.read()
    path.write_bytes(b"Company\nAcme Corp\n")
    with pytest.raises(ConflictError, match="changed while syncing"):
        backend.write([CellUpdate(2, "Why", "x")], ["Why"], SyncState())
    assert path.read_bytes() == b"Company\nAcme Corp\n"
    assert not (tmp_path / "t.csv.bak").exists()


def test_an_unclosed_quote_fails_the_tracker(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'Company,Notes\nAcme,"never closed\nGlobex,x\n')
    with pytest.raises(TrackerError, match="line 2 is never closed"):
        open_local(path).read()


field_text = st.text(alphabet=st.sampled_from(list("ab ,;\"\r\n=+-0\t'é")), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(field_text, min_size=3, max_size=3), min_size=1, max_size=5),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    why=field_text,
)
def test_any_csv_reads_like_the_csv_module_and_keeps_its_bytes(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], quoting: int, why: str
) -> None:
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=quoting, lineterminator="\r\n")
    writer.writerow(["Company", "Stage", "Notes"])
    writer.writerows(rows)
    original = buffer.getvalue().encode()
    path.write_bytes(original)
    backend = open_local(path)
    data = backend.read()
    assert [[value or "" for value in row] for row in data.rows] == rows
    backend.write([CellUpdate(len(rows) + 1, "Why", why)], ["Why"], SyncState())
    rewritten = path.read_bytes().decode()
    lines = list(csv.reader(io.StringIO(rewritten, newline="")))
    assert [line[:3] for line in lines[1:]] == rows
    assert lines[-1][3] == (
        ("'" + why) if why.startswith(("=", "+", "-", "@", "\t", "\r", "'")) else why
    )
    assert open_local(path).read().rows[-1][3] == (why or None)
    without_new_column = rewritten.replace(",Why\r\n", "\r\n", 1)
    for line in buffer.getvalue().split("\r\n")[1:-1]:
        assert line in without_new_column
