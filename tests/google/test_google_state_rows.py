"""A changed sync rewrites only the ``_syncer`` rows that changed, and the state survives."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from bench.generate import HEADERS, generate_rows
from syncer.backends.base import SyncState
from syncer.emulator.transport import CountingAdapter
from syncer.google.backend import SheetsBackend, open_sheet
from syncer.google.state_rows import changed_blocks, placed
from syncer.sync import sync_tracker
from tests.google.conftest import NO_RETRY, OPTIONS, TODAY, Google, sheet_config


def _tracker(google: Google, n: int) -> str:
    return google.sheets.create_spreadsheet(
        "Hunt", {"Applications": [HEADERS, *generate_rows(n, TODAY)]}
    )


def _sync(google: Google, key: str, adapter: CountingAdapter | None = None) -> None:
    transport = adapter or google.transport
    result, _ = sync_tracker(
        sheet_config(key),
        OPTIONS,
        opener=lambda c: open_sheet(c, transport=transport, retry_policy=NO_RETRY),
    )
    assert result.failed is None, result.failed


def _state_cells(adapter: CountingAdapter) -> int:
    """Cells sent to ``_syncer`` by the sync's values:batchUpdate."""
    cells = 0
    for method, url, body, _ in adapter.exchanges:
        if method == "POST" and url.split("?")[0].endswith("/values:batchUpdate"):
            for block in json.loads(body)["data"]:
                if block["range"].split("!")[0].strip("'") == "_syncer":
                    cells += sum(len(row) for row in block["values"])
    return cells


def test_a_changed_sync_sends_only_the_changed_state_rows(google: Google) -> None:
    key = _tracker(google, 300)
    first = CountingAdapter(google.emulator)
    _sync(google, key, first)
    assert _state_cells(first) >= 300 * 2
    stage = HEADERS.index("Stage")
    for row in (10, 150, 290):
        google.sheets.set_cell(key, "Applications", f"{chr(65 + stage)}{row}", "rejected")
    changed = CountingAdapter(google.emulator)
    _sync(google, key, changed)
    # Three tracker rows changed: their three state rows, with at most a merged gap each.
    assert 0 < _state_cells(changed) <= 3 * 3 * (1 + 2)


def test_the_state_read_back_after_nights_of_edits_is_the_state_syncer_holds(
    google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _tracker(google, 40)
    written: list[SyncState] = []
    write = SheetsBackend.write

    def keep(self: SheetsBackend, updates: Any, new_columns: Any, state: SyncState) -> None:
        write(self, updates, new_columns, state)
        written.append(state)

    monkeypatch.setattr(SheetsBackend, "write", keep)
    _sync(google, key)
    google.sheets.delete_rows(key, "Applications", 5, 3)
    _sync(google, key)
    google.sheets.insert_rows(key, "Applications", 3, 2)
    google.sheets.set_values(
        key, "Applications", "A3", [["New Co", "Engineer"], ["Other Co", "Analyst"]]
    )
    _sync(google, key)
    google.sheets.sort(key, "Applications", "A")
    _sync(google, key)
    google.sheets.delete_rows(key, "Applications", 2, 1)
    _sync(google, key)
    stored = google.sheets.grid(key, "_syncer", render="UNFORMATTED_VALUE")
    assert SyncState.from_rows(stored) == written[-1]
    assert len(written) >= 4


def test_placement_keeps_rows_reuses_blanks_and_appends() -> None:
    stored = [["row_id", "state", ""], ["a", "x:1", ""], ["b", "x:2", ""], ["_meta", "tab", "T"]]
    target = placed(
        stored,
        [["row_id", "state"], ["c", "x:3"], ["a", "x:1"], ["_meta", "tab", "T"], ["d", "x:4"]],
    )
    assert target == [
        ["row_id", "state", ""],
        ["a", "x:1", ""],
        ["c", "x:3", ""],
        ["_meta", "tab", "T"],
        ["d", "x:4", ""],
    ]
    blocks = changed_blocks(stored, target)
    assert [(b.first, len(b.values)) for b in blocks] == [(2, 3)]


def _rows_re_read(adapter: CountingAdapter) -> set[int]:
    """Tracker rows named by the sync's reads after its first (the formula look-up and the
    re-check: a values:batchGet's URL or a values:batchGetByDataFilter's body), as ranges
    ``'Applications'!10:12`` or ``'Applications'!C10:C12``."""
    from urllib.parse import parse_qs, urlsplit

    named: list[str] = []
    for method, url, body, _ in adapter.exchanges[1:]:
        path = urlsplit(url).path
        if method == "GET" and path.endswith("/values:batchGet"):
            named += parse_qs(urlsplit(url).query)["ranges"]
        elif method == "POST" and path.endswith("/values:batchGetByDataFilter"):
            named += [f["a1Range"] for f in json.loads(body)["dataFilters"]]
    rows: set[int] = set()
    for one in named:
        sheet, _, cells = one.rpartition("!")
        if sheet.strip("'") == "Applications":
            first, _, last = (
                part.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for part in cells.partition(":")
            )
            rows.update(range(int(first), int(last) + 1))
    return rows


def test_a_changed_sync_re_reads_only_the_rows_it_writes(google: Google) -> None:
    """The re-check and the formula look-up read the changed rows (and the header), not every
    row between the first and the last changed one: 400 rows, 3 changed."""
    key = _tracker(google, 400)
    _sync(google, key)
    stage = HEADERS.index("Stage")
    for row in (10, 150, 390):
        google.sheets.set_cell(key, "Applications", f"{chr(65 + stage)}{row}", "rejected")
    changed = CountingAdapter(google.emulator)
    _sync(google, key, changed)
    assert _rows_re_read(changed) == {1, 10, 150, 390}


def test_row_spans_split_at_the_widest_gaps_and_never_exceed_the_limit() -> None:
    import random

    from syncer.google.sheet_cells import row_spans

    assert row_spans([]) == []
    assert row_spans([7]) == [(7, 7)]
    assert row_spans([3, 4, 5, 9, 10]) == [(3, 5), (9, 10)]
    assert row_spans([2, 3, 50, 52, 1000], limit=2) == [(2, 52), (1000, 1000)]
    assert row_spans([5, 1, 3], limit=1) == [(1, 5)]
    chooser = random.Random(4)
    for _ in range(300):
        rows = set(chooser.sample(range(2, 3000), chooser.randint(1, 200)))
        limit = chooser.randint(1, 60)
        spans = row_spans(rows, limit)
        assert len(spans) <= limit
        assert all(a <= b for a, b in spans) and all(
            b < c for (_, b), (c, _) in itertools.pairwise(spans)
        )
        covered = {r for a, b in spans for r in range(a, b + 1)}
        assert rows <= covered
        assert all(a in rows and b in rows for a, b in spans)  # no span starts or ends on a gap
        # The fewest extra rows: cutting at the widest gaps is optimal for a span count.
        ordered = sorted(rows)
        gaps = sorted((b - a - 1 for a, b in itertools.pairwise(ordered)), reverse=True)
        uncut = sum(gaps[limit - 1 :]) if len(gaps) >= limit else 0
        assert len(covered) - len(rows) == uncut
