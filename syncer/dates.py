"""Reading dates out of cells, and the working-day calendar the rules count on.

A date cell may hold an ISO date, a Sheets serial number (epoch 1899-12-30), an Excel date, or
text in the tracker's configured date order. Anything else is a bad date: a ``BadDate`` whose
message says what was expected, so the row can be marked invalid with a useful reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from syncer.model import CellValue

SHEETS_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = (date(9998, 12, 31) - SHEETS_EPOCH).days


class DateOrder(StrEnum):
    MDY = "MDY"
    DMY = "DMY"
    YMD = "YMD"


#: Countries whose people write the month first (11/26/2026) or the year first (2026/11/26);
#: every other country (the United Kingdom, Germany, France...) writes the day first. These are
#: CLDR's short date orders, which Google Sheets follows per spreadsheet locale.
_MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW", "BZ", "GU", "AS", "PR", "UM", "VI"})
_YEAR_FIRST = frozenset({"JP", "CN", "TW", "KR", "HU", "LT", "MN", "IR", "KP"})
_YEAR_FIRST_LANGUAGES = frozenset({"ja", "zh", "ko", "hu", "lt", "mn"})


def order_for_locale(locale: str) -> DateOrder | None:
    """The order a spreadsheet locale (``en_GB``, ``de_DE``, ``ja_JP``) reads 03/04/2026 in;
    None when the locale names no country (``en``), so the order cannot be told."""
    language, _, country = locale.replace("-", "_").partition("_")
    country = country.upper()[:2]
    if not country:
        return DateOrder.YMD if language.lower() in _YEAR_FIRST_LANGUAGES else None
    if country in _MONTH_FIRST:
        return DateOrder.MDY
    if country in _YEAR_FIRST:
        return DateOrder.YMD
    return DateOrder.DMY


class BadDate(ValueError):
    """A non-blank cell that is not a date syncer can read."""


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")


def strip_invisible(text: str) -> str:
    """``text`` without zero-width and direction marks (Unicode format characters).

    Text copied from a web page or a chat often carries them (a zero-width space, a byte order
    mark, a right-to-left mark); they are invisible in the sheet, so they must not make a date,
    a stage or a count unreadable.
    """
    if text.isascii():
        return text
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def _expected(order: DateOrder) -> str:
    pattern = {"MDY": "MM/DD/YYYY", "DMY": "DD/MM/YYYY", "YMD": "YYYY/MM/DD"}[order]
    return f"expected YYYY-MM-DD or {pattern}"


def _from_serial(serial: float) -> datetime:
    if not 0 < serial <= _MAX_SERIAL:
        shown = str(int(serial)) if serial.is_integer() else str(round(serial, 6))
        raise BadDate(f"serial date {shown} is out of range (a date from 1900 to 9998)")
    days = int(serial)
    seconds = round((serial - days) * 86400)
    return datetime.combine(SHEETS_EPOCH + timedelta(days=days), time()) + timedelta(
        seconds=seconds
    )


def _parse_time(text: str) -> time:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise BadDate(f"{text!r} is not a time")
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    meridiem = (match[4] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadDate(f"{text!r} is not a time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        return time(hour, minute, second)
    except ValueError as exc:
        raise BadDate(f"{text!r} is not a time") from exc


def _split_date_time(text: str) -> tuple[str, str]:
    for separator in ("T", " "):
        head, sep, tail = text.partition(separator)
        if sep and tail.strip():
            return head.strip(), tail.strip()
    return text, ""


def _text_date(text: str, order: DateOrder) -> date:
    try:
        return _text_date_in(text, order)
    except BadDate as problem:
        fits = [other for other in DateOrder if other is not order and _reads_as(text, other)]
        if len(fits) == 1:
            raise BadDate(
                f"{problem}; if your dates are written like this, set "
                f'date_order = "{fits[0].value}" in the config'
            ) from None
        raise


def _reads_as(text: str, order: DateOrder) -> bool:
    try:
        _text_date_in(text, order)
    except BadDate:
        return False
    return True


def _text_date_in(text: str, order: DateOrder) -> date:
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        numeric = _NUMERIC.fullmatch(text)
        if numeric is None:
            raise BadDate(f"{text!r} is not a date ({_expected(order)})")
        a, b, c = numeric[1], numeric[2], numeric[3]
        if order is DateOrder.YMD:
            year_text, month, day = a, int(b), int(c)
        elif order is DateOrder.DMY:
            day, month, year_text = int(a), int(b), c
        else:
            month, day, year_text = int(a), int(b), c
        if len(year_text) != 4:
            raise BadDate(f"{text!r} has no four-digit year ({_expected(order)})")
        year = int(year_text)
    if not 1900 <= year <= 9998:
        raise BadDate(f"{text!r}: year {year} is out of range")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise BadDate(f"{text!r} is not a real date ({exc})") from exc


def parse_datetime(value: CellValue, order: DateOrder = DateOrder.MDY) -> datetime | None:
    """Parse a date or date-time cell; a date alone comes back at midnight. Blank -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadDate(f"{str(value).upper()} (a checkbox) is not a date; type the date instead")
    if isinstance(value, datetime):
        if not 1900 <= value.year <= 9998:
            raise BadDate(f"year {value.year} is out of range")
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = strip_invisible(str(value)).strip()
    if not text:
        return None
    date_part, time_part = _split_date_time(text)
    try:
        day = _text_date(date_part, order)
        moment = _parse_time(time_part) if time_part else time()
    except BadDate:
        if not time_part:
            raise
        raise BadDate(f"{text!r} is not a date ({_expected(order)})") from None
    return datetime.combine(day, moment)


def parse_date(value: CellValue, order: DateOrder = DateOrder.MDY) -> date | None:
    """Parse a date cell (a time part, if any, is dropped). Blank -> None."""
    parsed = parse_datetime(value, order)
    return parsed.date() if parsed else None


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: Monday to Friday, less public holidays when configured."""

    country: str | None = None
    subdivision: str | None = None
    _cache: dict[int, frozenset[date]] = field(default_factory=dict, compare=False, repr=False)

    def _holidays_in(self, year: int) -> frozenset[date]:
        cached = self._cache.get(year)
        if cached is None:
            cached = frozenset()
            if self.country:
                import holidays

                cached = frozenset(
                    holidays.country_holidays(self.country, subdiv=self.subdivision, years=year)
                )
            self._cache[year] = cached
        return cached

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays_in(day.year)

    def fwd(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def back(self, day: date) -> date:
        """``day`` if it is a working day, else the previous one."""
        while not self.is_workday(day):
            day -= timedelta(days=1)
        return day


@functools.cache
def work_calendar(country: str | None = None, subdivision: str | None = None) -> WorkCalendar:
    """One calendar per region and process, so its holiday cache is shared by every row."""
    return WorkCalendar(country, subdivision)


def validate_holiday_region(country: str, subdivision: str | None) -> str | None:
    """None when the holidays package knows the country/subdivision, else a message."""
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        return f"unknown holiday country {country!r}"
    except Exception as exc:  # holidays raises NotImplementedError or ValueError by version
        return f"unknown holiday region {country}/{subdivision}: {exc}"
    return None
