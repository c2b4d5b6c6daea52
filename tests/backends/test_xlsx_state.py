"""The ``_syncer`` sheet patched row by row: it reads back as exactly the state written, only the
changed rows are serialised, and any sheet not in syncer's layout is written whole instead."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import Workbook, load_workbook

from syncer.backends import xlsx_write
from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.xlsx import STATE_SHEET, XlsxBackend
from syncer.backends.xlsx_sheet import SheetEditor
from syncer.backends.xlsx_state import StatePatch, patched_state_xml, state_sheet_xml
from tests.catalogue.helpers import BASE_HEADER, sync, xlsx_file

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STATE_PART = "xl/worksheets/sheet2.xml"
ROW_IDS = st.text(alphabet="ar09&<>é_- ", min_size=1, max_size=5).filter(lambda t: t != "_meta")
DIGESTS = st.dictionaries(
    st.sampled_from(["due_date", "draft", "why", "_p"]), st.sampled_from(["0a1b", "ff", "9c"])
)


@lru_cache(maxsize=1)
def _base_workbook() -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = "Applications"
    book.create_sheet(STATE_SHEET)["A1"] = "placeholder"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_back(state_xml: bytes) -> SyncState:
    """The state openpyxl reads (as the xlsx backend does) from a state sheet's XML."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_base_workbook())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = state_xml if info.filename == STATE_PART else source.read(info)
            target.writestr(info.filename, content)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True, data_only=True)
    return SyncState.from_rows(book[STATE_SHEET].iter_rows(values_only=True))


def rows_by_id(state_xml: bytes) -> dict[str, bytes]:
    """Each stored row's bytes, by the text of its first cell."""
    rows = re.findall(rb"<row .*?</row>", state_xml)
    found = {}
    for row in rows:
        first = etree.fromstring(row.replace(b"<row ", f'<row xmlns="{MAIN}" '.encode(), 1))
        found[first[0][0][0].text or ""] = row
    return found


def changed_rows(old: SyncState, new: SyncState) -> int:
    rows = sum(old.cells.get(row_id) != cells for row_id, cells in new.cells.items())
    return rows + (new.data_rows is not None and new.data_rows != old.data_rows)


@st.composite
def next_state(draw: st.DrawFn, state: SyncState) -> SyncState:
    """The state a later night leaves: some rows kept, some changed, some gone, some new."""
    cells: dict[str, dict[str, str]] = {}
    for row_id, digests in state.cells.items():
        fate = draw(st.sampled_from(["keep", "keep", "change", "drop"]))
        if fate == "keep":
            cells[row_id] = dict(digests)
        elif fate == "change":
            cells[row_id] = draw(DIGESTS)
    for row_id, digests in draw(st.dictionaries(ROW_IDS, DIGESTS, max_size=4)).items():
        cells.setdefault(row_id, digests)
    data_rows = draw(st.sampled_from([state.data_rows, None, len(cells)]))
    return SyncState(cells=cells, data_rows=data_rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_patched_sheets_read_back_as_the_state_written_night_after_night(data: Any) -> None:
    state = SyncState(
        cells=data.draw(st.dictionaries(ROW_IDS, DIGESTS, max_size=10)),
        data_rows=data.draw(st.none() | st.integers(0, 30)),
    )
    stored = state_sheet_xml(state.to_rows())
    for _night in range(data.draw(st.integers(1, 4))):
        new = data.draw(next_state(state))
        patch = patched_state_xml(stored, state, new)
        assert isinstance(patch, StatePatch)
        assert read_back(patch.xml) == new == read_back(state_sheet_xml(new.to_rows()))
        assert patch.rows_written == changed_rows(state, new)
        before, after = rows_by_id(stored), rows_by_id(patch.xml)
        for row_id, cells in new.cells.items():
            if state.cells.get(row_id) == cells:
                assert after[row_id] == before[row_id], "an unchanged row keeps its bytes"
        stored, state = patch.xml, new


def test_only_the_changed_rows_are_serialised() -> None:
    old = SyncState(cells={f"r{n:03}": {"why": f"{n:x}"} for n in range(100)}, data_rows=100)
    cells = {row_id: dict(digests) for row_id, digests in old.cells.items() if row_id != "r007"}
    cells["r050"] = {"why": "changed"}
    cells["r500"] = {"why": "new"}
    new = SyncState(cells=cells, data_rows=100)
    stored = state_sheet_xml(old.to_rows())
    patch = patched_state_xml(stored, old, new)
    assert patch is not None and read_back(patch.xml) == new
    assert patch.rows_written == 2
    assert patch.bytes_written < len(stored) // 40
    # The new row took the number the removed one freed; every other row kept its place.
    assert b'<row r="10"><c r="A10" t="inlineStr"><is><t xml:space="preserve">r500' in patch.xml
    assert patch.xml.count(b"<row ") == stored.count(b"<row ")


def _old_and_stored() -> tuple[SyncState, bytes]:
    old = SyncState(cells={"a": {"why": "1"}, "b": {"why": "2"}}, data_rows=2)
    return old, state_sheet_xml(old.to_rows())


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda xml: xml.replace(b'<row r="3">', b'<row r="3" spans="1:2">'), id="attr"
        ),
        pytest.param(lambda xml: xml.replace(b"<sheetData>", b"<dimension/><sheetData>"), id="el"),
        pytest.param(lambda xml: xml.replace(b'r="4"', b'r="2"'), id="out-of-order"),
        pytest.param(lambda xml: xml.replace(b">b<", b">a<"), id="an-id-twice"),
        pytest.param(lambda xml: xml.replace(b">b<", b">c<"), id="not-the-state-read"),
        pytest.param(lambda xml: xml.replace(b"_meta", b"_mota"), id="no-meta-row"),
        pytest.param(lambda xml: xml.replace(b" standalone", b"  standalone"), id="declaration"),
    ],
)
def test_a_sheet_not_in_syncers_layout_is_not_patched(edit: Any) -> None:
    old, stored = _old_and_stored()
    new = SyncState(cells={**old.cells, "c": {"why": "3"}}, data_rows=3)
    assert patched_state_xml(stored, old, new) is not None
    assert patched_state_xml(edit(stored), old, new) is None


def test_a_row_id_named_meta_is_written_whole() -> None:
    old, stored = _old_and_stored()
    assert patched_state_xml(stored, old, SyncState(cells={"_meta": {}}, data_rows=1)) is None


# -- through the backend --------------------------------------------------------------------


def state_member(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        book = etree.fromstring(archive.read("xl/workbook.xml"))
        names = [sheet.get("name") for sheet in book.iter(f"{{{MAIN}}}sheet")]
        return archive.read(f"xl/worksheets/sheet{names.index(STATE_SHEET) + 1}.xml")


def raw_state_member(path: Path) -> bytes:
    """The state member as stored in the zip: local header and compressed bytes."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        book = etree.fromstring(archive.read("xl/workbook.xml"))
        names = [sheet.get("name") for sheet in book.iter(f"{{{MAIN}}}sheet")]
        info = archive.getinfo(f"xl/worksheets/sheet{names.index(STATE_SHEET) + 1}.xml")
    start = info.header_offset
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    return data[start : start + 30 + name_length + extra_length + info.compress_size]


def edit_tracker(path: Path, cells: dict[tuple[int, int], str | None]) -> None:
    """Type into (or clear) tracker cells as a person would, leaving every other part as is."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                editor = SheetEditor(content)
                for (row, column), text in cells.items():
                    if text is None:
                        editor.clear(row, column)
                    else:
                        editor.set_text(row, column, text, 0)
                content = editor.to_bytes()
            archive.writestr(info, content)
    path.write_bytes(out.getvalue())


def tracker(path: Path, rows: int) -> Path:
    stages = ["applied", "wishlist", "interviewed", "applied", "rejected"]
    return xlsx_file(
        path,
        BASE_HEADER,
        [
            [f"Co {n}", "Dev", stages[n % 5], f"2026-11-{1 + n % 25:02}", "", ""]
            for n in range(rows)
        ],
    )


NIGHTS: list[tuple[str, dict[tuple[int, int], str | None]]] = [
    ("2026-11-26", {}),
    ("2026-11-27", {(4, 3): "interviewed", (9, 3): "rejected"}),
    ("2026-11-28", {(30, 1): "New Co", (30, 2): "Ops", (30, 3): "applied"}),
    ("2026-12-01", {(5, column): None for column in range(1, 20)}),
    ("2026-12-02", {(31, 1): "Newer Co", (31, 3): "wishlist", (6, 3): "offer"}),
    ("2026-12-03", {}),
]


class _StoppedClock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _StoppedClock:
        return cls(2026, 11, 26, 2, 0, tzinfo=tz)


def test_nights_of_patches_leave_the_workbook_a_full_rewrite_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched, whole = tracker(tmp_path / "patched.xlsx", 26), tracker(tmp_path / "whole.xlsx", 26)
    patches: list[StatePatch | None] = []
    # One clock for both workbooks: Last Synced is stamped to the minute, and a minute may turn
    # between the two syncs of a night.
    monkeypatch.setattr("syncer.cli.datetime", _StoppedClock)

    def spy(stored: bytes, old: SyncState, new: SyncState) -> StatePatch | None:
        patches.append(patched_state_xml(stored, old, new))
        return patches[-1]

    for today, edits in NIGHTS:
        for path, patcher in ((patched, spy), (whole, lambda *_: None)):
            edit_tracker(path, edits)
            monkeypatch.setattr(xlsx_write, "patched_state_xml", patcher)
            assert sync(path, extra=["--today", today]).exit_code == 0
        with zipfile.ZipFile(patched) as one, zipfile.ZipFile(whole) as other:
            assert one.read("xl/worksheets/sheet1.xml") == other.read("xl/worksheets/sheet1.xml")
        state = XlsxBackend(patched).read().state
        assert state == XlsxBackend(whole).read().state
        assert state_member(whole) == state_sheet_xml(state.to_rows())
    done = [patch for patch in patches if patch is not None]
    assert len(done) == len(patches) >= 4
    assert all(0 < patch.rows_written < 26 for patch in done)


def test_a_state_sheet_another_tool_saved_is_written_whole_then_patched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tracker(tmp_path / "t.xlsx", 6)
    assert sync(path).exit_code == 0
    load_workbook(path).save(path)  # as Excel would: the state sheet in another tool's layout
    saved = XlsxBackend(path).read().state
    assert state_member(path) != state_sheet_xml(saved.to_rows())
    patches: list[StatePatch | None] = []

    def spy(stored: bytes, old: SyncState, new: SyncState) -> StatePatch | None:
        patches.append(patched_state_xml(stored, old, new))
        return patches[-1]

    monkeypatch.setattr(xlsx_write, "patched_state_xml", spy)
    edit_tracker(path, {(3, 3): "interviewed"})
    assert sync(path, extra=["--today", "2026-11-30"]).exit_code == 0
    state = XlsxBackend(path).read().state
    assert state_member(path) == state_sheet_xml(state.to_rows())
    edit_tracker(path, {(5, 3): "interviewed"})
    assert sync(path, extra=["--today", "2026-12-01"]).exit_code == 0
    assert patches[0] is None and patches[1] is not None
    assert XlsxBackend(path).read().state == read_back(patches[1].xml)


def test_an_unchanged_state_keeps_its_zip_member_as_stored(tmp_path: Path) -> None:
    path = tracker(tmp_path / "t.xlsx", 4)
    assert sync(path).exit_code == 0
    load_workbook(path).save(path)  # another layout: a rewrite could not give the same bytes
    before = raw_state_member(path)
    backend = XlsxBackend(path)
    data = backend.read()
    same = SyncState(cells=dict(data.state.cells), data_rows=data.state.data_rows)
    update = CellUpdate(row=2, column="Notes", value="typed again")
    backend.write([update], [], same)
    assert raw_state_member(path) == before
    assert XlsxBackend(path).read().rows[0][4] == "typed again"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_a_patched_state_sheet_as_syncer_does(tmp_path: Path) -> None:
    path = tracker(tmp_path / "patched.xlsx", 26)
    for today, edits in [*NIGHTS, ("2026-12-04", {(7, column): None for column in range(1, 20)})]:
        edit_tracker(path, edits)
        assert sync(path, extra=["--today", today]).exit_code == 0
    numbers = [int(n) for n in re.findall(rb'<row r="(\d+)"', state_member(path))]
    assert numbers != list(range(1, len(numbers) + 1)), "a gap, as a patch leaves a removed row"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    with (tmp_path / "out" / f"patched-{STATE_SHEET}.csv").open(newline="") as handle:
        seen = SyncState.from_rows(csv.reader(handle))
    assert seen == XlsxBackend(path).read().state
    with (tmp_path / "out" / "patched-Applications.csv").open(newline="") as handle:
        assert next(csv.reader(handle))[: len(BASE_HEADER)] == BASE_HEADER
