"""The csv sidecar state file: read back fast, and exactly as the line-by-line reader reads it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import SyncState
from syncer.backends.sidecar import (
    _NotTheWrittenLayout,
    read_state_file,
    state_pairs_streamed,
    state_rows_streamed,
    write_state_json,
)

#: A sidecar as syncer wrote it before the state was read lazily (the layout is unchanged).
OLD_SIDECAR = """{
 "format": "syncer-state/1",
 "rows": [
  [
   "row_id",
   "digests"
  ],
  [
   "_meta",
   "data_rows:2"
  ],
  [
   "r-caf\\u00e9",
   "urgency:f13982744186359e"
  ],
  [
   "r00029b2b8f",
   "_p:2026-11-27/228a45498a5e163a2a29b28f draft:2316c6cff9e024a1 why:92f10d4d002a87e6"
  ]
 ]
}
"""


def test_a_sidecar_written_before_is_read(tmp_path: Path) -> None:
    sidecar = tmp_path / "t.csv.syncer.json"
    sidecar.write_text(OLD_SIDECAR, encoding="utf-8")
    state = read_state_file(sidecar, "t.csv")
    assert state.data_rows == 2
    assert state.cells == {
        "r00029b2b8f": {
            "_p": "2026-11-27/228a45498a5e163a2a29b28f",
            "draft": "2316c6cff9e024a1",
            "why": "92f10d4d002a87e6",
        },
        "r-café": {"urgency": "f13982744186359e"},
    }
    assert state.cells.value("r00029b2b8f", "_p") == "2026-11-27/228a45498a5e163a2a29b28f"
    out = io.BytesIO()
    write_state_json(out, state.iter_rows())
    assert out.getvalue().decode("utf-8") == OLD_SIDECAR  # written back byte for byte


texts = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=30), st.integers(8, 200))
def test_two_text_rows_read_in_chunks_as_the_line_reader_reads_them(
    rows: list[tuple[str, str]], chunk: int
) -> None:
    out = io.BytesIO()
    write_state_json(out, [list(row) for row in rows])
    text = out.getvalue().decode("utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("syncer.backends.sidecar._CHUNK_CHARS", chunk)
        fast = list(state_pairs_streamed(io.StringIO(text)))
    assert fast == list(state_rows_streamed(io.StringIO(text))) == [list(row) for row in rows]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(texts, max_size=3), min_size=1, max_size=8), st.integers(8, 200))
def test_any_other_rows_are_left_to_the_line_reader(rows: list[list[str]], chunk: int) -> None:
    out = io.BytesIO()
    write_state_json(out, rows)
    text = out.getvalue().decode("utf-8")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("syncer.backends.sidecar._CHUNK_CHARS", chunk)
            fast = list(state_pairs_streamed(io.StringIO(text)))
    except _NotTheWrittenLayout:
        assert any(len(row) != 2 for row in rows)
        return
    assert fast == rows


@pytest.mark.parametrize(
    "layout",
    [
        json.dumps({"format": "syncer-state/1", "rows": [["r1", "why:ab"]]}),  # one line
        OLD_SIDECAR.replace('"r00029b2b8f",', '"r00029b2b8f", "extra",'),
        OLD_SIDECAR.replace(" ]\n}\n", " ]\n}\n[]"),
        OLD_SIDECAR.replace('   "urgency:f13982744186359e"\n', '   "urgency:f1"3"\n'),
    ],
)
def test_a_file_laid_out_otherwise_is_not_read_fast(layout: str) -> None:
    with pytest.raises(_NotTheWrittenLayout):
        list(state_pairs_streamed(io.StringIO(layout)))


def test_a_state_read_fast_equals_the_state_read_line_by_line(tmp_path: Path) -> None:
    memo = "2026-12-0{}/{:024x}".format
    rows = {f"r{i:05}": {"_p": memo(i % 9 + 1, i), "why": f"{i:016x}"} for i in range(3000)}
    state = SyncState(rows, data_rows=3000)
    sidecar = tmp_path / "t.csv.syncer.json"
    with sidecar.open("wb") as out:
        write_state_json(out, state.iter_rows())
    with sidecar.open(encoding="utf-8") as handle:
        by_lines = SyncState.from_rows(state_rows_streamed(handle))
    assert read_state_file(sidecar, "t.csv") == by_lines == state
