"""Trackers of any size on Google's grids: syncer grows the tracker tab and ``_syncer`` before it
writes past them (Google refuses a write past a grid: syncer/emulator/grid.py). Loopback: the
real gspread and google-auth over HTTP against the emulator's server, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.columns import input_fields
from syncer.emulator.server import running
from syncer.exitcodes import ExitCode
from syncer.google.setup import default_header
from tests.google.conftest import Google, kinds, sheet_config

ROWS = 5000
HEADER = [spec.header for spec in input_fields()]


@pytest.fixture
def endpoint(google: Google, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        yield base_url


def tracker_rows(count: int, first: int = 0) -> list[list[str]]:
    rows = []
    for index in range(first, first + count):
        record = {
            "Company": f"Company {index}",
            "Position": "Engineer",
            "Stage": "applied",
            "Applied On": (date(2026, 11, 2) + timedelta(days=index % 20)).isoformat(),
        }
        rows.append([record.get(name, "") for name in HEADER])
    return rows


def grid(google: Google, key: str, tab: str) -> tuple[int, int]:
    properties = google.sheets.sheet(key, tab).properties["gridProperties"]
    return properties["rowCount"], properties["columnCount"]


def night(key: str, today: str) -> dict[str, object]:
    done = CliRunner().invoke(cli, ["sync", sheet_config(key).source, "--today", today, "--json"])
    assert done.exit_code == ExitCode.OK, done.output
    return dict(json.loads(done.stdout))


def test_a_5000_row_tracker_in_a_tab_its_size_syncs_two_nights_and_grows_once_more(
    google: Google, endpoint: str
) -> None:
    key = google.sheets.create_spreadsheet("Big", {"Applications": [HEADER, *tracker_rows(ROWS)]})
    google.sheets.fit(key, "Applications")
    assert grid(google, key, "Applications") == (ROWS + 1, len(HEADER))

    first = night(key, "2026-11-26")
    assert len(first["trackers"][0]["rows"]) == ROWS  # type: ignore[index]
    header = google.sheets.grid(key, "Applications")[0]
    assert header == HEADER + list(default_header()[len(HEADER) :])
    assert grid(google, key, "Applications") == (ROWS + 1, len(header)), "columns, no rows"
    assert grid(google, key, "_syncer")[0] > ROWS + 1, "the state of every row fits"
    last = google.sheets.grid(key, "Applications")[ROWS]
    assert last[header.index("Urgency")] in {"overdue", "today", "upcoming"}

    since = len(google.emulator.log)
    night(key, "2026-11-27")
    reads, writes = kinds(google.requests(since))
    # The read, the formula look-up of the cells to write, the re-check; one write.
    assert (len(reads), len(writes)) == (3, 1), (reads, writes)

    # 1,500 more applications typed in: the state outgrows ``_syncer``'s room; one write grows it.
    google.sheets.set_values(key, "Applications", f"A{ROWS + 2}", tracker_rows(1500, first=ROWS))
    since = len(google.emulator.log)
    third = night(key, "2026-11-30")
    assert len(third["trackers"][0]["rows"]) == ROWS + 1500  # type: ignore[index]
    reads, writes = kinds(google.requests(since))
    assert len(reads) == 3 and writes[0].endswith(":batchUpdate") and len(writes) == 2, writes
    assert grid(google, key, "_syncer")[0] > ROWS + 1500 + 1


def test_init_sheet_twice_on_a_new_spreadsheet(google: Google, endpoint: str) -> None:
    key = google.sheets.create_spreadsheet("New", {"Sheet1": []})
    url = sheet_config(key).source
    first = CliRunner().invoke(cli, ["init", "--sheet", url])
    assert first.exit_code == ExitCode.OK, first.output
    assert f"wrote the {len(default_header())} default headers in row 1" in first.output
    assert "added 6 columns to the tab" in first.output
    assert google.sheets.grid(key, "Sheet1")[0] == default_header()
    assert grid(google, key, "Sheet1") == (1000, len(default_header()))
    sheet = google.sheets.sheet(key, "Sheet1")
    assert len(sheet.conditional_formats) == 1
    before = google.sheets.snapshot(key)

    since = len(google.emulator.log)
    second = CliRunner().invoke(cli, ["init", "--sheet", url])
    assert second.exit_code == ExitCode.OK, second.output
    assert second.output.strip() == (
        "nothing to change: the tab already has every header, dropdown, format and highlight"
    )
    assert kinds(google.requests(since))[1] == [], "the second run writes nothing"
    assert google.sheets.snapshot(key) == before
    assert len(google.sheets.sheet(key, "Sheet1").conditional_formats) == 1

    synced = night(key, "2026-11-26")
    assert synced["trackers"][0]["errors"] == []  # type: ignore[index]
