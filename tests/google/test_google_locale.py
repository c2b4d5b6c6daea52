"""The spreadsheet's locale and time zone, read in the calls syncer already makes: text dates in
the locale's order, "today" in the spreadsheet's time zone, and doctor's warning."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncer.dates import DateOrder
from syncer.google.setup import doctor
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import Google, kinds, sheet_config

HEADER = ["Company", "Position", "Stage", "Applied On"]
# 23:30 UTC on Thursday 26 November 2026: Friday 27 November in Auckland (UTC+13), still
# Thursday afternoon in Los Angeles (UTC-8).
NEAR_MIDNIGHT_UTC = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)


def text_date_sheet(google: Google, locale: str, text: str) -> str:
    """A sheet whose Applied On holds ``text`` as text (a plain-text cell, as pasted)."""
    key = google.sheets.create_spreadsheet(
        "Job hunt", {"Applications": [HEADER, ["Acme", "Analyst", "applied"]]}, locale=locale
    )
    google.sheets.set_format(key, "Applications", "D2", {"numberFormat": {"type": "TEXT"}})
    google.sheets.set_cell(key, "Applications", "D2", text)
    assert google.sheets.cell(key, "Applications", "D2")["userEnteredValue"] == {
        "stringValue": text
    }
    return key


def due_of(google: Google, key: str, **config: object) -> tuple[date | None, str]:
    result, _ = sync_tracker(
        sheet_config(key, **config),
        RunOptions(today=date(2026, 4, 20), now=datetime(2026, 4, 20, 2, 0)),
        opener=google.opener(),
    )
    assert result.failed is None, result.failed
    row = result.rows[0]
    return row.decision.due_on, row.decision.urgency.value


def test_text_dates_are_read_in_the_spreadsheet_locale_order(google: Google) -> None:
    # 03/04/2026 is 3 April in en_GB: follow up a week later, Friday 10 April.
    assert due_of(google, text_date_sheet(google, "en_GB", "03/04/2026")) == (
        date(2026, 4, 10),
        "overdue",
    )
    # ... and 4 March in en_US: a week later is Wednesday 11 March.
    assert due_of(google, text_date_sheet(google, "en_US", "03/04/2026"))[0] == date(2026, 3, 11)
    assert due_of(google, text_date_sheet(google, "de_DE", "03.04.2026"))[0] == date(2026, 4, 10)
    assert due_of(google, text_date_sheet(google, "ja_JP", "2026/04/03"))[0] == date(2026, 4, 10)


def test_a_configured_date_order_wins_over_the_locale(google: Google) -> None:
    key = text_date_sheet(google, "en_GB", "03/04/2026")
    assert due_of(google, key, date_order=DateOrder.MDY)[0] == date(2026, 3, 11)


def test_the_locale_comes_with_the_first_sync_metadata_read_and_costs_nothing_after(
    google: Google,
) -> None:
    key = text_date_sheet(google, "en_GB", "03/04/2026")
    due_of(google, key)
    first = google.requests()
    metadata = [e for e in first if e["method"] == "GET" and e["path"].endswith(key)]
    assert len(metadata) == 1, "one spreadsheets.get, as before: the tab list"
    assert "properties(locale,timeZone)" in metadata[0]["query"]["fields"]
    mark = len(google.emulator.log)
    assert due_of(google, key)[0] == date(2026, 4, 10)
    reads, writes = kinds(google.requests(mark))
    assert len(reads) == 1 and writes == [], "a nightly run with nothing changed: one read"


def test_a_state_sheet_from_an_older_syncer_learns_the_settings_once(google: Google) -> None:
    key = text_date_sheet(google, "en_GB", "03/04/2026")
    due_of(google, key)
    state = google.sheets.sheet(key, "_syncer")
    kept = [
        k
        for k, c in state.cells.items()
        if c.get("userEnteredValue", {}).get("stringValue") in ("locale", "time_zone")
    ]
    assert len(kept) == 2
    for row, _ in kept:  # forget them, as a state sheet written before this version
        for column in range(3):
            state.cells.pop((row, column), None)
    mark = len(google.emulator.log)
    assert due_of(google, key)[0] == date(2026, 4, 10)
    reads, writes = kinds(google.requests(mark))
    assert len(reads) == 2 and len(writes) == 1, "one spreadsheets.get, then stored"
    mark = len(google.emulator.log)
    due_of(google, key)
    reads, writes = kinds(google.requests(mark))
    assert len(reads) == 1 and writes == []


def applied_sheet(google: Google, time_zone: str) -> str:
    # Applied on Friday 20 November: follow up due Friday 27 November.
    return google.sheets.create_spreadsheet(
        "Job hunt",
        {"Applications": [HEADER, ["Acme", "Analyst", "applied", "2026-11-20"]]},
        time_zone=time_zone,
    )


def urgency_at(google: Google, key: str, moment: datetime, **config: object) -> str:
    result, _ = sync_tracker(
        sheet_config(key, **config), RunOptions(now=moment), opener=google.opener()
    )
    assert result.failed is None, result.failed
    assert result.rows[0].decision.due_on == date(2026, 11, 27)
    return result.rows[0].decision.urgency.value


def test_today_is_the_spreadsheet_own_time_zone(google: Google) -> None:
    auckland = applied_sheet(google, "Pacific/Auckland")
    los_angeles = applied_sheet(google, "America/Los_Angeles")
    assert urgency_at(google, auckland, NEAR_MIDNIGHT_UTC) == "today"
    assert urgency_at(google, los_angeles, NEAR_MIDNIGHT_UTC) == "upcoming"


def test_a_configured_timezone_wins_over_the_spreadsheet(google: Google) -> None:
    auckland = applied_sheet(google, "Pacific/Auckland")
    assert urgency_at(google, auckland, NEAR_MIDNIGHT_UTC, timezone="UTC") == "upcoming"


def test_doctor_warns_when_date_order_contradicts_the_sheet_locale(google: Google) -> None:
    key = text_date_sheet(google, "en_GB", "03/04/2026")
    checks = doctor(sheet_config(key, date_order=DateOrder.MDY), transport=google.transport)
    (locale,) = [c for c in checks if c.name == "locale"]
    assert locale.warn and locale.ok and "en_GB" in locale.message
    assert all(c.ok for c in checks)
    checks = doctor(sheet_config(key), transport=google.transport)
    (locale,) = [c for c in checks if c.name == "locale"]
    assert not locale.warn and "DMY" in locale.message
