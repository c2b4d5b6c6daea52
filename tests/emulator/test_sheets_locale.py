"""USER_ENTERED input and FORMATTED_VALUE output follow the spreadsheet's locale; TODAY() and
NOW() its time zone. Through the real gspread client against the emulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gspread
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.emulator import SheetsService
from syncer.emulator.cells import format_number
from syncer.emulator.locale_input import parse_user_entered
from syncer.emulator.locales import LOCALES

NOV_26_2026 = 46352  # the serial of 2026-11-26 (days since 1899-12-30)


def sheet_in(gc: gspread.Client, locale: str, time_zone: str = "Etc/GMT") -> gspread.Worksheet:
    """A new spreadsheet whose locale (and time zone) is set through the API, as a person does
    in File > Settings (the recorded SpreadsheetTest.test_timezone_and_locale does the same)."""
    book = gc.create(f"In {locale}")
    book.update_locale(locale)
    book.update_timezone(time_zone)
    return book.sheet1


def typed(worksheet: gspread.Worksheet, text: str) -> tuple[Any, Any, dict[str, Any] | None]:
    """(UNFORMATTED_VALUE, FORMATTED_VALUE, numberFormat) of ``text`` typed into A1."""
    worksheet.update([[text]], "A1", value_input_option="USER_ENTERED")
    raw = worksheet.get("A1", value_render_option="UNFORMATTED_VALUE")[0][0]
    shown = worksheet.get("A1", value_render_option="FORMATTED_VALUE")[0][0]
    cell = worksheet.spreadsheet.fetch_sheet_metadata(
        {"ranges": ["A1"], "fields": "sheets.data.rowData.values.userEnteredFormat.numberFormat"}
    )
    row = cell["sheets"][0]["data"][0].get("rowData", [{}])[0]
    number_format = (row.get("values", [{}])[0].get("userEnteredFormat") or {}).get("numberFormat")
    return raw, shown, number_format


@pytest.mark.parametrize(
    ("locale", "text", "pattern"),
    [
        ("en_US", "11/26/2026", "m/d/yyyy"),
        ("en_GB", "26/11/2026", "dd/mm/yyyy"),
        ("en_GB", "26-11-2026", "dd/mm/yyyy"),
        ("de_DE", "26.11.2026", "dd.mm.yyyy"),
        ("fr_FR", "26/11/2026", "dd/mm/yyyy"),
        ("ja_JP", "2026/11/26", "yyyy/mm/dd"),
        ("de_DE", "2026-11-26", "yyyy-mm-dd"),
    ],
)
def test_a_date_typed_in_the_locale_order_is_a_date_with_the_locale_pattern(
    gc: gspread.Client, locale: str, text: str, pattern: str
) -> None:
    raw, shown, number_format = typed(sheet_in(gc, locale), text)
    assert raw == NOV_26_2026
    assert number_format == {"type": "DATE", "pattern": pattern}
    expected = text.replace("-", "/") if locale == "en_GB" else text
    assert shown == expected


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en_US", "26/11/2026"),  # no 26th month: text, as in an en_US sheet on Google
        ("en_GB", "11/26/2026"),
        ("de_DE", "26/11/2026"),  # another locale's separator
        ("ja_JP", "26/11/2026"),
        ("en_GB", "26/11/26"),  # a two-digit year: the stricter side
        ("en_GB", "26/11"),  # no year
        ("en_GB", "31/02/2026"),  # not a real date
        ("de_DE", "26 November 2026"),  # English month names in a German sheet
    ],
)
def test_a_date_out_of_the_locale_order_stays_text(
    gc: gspread.Client, locale: str, text: str
) -> None:
    raw, shown, number_format = typed(sheet_in(gc, locale), text)
    assert raw == text
    assert shown == text
    assert number_format is None


def test_the_same_text_is_a_different_date_by_locale(gc: gspread.Client) -> None:
    us = typed(sheet_in(gc, "en_US"), "03/04/2026")[0]
    gb = typed(sheet_in(gc, "en_GB"), "03/04/2026")[0]
    epoch = dt.date(1899, 12, 30)
    assert epoch + dt.timedelta(days=us) == dt.date(2026, 3, 4)
    assert epoch + dt.timedelta(days=gb) == dt.date(2026, 4, 3)


@pytest.mark.parametrize(
    ("locale", "text", "pattern"),
    [
        ("en_US", "Nov 26, 2026", "mmm d, yyyy"),
        ("en_US", "November 26, 2026", "mmmm d, yyyy"),
        ("en_GB", "26 Nov 2026", "d mmm yyyy"),
        ("en_GB", "26 November 2026", "d mmmm yyyy"),
        ("de_DE", "26. November 2026", "d. mmmm yyyy"),
        ("de_DE", "26. Nov. 2026", "d. mmm yyyy"),
        ("fr_FR", "26 novembre 2026", "d mmmm yyyy"),
        ("fr_FR", "26 nov. 2026", "d mmm yyyy"),
        ("ja_JP", "2026年11月26日", 'yyyy"年"m"月"d"日"'),
    ],
)
def test_month_names_in_the_locale_language(
    gc: gspread.Client, locale: str, text: str, pattern: str
) -> None:
    raw, shown, number_format = typed(sheet_in(gc, locale), text)
    assert raw == NOV_26_2026
    assert number_format == {"type": "DATE", "pattern": pattern}
    assert shown == text


@pytest.mark.parametrize(
    ("locale", "text", "serial", "pattern", "shown"),
    [
        ("en_GB", "26/11/2026 14:30", 46352.6041667, "dd/mm/yyyy hh:mm:ss", "26/11/2026 14:30:00"),
        (
            "de_DE",
            "26.11.2026 9:05:30",
            46352.3788194,
            "dd.mm.yyyy hh:mm:ss",
            "26.11.2026 09:05:30",
        ),
        ("en_US", "11/26/2026 9:30 PM", 46352.8958333, "m/d/yyyy h:mm:ss", "11/26/2026 21:30:00"),
    ],
)
def test_date_times(
    gc: gspread.Client, locale: str, text: str, serial: float, pattern: str, shown: str
) -> None:
    raw, formatted, number_format = typed(sheet_in(gc, locale), text)
    assert raw == pytest.approx(serial)
    assert number_format == {"type": "DATE_TIME", "pattern": pattern}
    assert formatted == shown


@pytest.mark.parametrize(
    ("locale", "text", "pattern", "shown"),
    [
        ("en_US", "9:30 PM", "h:mm:ss am/pm", "9:30:00 PM"),
        ("en_GB", "21:30", "hh:mm:ss", "21:30:00"),
        ("de_DE", "21:30", "hh:mm:ss", "21:30:00"),
    ],
)
def test_times_of_day(gc: gspread.Client, locale: str, text: str, pattern: str, shown: str) -> None:
    raw, formatted, number_format = typed(sheet_in(gc, locale), text)
    assert raw == pytest.approx(21.5 / 24)
    assert number_format == {"type": "TIME", "pattern": pattern}
    assert formatted == shown


def test_am_pm_is_text_where_the_locale_has_no_twelve_hour_clock(gc: gspread.Client) -> None:
    assert typed(sheet_in(gc, "de_DE"), "9:30 PM")[0] == "9:30 PM"


@pytest.mark.parametrize(
    ("locale", "text", "number", "shown"),
    [
        ("en_US", "1,234.5", 1234.5, "1234.5"),
        ("de_DE", "1.234,5", 1234.5, "1234,5"),
        ("de_DE", "0,25", 0.25, "0,25"),
        ("fr_FR", "1 234,5", 1234.5, "1234,5"),
        ("fr_FR", "1\u202f234,5", 1234.5, "1234,5"),
        ("ja_JP", "1,234.5", 1234.5, "1234.5"),
    ],
)
def test_grouping_and_decimal_marks(
    gc: gspread.Client, locale: str, text: str, number: float, shown: str
) -> None:
    raw, formatted, number_format = typed(sheet_in(gc, locale), text)
    assert raw == number
    assert formatted == shown
    assert number_format is None


@pytest.mark.parametrize(
    ("locale", "text"),
    [("en_US", "1,2,3"), ("en_US", "1.234,5"), ("de_DE", "1,234.5"), ("de_DE", "1.5")],
)
def test_digits_in_another_locale_form_stay_text(
    gc: gspread.Client, locale: str, text: str
) -> None:
    assert typed(sheet_in(gc, locale), text)[0] == text


@pytest.mark.parametrize(
    ("locale", "text", "number", "pattern", "shown"),
    [
        ("en_US", "12%", 0.12, "0%", "12%"),
        ("en_GB", "12.5%", 0.125, "0.00%", "12.50%"),
        ("de_DE", "12,5 %", 0.125, "0.00%", "12,50%"),
        ("fr_FR", "12,5 %", 0.125, "0.00%", "12,50%"),
    ],
)
def test_percentages(
    gc: gspread.Client, locale: str, text: str, number: float, pattern: str, shown: str
) -> None:
    raw, formatted, number_format = typed(sheet_in(gc, locale), text)
    assert raw == pytest.approx(number)
    assert number_format == {"type": "PERCENT", "pattern": pattern}
    assert formatted == shown


@pytest.mark.parametrize(
    ("locale", "text", "number", "pattern", "shown"),
    [
        ("en_US", "$1,234.50", 1234.5, '"$"#,##0.00', "$1,234.50"),
        ("en_US", "-$5", -5, '"$"#,##0.00', "-$5.00"),
        ("en_GB", "£1,234.50", 1234.5, '"£"#,##0.00', "£1,234.50"),
        ("de_DE", "1.234,50 €", 1234.5, '#,##0.00 "€"', "1.234,50 €"),
        ("fr_FR", "1 234,50 €", 1234.5, '#,##0.00 "€"', "1\u202f234,50 €"),
        ("ja_JP", "¥1,235", 1235, '"¥"#,##0', "¥1,235"),
    ],
)
def test_currency_in_the_locale_form(
    gc: gspread.Client, locale: str, text: str, number: float, pattern: str, shown: str
) -> None:
    raw, formatted, number_format = typed(sheet_in(gc, locale), text)
    assert raw == number
    assert number_format == {"type": "CURRENCY", "pattern": pattern}
    assert formatted == shown


@pytest.mark.parametrize(("locale", "text"), [("en_US", "5 €"), ("de_DE", "$5"), ("en_GB", "$5")])
def test_another_locale_currency_stays_text(gc: gspread.Client, locale: str, text: str) -> None:
    assert typed(sheet_in(gc, locale), text)[0] == text


def test_a_plain_text_cell_keeps_what_is_typed(gc: gspread.Client, sheets: SheetsService) -> None:
    worksheet = sheet_in(gc, "en_GB")
    worksheet.format("A1", {"numberFormat": {"type": "TEXT"}})
    for text in ("26/11/2026", "0042", "12%", "=1+1"):
        raw, shown, number_format = typed(worksheet, text)
        assert (raw, shown) == (text, text)
        assert number_format == {"type": "TEXT"}


def test_a_cell_with_its_own_number_format_keeps_it(gc: gspread.Client) -> None:
    worksheet = sheet_in(gc, "de_DE")
    worksheet.format("A1", {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}})
    raw, shown, number_format = typed(worksheet, "26.11.2026")
    assert (raw, shown) == (NOV_26_2026, "2026-11-26")
    assert number_format == {"type": "DATE", "pattern": "yyyy-mm-dd"}


def test_formatted_value_follows_the_locale_of_an_existing_cell(gc: gspread.Client) -> None:
    worksheet = sheet_in(gc, "en_US")
    worksheet.update([[1234.5, NOV_26_2026]], "A1", value_input_option="RAW")
    worksheet.format("A1", {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}})
    worksheet.format("B1", {"numberFormat": {"type": "DATE", "pattern": "d mmmm yyyy"}})
    assert worksheet.get("A1:B1")[0] == ["1,234.50", "26 November 2026"]
    worksheet.spreadsheet.update_locale("de_DE")
    assert worksheet.get("A1:B1")[0] == ["1.234,50", "26 November 2026"]
    worksheet.format("B1", {"numberFormat": {"type": "DATE"}})  # no pattern: the locale's
    assert worksheet.get("A1:B1")[0] == ["1.234,50", "26.11.2026"]
    worksheet.spreadsheet.update_locale("fr_FR")
    worksheet.format("B1", {"numberFormat": {"type": "DATE", "pattern": "d mmmm yyyy"}})
    assert worksheet.get("A1:B1")[0] == ["1\u202f234,50", "26 novembre 2026"]


def test_formatted_date_time_render_option_uses_the_locale(gc: gspread.Client) -> None:
    worksheet = sheet_in(gc, "ja_JP")
    worksheet.update([["2026/11/26"]], "A1", value_input_option="USER_ENTERED")
    assert worksheet.get(
        "A1", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING"
    ) == [["2026/11/26"]]


def test_spreadsheets_create_keeps_the_locale_and_time_zone_given(gc: gspread.Client) -> None:
    reply = gc.http_client.request(
        "post",
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={"properties": {"title": "GB", "locale": "en_GB", "timeZone": "Europe/London"}},
    ).json()
    assert reply["properties"]["locale"] == "en_GB"
    assert reply["properties"]["timeZone"] == "Europe/London"


def test_today_and_now_are_in_the_spreadsheet_time_zone(
    gc: gspread.Client, sheets: SheetsService
) -> None:
    # 23:30 UTC on 26 November is already 27 November in Auckland (UTC+13 in summer) and still
    # the afternoon of 26 November in Los Angeles (UTC-8).
    sheets.clock = lambda: dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)
    auckland = sheet_in(gc, "en_GB", "Pacific/Auckland")
    los_angeles = sheet_in(gc, "en_US", "America/Los_Angeles")
    for worksheet in (auckland, los_angeles):
        worksheet.update([["=TODAY()", "=NOW()"]], "A1", value_input_option="USER_ENTERED")
    assert auckland.get("A1:B1")[0] == ["27/11/2026", "27/11/2026 12:30:00"]
    assert los_angeles.get("A1:B1")[0] == ["11/26/2026", "11/26/2026 15:30:00"]
    assert auckland.get("A1", value_render_option="UNFORMATTED_VALUE") == [[NOV_26_2026 + 1]]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=24), code=st.sampled_from(sorted(LOCALES)))
def test_any_typed_text_is_stored_as_something(text: str, code: str) -> None:
    entered, number_format = parse_user_entered(text, LOCALES[code])
    assert entered is None or len(entered) == 1
    if number_format is not None:
        assert entered is not None and "numberValue" in entered


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    code=st.sampled_from(sorted(LOCALES)),
)
def test_a_date_shown_in_the_locale_short_date_types_back_to_the_same_date(
    day: dt.date, code: str
) -> None:
    locale = LOCALES[code]
    serial = (day - dt.date(1899, 12, 30)).days
    shown = format_number(serial, {"type": "DATE", "pattern": locale.date_pattern}, locale)
    assert parse_user_entered(shown, locale) == (
        {"numberValue": serial},
        {"type": "DATE", "pattern": locale.date_pattern},
    )
