"""End to end through the loopback emulator server: a person sets a spreadsheet's locale and
time zone and types dates in their own way (USER_ENTERED, as typing into the UI) with the real
gspread client; syncer syncs it through the CLI with no invalid row and a real Due Date."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import gspread
import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.config import TrackerConfig
from syncer.emulator.server import running
from syncer.exitcodes import ExitCode
from syncer.google.backend import open_sheet
from syncer.google.session import google_session
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import NO_RETRY, Google

HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date", "Rejected On"]
TYPED = {
    "en_GB": [
        ["Acme", "Analyst", "applied", "19/11/2026", "", ""],
        ["Globex", "Engineer", "interviewed", "02/11/2026", "24/11/2026 14:00", ""],
        ["Initech", "Designer", "rejected", "03/11/2026", "", "23 Nov 2026"],
    ],
    "de_DE": [
        ["Acme", "Analyst", "applied", "19.11.2026", "", ""],
        ["Globex", "Engineer", "interviewed", "02.11.2026", "24.11.2026 14:00", ""],
        ["Initech", "Designer", "rejected", "03.11.2026", "", "23. November 2026"],
    ],
}
# Applied Thursday 19 November: follow up Thursday 26; interviewed Tuesday 24: thank them by
# Wednesday 25; rejected Monday 23: ask for feedback Thursday 26.
EXPECTED = [
    ("follow_up", "2026-11-26", "today"),
    ("send_thank_you", "2026-11-25", "overdue"),
    ("request_feedback", "2026-11-26", "today"),
]


@pytest.fixture
def server(google: Google, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        yield base_url


def person_types(locale: str, time_zone: str, rows: list[list[str]]) -> str:
    """What a person does in the browser, through gspread over HTTP: a new spreadsheet, File >
    Settings (locale, time zone), then the rows typed in. Returns the spreadsheet's URL."""
    session = google_session(TrackerConfig(source="person"), scopes=[])
    client = gspread.Client(auth=session.credentials, session=session)
    book = client.create("Job hunt")
    book.update_locale(locale)
    book.update_timezone(time_zone)
    book.sheet1.update([HEADER, *rows], "A1", value_input_option="USER_ENTERED")
    return book.url


@pytest.mark.parametrize("locale", ["en_GB", "de_DE"])
def test_typed_dates_in_the_sheet_locale_sync_with_no_invalid_row(
    google: Google, server: str, locale: str
) -> None:
    url = person_types(locale, "Europe/London", TYPED[locale])
    key = url.rsplit("/", 1)[-1]
    typed = google.sheets.grid(key, "Sheet1", render="UNFORMATTED_VALUE")
    assert all(isinstance(row[3], int) for row in typed[1:]), "Google stored real dates"
    before = google.sheets.snapshot(key)["Sheet1"]
    done = CliRunner().invoke(cli, ["sync", url, "--today", "2026-11-26", "--json"])
    assert done.exit_code == ExitCode.OK, done.output
    (tracker,) = json.loads(done.stdout)["trackers"]
    assert tracker["errors"] == []
    assert [(r["action"], r["due"], r["urgency"]) for r in tracker["rows"]] == EXPECTED
    grid = google.sheets.grid(key, "Sheet1", render="UNFORMATTED_VALUE")
    due = grid[0].index("Due Date")
    epoch = date(1899, 12, 30)
    assert [(epoch.toordinal() + row[due]) for row in grid[1:]] == [
        date.fromisoformat(d).toordinal() for _, d, _ in EXPECTED
    ], "Due Date is a real date cell"
    assert google.sheets.cell(key, "Sheet1", f"{chr(65 + due)}2")["userEnteredFormat"][
        "numberFormat"
    ] == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    after = google.sheets.snapshot(key)["Sheet1"]
    assert {a1: after[a1] for a1 in before} == before, "the person's cells are as they typed them"


@pytest.mark.parametrize(
    ("time_zone", "urgency"), [("Pacific/Auckland", "today"), ("America/Los_Angeles", "upcoming")]
)
def test_the_spreadsheet_time_zone_decides_today_around_midnight_utc(
    google: Google, server: str, time_zone: str, urgency: str
) -> None:
    # Applied Friday 20 November: follow up Friday 27. At 23:30 UTC on Thursday 26 it is
    # already Friday in Auckland and still Thursday in Los Angeles.
    url = person_types("en_GB", time_zone, [["Acme", "Analyst", "applied", "20/11/2026", "", ""]])
    result, _ = sync_tracker(
        TrackerConfig(source=url),
        RunOptions(now=datetime(2026, 11, 26, 23, 30, tzinfo=UTC)),
        opener=lambda config: open_sheet(config, retry_policy=NO_RETRY),
    )
    assert result.failed is None, result.failed
    (row,) = result.rows
    assert (row.decision.due_on, row.decision.urgency.value) == (date(2026, 11, 27), urgency)


def test_doctor_warns_when_the_config_date_order_contradicts_the_locale(
    google: Google, server: str, tmp_path: Path
) -> None:
    url = person_types("en_GB", "Europe/London", TYPED["en_GB"])
    config = tmp_path / "me.toml"
    config.write_text('[defaults]\ndate_order = "MDY"\n', encoding="utf-8")
    done = CliRunner().invoke(cli, ["doctor", url, "--config", str(config)])
    assert done.exit_code == ExitCode.OK, done.output
    assert "warn locale: date_order = MDY in the config, but the spreadsheet's locale en_GB" in (
        done.output
    )
    assert 'fix: remove date_order (syncer then follows the locale) or set date_order = "DMY"' in (
        done.output
    )
