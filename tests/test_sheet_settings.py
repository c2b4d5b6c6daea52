"""The spreadsheet's locale and time zone fill what the config leaves open (pure parts)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncer.config import TrackerConfig
from syncer.dates import DateOrder, order_for_locale, parse_date
from syncer.google.setup import settings_check
from syncer.sync import RunOptions, run_clock


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("en_US", DateOrder.MDY),
        ("en_GB", DateOrder.DMY),
        ("fr_FR", DateOrder.DMY),
        ("de_DE", DateOrder.DMY),
        ("ja_JP", DateOrder.YMD),
        ("en_PH", DateOrder.MDY),
        ("ja", DateOrder.YMD),
        ("en", None),
    ],
)
def test_each_locale_reads_dates_in_its_people_order(locale: str, order: DateOrder | None) -> None:
    assert order_for_locale(locale) == order


def test_de_de_dates_with_dots_read_day_first() -> None:
    order = order_for_locale("de_DE")
    assert order is not None
    assert parse_date("03.04.2026", order) == date(2026, 4, 3)


def test_the_sheet_settings_fill_only_what_the_config_leaves_open() -> None:
    plain = TrackerConfig(source="KEY")
    filled = plain.with_sheet_settings("en_GB", "Europe/London")
    assert (filled.date_order, filled.timezone) == (DateOrder.DMY, "Europe/London")
    assert plain.reading_order is DateOrder.MDY
    chosen = TrackerConfig(source="KEY", date_order=DateOrder.YMD, timezone="Asia/Tokyo")
    assert chosen.with_sheet_settings("en_GB", "Europe/London") == chosen
    assert plain.with_sheet_settings(None, "Not/AZone") == plain
    assert plain.with_sheet_settings("en", None) == plain


def test_today_is_the_run_moment_in_the_tracker_time_zone() -> None:
    moment = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    auckland = TrackerConfig(source="KEY", timezone="Pacific/Auckland")
    los_angeles = TrackerConfig(source="KEY", timezone="America/Los_Angeles")
    assert run_clock(auckland, RunOptions(now=moment))[0] == date(2026, 11, 27)
    assert run_clock(los_angeles, RunOptions(now=moment))[0] == date(2026, 11, 26)
    override = RunOptions(now=moment, today=date(2026, 1, 1))
    assert run_clock(auckland, override)[0] == date(2026, 1, 1)


def test_doctor_warns_when_date_order_contradicts_the_locale() -> None:
    check = settings_check(TrackerConfig(source="KEY", date_order=DateOrder.MDY), "en_GB", "UTC")
    assert check.ok and check.warn
    assert "en_GB reads typed dates as DMY" in check.message
    assert 'date_order = "DMY"' in check.fix
    agreeing = settings_check(TrackerConfig(source="KEY", date_order=DateOrder.DMY), "en_GB", "UTC")
    assert agreeing.ok and not agreeing.warn
    assert not settings_check(TrackerConfig(source="KEY"), "ja_JP", "Asia/Tokyo").warn
