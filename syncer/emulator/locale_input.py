"""USER_ENTERED input: what a value typed into a cell is stored as, in the spreadsheet's locale.

ValueInputOption USER_ENTERED (Sheets v4 reference): "The values will be parsed as if the user
typed them into the UI. Numbers will stay as numbers, but strings may be converted to numbers,
dates, etc. following the same rules that are applied when entering text into a cell via the
Google Sheets UI." The UI follows the spreadsheet's locale (see :mod:`syncer.emulator.locales`
for the evidence and the strict choices). Each typed form also gets the number format Google
gives it (a date the locale's short date, a percentage ``0%``, an amount the locale's currency
format), unless the cell already has a number format of its own.

A cell formatted as plain text (numberFormat type TEXT, the UI's Format > Number > Plain text)
keeps whatever is typed as text: the NumberFormatType reference describes TEXT as "Text
formatting, e.g 1000.12", the format that shows the typed text itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from syncer.emulator.cells import compact_number, raw_value, serial_number
from syncer.emulator.locales import Locale

Parsed = tuple[dict[str, Any] | None, dict[str, Any] | None]
Moment = tuple[dt.date, dt.time | None]

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?")
_EXPONENT = r"(?:[eE][+-]?\d+)?"
_DIGIT = re.compile(r"\d")
_ISO_DATE_TIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})T(\d{1,2}:\d{2}(?::\d{2})?)")
_DATE_AND_TIME = re.compile(r"(.+?)\s+(\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)")


def parse_user_entered(value: Any, locale: Locale, plain_text: bool = False) -> Parsed:
    """(ExtendedValue, numberFormat Google sets) for ``value`` typed into a cell."""
    if not isinstance(value, str):
        return raw_value(value), None
    if value == "":
        return None, None
    if plain_text:
        return {"stringValue": value}, None
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    text = value.strip()
    if text.upper() in {"TRUE", "FALSE"}:
        return {"boolValue": text.upper() == "TRUE"}, None
    if not _DIGIT.search(text):
        return {"stringValue": value}, None  # every number, date and time has a digit
    number = parse_number(text, locale)
    if number is not None:
        return {"numberValue": compact_number(number)}, None
    return (
        _percent(text, locale)
        or _currency(text, locale)
        or _moment(text, locale)
        or ({"stringValue": value}, None)
    )


@dataclass(frozen=True)
class _Grammar:
    """A locale's typed forms, compiled once."""

    number: re.Pattern[str]
    month_names: dict[str, tuple[int, bool]]  # lowercased name -> (month, is the long name)
    day_first: re.Pattern[str]  # "26 Nov 2026", "26. November 2026"
    month_first: re.Pattern[str] | None  # "Nov 26, 2026" (English only)


@functools.cache
def _grammar(locale: Locale) -> _Grammar:
    decimal = re.escape(locale.decimal)
    groups = "|".join(re.escape(g) for g in locale.groups_typed)
    grouped = rf"\d{{1,3}}(?:(?:{groups})\d{{3}})+"
    number = rf"[+-]?(?:(?:{grouped}|\d+)(?:{decimal}\d*)?|{decimal}\d+){_EXPONENT}"
    names = _month_names(locale)
    words = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    dot = re.escape(_day_dot(locale))
    month_first = None
    if locale.code.startswith("en_"):
        month_first = re.compile(rf"({words}) (\d{{1,2}}),? (\d{{4}})", re.IGNORECASE)
    return _Grammar(
        re.compile(number),
        names,
        re.compile(rf"(\d{{1,2}}){dot} ({words}) (\d{{4}})", re.IGNORECASE),
        month_first,
    )


def _day_dot(locale: Locale) -> str:
    return "." if locale.code == "de_DE" else ""  # German writes the day "26. November 2026"


def parse_number(text: str, locale: Locale) -> float | None:
    """A plain number in the locale's digits: its decimal mark and well-formed grouping."""
    if not _grammar(locale).number.fullmatch(text):
        return None
    plain = text
    for group in locale.groups_typed:
        plain = plain.replace(group, "")
    return float(plain.replace(locale.decimal, "."))


def _percent(text: str, locale: Locale) -> Parsed | None:
    if not text.endswith("%"):
        return None
    number_text = text[:-1].rstrip(" \u00a0\u202f")
    number = parse_number(number_text, locale)
    if number is None:
        return None
    pattern = "0.00%" if locale.decimal in number_text else "0%"
    return {"numberValue": compact_number(number / 100)}, {"type": "PERCENT", "pattern": pattern}


def _currency(text: str, locale: Locale) -> Parsed | None:
    """An amount with the locale's own currency symbol where the locale writes it."""
    symbols = {locale.currency, "￥"} if locale.currency == "¥" else {locale.currency}
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if sign < 0 else text
    amount: str | None = None
    for symbol in symbols:
        if locale.currency_first and body.startswith(symbol):
            amount = body[len(symbol) :].strip()
        elif not locale.currency_first and body.endswith(symbol):
            amount = body[: -len(symbol)].rstrip(" \u00a0\u202f")
    if not amount or amount.startswith(("+", "-")):
        return None
    number = parse_number(amount, locale)
    if number is None:
        return None
    pattern = {"type": "CURRENCY", "pattern": locale.currency_pattern}
    return {"numberValue": compact_number(sign * number)}, pattern


def _moment(text: str, locale: Locale) -> Parsed | None:
    """A date, a date and time, or a time of day, typed in the locale's forms."""
    clock = _time_of_day(text, locale)
    if clock is not None:
        serial = (clock.hour * 3600 + clock.minute * 60 + clock.second) / 86400
        return {"numberValue": compact_number(serial)}, {
            "type": "TIME",
            "pattern": locale.time_pattern,
        }
    found = _date_with_pattern(text, locale)
    if found is None:
        return None
    day, clock, date_pattern, time_pattern = found
    if clock is None:
        return {"numberValue": compact_number(serial_number(day))}, {
            "type": "DATE",
            "pattern": date_pattern,
        }
    moment = dt.datetime.combine(day, clock)
    return {"numberValue": serial_number(moment)}, {
        "type": "DATE_TIME",
        "pattern": f"{date_pattern} {time_pattern}",
    }


def _time_of_day(text: str, locale: Locale) -> dt.time | None:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    meridiem = (match[4] or "").lower()
    if meridiem:
        if not locale.twelve_hour or not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None


def _date_with_pattern(
    text: str, locale: Locale
) -> tuple[dt.date, dt.time | None, str, str] | None:
    """(date, time or None, the date's pattern, the time's pattern) for a typed date."""
    date_text, clock = text, None
    split = _DATE_AND_TIME.fullmatch(text) or _ISO_DATE_TIME.fullmatch(text)
    if split:
        date_text, clock = split[1], _time_of_day(split[2], locale)
        if clock is None:
            return None
    iso = _ISO_DATE.fullmatch(date_text)
    if iso:
        day = _real_date(int(iso[1]), int(iso[2]), int(iso[3]))
        return (day, clock, "yyyy-mm-dd", "hh:mm:ss") if day else None
    found = _numeric_date(date_text, locale) or _named_date(date_text, locale)
    if found is None:
        return None
    time_pattern = locale.date_time_pattern.rpartition(" ")[2]
    return found[0], clock, found[1], time_pattern


def _numeric_date(text: str, locale: Locale) -> tuple[dt.date, str] | None:
    for separator in locale.date_separators:
        parts = text.split(separator)
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
            continue
        fields = dict(zip(locale.order, parts, strict=True))
        if len(fields["Y"]) != 4 or len(fields["M"]) > 2 or len(fields["D"]) > 2:
            return None  # two-digit years are left as text: the stricter side
        day = _real_date(int(fields["Y"]), int(fields["M"]), int(fields["D"]))
        return (day, locale.date_pattern) if day else None
    return None


def _named_date(text: str, locale: Locale) -> tuple[dt.date, str] | None:
    """A date with the month by name in the locale's language ("26 Nov 2026", "November 26,
    2026", "26. November 2026", "26 nov. 2026", "2026年11月26日"). Its pattern mirrors the form
    typed (the stricter guess where Google documents none: the look of what was typed)."""
    if locale.code == "ja_JP":
        match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
        if match is None:
            return None
        day = _real_date(int(match[1]), int(match[2]), int(match[3]))
        return (day, 'yyyy"年"m"月"d"日"') if day else None
    grammar = _grammar(locale)
    names, dot = grammar.month_names, _day_dot(locale)
    day_first = grammar.day_first.fullmatch(text)
    month_first = grammar.month_first.fullmatch(text) if grammar.month_first else None
    if day_first:
        number, word, year = day_first[1], day_first[2], day_first[3]
    elif month_first:
        word, number, year = month_first[1], month_first[2], month_first[3]
    else:
        return None
    month, long_name = names[word.lower()]
    day = _real_date(int(year), month, int(number))
    if day is None:
        return None
    token = "mmmm" if long_name else "mmm"
    if day_first:
        return day, f"d{dot} {token} yyyy"
    return day, f"{token} d, yyyy" if "," in text else f"{token} d yyyy"


def _month_names(locale: Locale) -> dict[str, tuple[int, bool]]:
    """Each month name the locale reads, lowercased -> (month, is the long name)."""
    names: dict[str, tuple[int, bool]] = {}
    for index, (long, short) in enumerate(zip(locale.months, locale.short_months, strict=True)):
        names[short.lower()] = (index + 1, False)
        names[short.rstrip(".").lower()] = (index + 1, False)
        names[long.lower()] = (index + 1, True)
    return names


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
