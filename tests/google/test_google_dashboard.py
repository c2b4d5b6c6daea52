"""The Coach Dashboard tab: one row per due action of every client, then the failed trackers.

Written on the in-process emulator (and, for the CLI wiring, through the loopback server).
Two clients on 2026-11-26 (a Thursday):
  Client A: Acme (applied 11-12: follow-up due 11-19, overdue), Beta (interviewed 11-25: thank-you
            due today), Gamma (wishlist: nothing to do);
  Client B: Delta (interview Fri 12-04: prepare by Wed 12-02, upcoming), Epsilon (applied 11-05:
            follow-up due 11-12, overdue);
  Client C: a key whose spreadsheet was deleted (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from syncer.cli import cli
from syncer.config import load_config
from syncer.emulator.core import Identity, Request
from syncer.emulator.server import running
from syncer.errors import AccessError
from syncer.exitcodes import ExitCode
from syncer.google.dashboard import DASHBOARD_TAB, HEADER, write_dashboard
from syncer.google.sheet_cells import to_serial
from syncer.model import Action, Decision, Urgency
from syncer.results import RowResult, TrackerResult
from syncer.sync import sync_all
from tests.google.conftest import NO_RETRY, OPTIONS, TODAY, Google, sheet_config

COACH = Identity("coach@coaching.example", "coaching-project")
TRACKER_HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date"]
CLIENT_ROWS = {
    "Client A": [
        ["Acme", "Data Analyst", "applied", "2026-11-12", ""],
        ["Beta", "Engineer", "interviewed", "", "2026-11-25"],
        ["Gamma", "Designer", "wishlist", "", ""],
    ],
    "Client B": [
        ["Delta", "Product Manager", "interview_scheduled", "", "2026-12-04"],
        ["Epsilon", "Analyst", "applied", "2026-11-05", ""],
    ],
}
DELETED_KEY = "deleted-sheet-key-0000000000000"
#: (client, company, next action, due date, urgency), in the order the dashboard must list them.
EXPECTED_ACTIONS = [
    ("Client B", "Epsilon", "Follow up", date(2026, 11, 12), "Overdue"),
    ("Client A", "Acme", "Follow up", date(2026, 11, 19), "Overdue"),
    ("Client A", "Beta", "Send thank-you", date(2026, 11, 26), "Today"),
    ("Client B", "Delta", "Prepare for interview", date(2026, 12, 2), "Upcoming"),
]


def new_tracker(google: Google, client: str, owner: str | None = None) -> str:
    rows: list[list[Any]] = [TRACKER_HEADER, *CLIENT_ROWS[client]]
    options = {"owner": owner} if owner else {}
    key = google.sheets.create_spreadsheet(f"{client} jobs", {"Applications": rows}, **options)
    # A small grid: the emulator formats whole columns.
    google.sheets.sheet(key, "Applications").properties["gridProperties"]["rowCount"] = 20
    return key


def new_dashboard(
    google: Google, owner: str | None = None, *, own_tab: list[list[Any]] | None = None
) -> str:
    """A coach's spreadsheet with a tab of their own that syncer must never touch, and maybe a
    "coach dashboard" tab they made themselves."""
    options = {"owner": owner} if owner else {}
    tabs = {"My notes": [["Client", "Note"], ["Client A", "=1+1"], ["Client B", "call Monday"]]}
    if own_tab is not None:
        tabs["coach dashboard"] = own_tab
    return google.sheets.create_spreadsheet("Coaching", tabs, **options)


@pytest.fixture
def results(google: Google) -> list[TrackerResult]:
    configs = [
        sheet_config(new_tracker(google, client), name=client, timezone="UTC")
        for client in CLIENT_ROWS
    ]
    configs.append(sheet_config(DELETED_KEY, name="Client C"))
    return sync_all(configs, OPTIONS, opener=google.opener())


def write(google: Google, results: list[TrackerResult], key: str) -> Any:
    return write_dashboard(
        results,
        sheet_config(key),
        today=TODAY,
        transport=google.transport,
        retry_policy=NO_RETRY,
    )


def dashboard_values(google: Google, key: str, render: str = "UNFORMATTED_VALUE") -> list[list]:
    return google.sheets.grid(key, DASHBOARD_TAB, render=render)


def tab_titles(google: Google, key: str) -> list[str]:
    return [sheet.title for sheet in google.sheets.spreadsheet(key).sheets]


def test_one_row_per_due_action_by_urgency_then_date_then_the_failures(
    google: Google, results: list[TrackerResult]
) -> None:
    key = new_dashboard(google)
    report = write(google, results, key)

    values = dashboard_values(google, key)
    assert values[0] == list(HEADER)
    actions = [
        (row[0], row[1], row[3], row[4], row[5]) for row in values[1 : len(EXPECTED_ACTIONS) + 1]
    ]
    assert actions == [
        (client, company, action, to_serial(due), urgency)
        for client, company, action, due, urgency in EXPECTED_ACTIONS
    ]
    failed = values[len(EXPECTED_ACTIONS) + 1 :]
    assert len(failed) == 1
    assert failed[0][0] == "Client C" and failed[0][5] == "Failed"
    assert "HTTP 404" in failed[0][6]
    # Why and Link come from the run: each action links to its row in the client's tracker.
    epsilon = values[1]
    assert epsilon[2] == "Analyst" and epsilon[6]
    assert epsilon[7].startswith("https://docs.google.com/spreadsheets/d/")
    assert epsilon[7].endswith("&range=A3")
    assert (report.actions, report.failures, report.created) == (4, 1, True)
    assert report.url.startswith(f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=")


def test_due_dates_are_serial_numbers_shown_as_dates(
    google: Google, results: list[TrackerResult]
) -> None:
    key = new_dashboard(google)
    write(google, results, key)

    cell = google.sheets.cell(key, DASHBOARD_TAB, "E2")
    assert cell["userEnteredValue"] == {"numberValue": to_serial(date(2026, 11, 12))}
    assert cell["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    shown = [row[4] for row in dashboard_values(google, key, render="FORMATTED_VALUE")[1:5]]
    assert shown == [due.isoformat() for _, _, _, due, _ in EXPECTED_ACTIONS]


def test_the_tab_is_created_once_with_a_bold_frozen_header(
    google: Google, results: list[TrackerResult]
) -> None:
    key = new_dashboard(google)
    write(google, results, key)
    sheet = google.sheets.sheet(key, DASHBOARD_TAB)

    assert tab_titles(google, key) == ["My notes", DASHBOARD_TAB]
    assert sheet.properties["gridProperties"]["frozenRowCount"] == 1
    header_format = google.sheets.cell(key, DASHBOARD_TAB, "A1")["userEnteredFormat"]
    assert header_format["textFormat"]["bold"] is True


def test_a_second_run_replaces_the_content_in_the_same_tab(
    google: Google, results: list[TrackerResult]
) -> None:
    key = new_dashboard(google)
    write(google, results, key)
    sheet_id = google.sheets.sheet(key, DASHBOARD_TAB).sheet_id
    first = dashboard_values(google, key)

    since = len(google.emulator.log)
    report = write(google, results, key)
    assert dashboard_values(google, key) == first  # no duplicated rows
    assert tab_titles(google, key) == ["My notes", DASHBOARD_TAB]
    assert google.sheets.sheet(key, DASHBOARD_TAB).sheet_id == sheet_id
    assert report.created is False
    calls = [(entry["method"], entry["path"]) for entry in google.requests(since)]
    assert [method for method, _ in calls] == ["GET", "POST", "PUT"]
    assert calls[1][1].endswith(f"{key}:batchUpdate") and "/values/" in calls[2][1]

    # A night where Client B's tracker is gone from the roster: its rows leave the dashboard.
    fewer = [result for result in results if result.client != "Client B"]
    write(google, fewer, key)
    values = dashboard_values(google, key)
    assert [row[0] for row in values[1:]] == ["Client A", "Client A", "Client C"]


def test_text_that_looks_like_a_formula_stays_text(google: Google) -> None:
    """Values go in RAW: a company typed as a formula is shown, never run, on the dashboard."""
    decision = Decision(Action.FOLLOW_UP, TODAY, Urgency.TODAY, "No reply yet")
    row = RowResult(2, '=IMPORTXML("http://evil.example", "//a")', "Analyst", decision)
    key = new_dashboard(google)
    write(google, [TrackerResult(source="tracker.csv", client="Client D", rows=[row])], key)

    cell = google.sheets.cell(key, DASHBOARD_TAB, "B2")
    assert cell["userEnteredValue"] == {"stringValue": row.company}


def test_other_tabs_are_never_touched(google: Google, results: list[TrackerResult]) -> None:
    key = new_dashboard(google)
    before = google.sheets.snapshot(key)["My notes"]
    write(google, results, key)
    write(google, results, key)
    assert google.sheets.snapshot(key)["My notes"] == before


def test_an_existing_tab_is_cleared_and_grown(google: Google, results: list[TrackerResult]) -> None:
    """A tab a person made (another case of the title, too narrow, with text of their own)."""
    leftovers = [["Old"]] + [[""]] * 7 + [["stale row", "", "stale too"]]
    key = new_dashboard(google, own_tab=leftovers)
    grid = google.sheets.sheet(key, "coach dashboard").properties["gridProperties"]
    grid.update(rowCount=10, columnCount=3)

    report = write(google, results, key)

    assert report.created is False
    assert tab_titles(google, key) == ["My notes", "coach dashboard"]
    assert grid["columnCount"] >= len(HEADER)
    values = google.sheets.grid(key, "coach dashboard")
    assert values[0] == list(HEADER)
    assert len(values) == 1 + len(EXPECTED_ACTIONS) + 1
    assert not {"stale row", "stale too"} & {cell for row in values for cell in row}


def test_a_dashboard_the_account_cannot_open_is_a_clear_error(
    google: Google, results: list[TrackerResult]
) -> None:
    key = new_dashboard(google, owner="someone@else.example")
    google.emulator.identify = lambda _request: COACH
    with pytest.raises(AccessError) as caught:
        write(google, results, key)
    message = str(caught.value)
    assert key in message and "HTTP 403" in message and "share the sheet" in message
    assert tab_titles(google, key) == ["My notes"]


# -- the CLI: [run] dashboard --------------------------------------------------------------------


@pytest.fixture
def loopback(google: Google, monkeypatch: pytest.MonkeyPatch) -> Iterator[Google]:
    """Every call is the coach's, through the loopback server the CLI reaches."""

    def as_the_coach(_request: Request) -> Identity:
        return COACH

    google.emulator.identify = as_the_coach
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        yield google


def coach_config(tmp_path: Path, google: Google, dashboard: str) -> Path:
    lines = ["[run]", f'dashboard = "{dashboard}"', "", "[defaults]", 'timezone = "UTC"', ""]
    for client in CLIENT_ROWS:
        key = new_tracker(google, client, owner=COACH.email)
        lines += ["[[trackers]]", f'name = "{client}"', f'source = "{key}"', ""]
    path = tmp_path / "coach.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def sync(config: Path, *options: str) -> Result:
    arguments = ["sync", "--config", str(config), "--today", TODAY.isoformat(), *options]
    return CliRunner().invoke(cli, arguments, catch_exceptions=False)


def test_sync_writes_the_dashboard_after_the_run(loopback: Google, tmp_path: Path) -> None:
    key = new_dashboard(loopback, owner=COACH.email)
    config = coach_config(tmp_path, loopback, f"https://docs.google.com/spreadsheets/d/{key}/edit")

    result = sync(config)

    assert result.exit_code == ExitCode.OK, result.stderr
    assert f"dashboard: https://docs.google.com/spreadsheets/d/{key}/edit#gid=" in result.stderr
    values = dashboard_values(loopback, key)
    assert [(row[0], row[1]) for row in values[1:]] == [
        (client, company) for client, company, *_ in EXPECTED_ACTIONS
    ]


def test_a_dry_run_leaves_the_dashboard_alone(loopback: Google, tmp_path: Path) -> None:
    key = new_dashboard(loopback, owner=COACH.email)
    config = coach_config(tmp_path, loopback, key)

    result = sync(config, "--dry-run")

    assert result.exit_code == ExitCode.OK, result.stderr
    assert tab_titles(loopback, key) == ["My notes"]
    assert "dashboard" not in result.stderr


def test_a_sharded_run_leaves_the_dashboard_alone(loopback: Google, tmp_path: Path) -> None:
    """One shard knows only its own clients: it must not replace the others' rows."""
    key = new_dashboard(loopback, owner=COACH.email)
    config = coach_config(tmp_path, loopback, key)

    result = sync(config, "--shard", "1/1")

    assert result.exit_code == ExitCode.OK, result.stderr
    assert "dashboard: not updated" in result.stderr
    assert tab_titles(loopback, key) == ["My notes"]


def test_a_dashboard_failure_exits_1_and_the_trackers_results_stand(
    loopback: Google, tmp_path: Path
) -> None:
    key = new_dashboard(loopback, owner="someone@else.example")
    config = coach_config(tmp_path, loopback, key)

    result = sync(config, "--json")

    assert result.exit_code == ExitCode.TRACKER_FAILED
    assert "2 tracker(s): 2 synced, 0 unchanged, 0 failed" in result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("dashboard"))
    assert line.startswith(f"dashboard failed: {key}: ")
    assert "HTTP 403" in line and "share the sheet with" in line
    assert '"synced": 2' in result.stdout


def test_the_config_names_the_dashboard_as_a_sheets_url_or_key(tmp_path: Path) -> None:
    path = tmp_path / "coach.toml"
    url = "https://docs.google.com/spreadsheets/d/abcdefghijklmnopqrstuvwxyz/edit"
    path.write_text(f'[run]\ndashboard = "{url}"\n', encoding="utf-8")
    assert load_config(path).dashboard == url

    path.write_text('[run]\ndashboard = "dashboard.xlsx"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--config", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert "[run] dashboard: 'dashboard.xlsx' is not a Google Sheets URL or key" in result.stderr
