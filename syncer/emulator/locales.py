"""What a spreadsheet's locale (``properties.locale``) changes: how typed text is read and how
numbers and dates are shown.

Evidence. SpreadsheetProperties.locale is "the locale of the spreadsheet" (Sheets v4 reference);
ValueInputOption USER_ENTERED parses values "as if the user typed them into the UI ... following
the same rules that are applied when entering text into a cell via the Google Sheets UI", and the
UI reads what is typed in the spreadsheet's locale: in an en_US sheet "21/01/2013" stays text and
"03/01/2013" is March 1 (onlinejournalismblog.com, 2016, "fix spreadsheet dates that are in both
US and UK formats"; getodk/collect #4415: dd/mm/yy uploads to an en_US sheet swap day and
month), while in an en_GB sheet "25/12/2012" and "25-12-2012" are Christmas (burnash/gspread
#18). The number-format guide (developers.google.com/sheets/api/guides/formats) says "the actual
rendering of the format depends on the spreadsheet's locale" and that a format without a pattern
uses "the default format pattern for the specified type based on the spreadsheet's locale (for
example, $1,000.12 for CURRENCY in en_US)"; DateTimeRenderOption FORMATTED_STRING renders dates
"in their given number format (which depends on the spreadsheet locale)".

The separators, month names and short date patterns are the CLDR ones for each locale (what
Google's UI shows). Where Google's behaviour is not documented the emulator is the stricter side:
a two-digit year, a date without a year, another locale's separator or month names, and
malformed digit grouping ("1,2,3") all stay text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DE_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
_FR_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Locale:
    """One spreadsheet locale: its reading order, separators, names and default patterns."""

    code: str
    order: str  # the order of a numeric date's parts: "MDY", "DMY" or "YMD"
    date_separators: tuple[str, ...]  # accepted between a typed date's parts (the first is shown)
    date_pattern: str  # the number format a typed date gets (the locale's short date)
    time_pattern: str  # ... a typed time of day
    decimal: str
    group: str  # the grouping separator shown
    groups_typed: tuple[str, ...]  # the grouping separators accepted when typing
    currency: str
    currency_first: bool  # "$5.00" rather than "5,00 €"
    months: tuple[str, ...]
    short_months: tuple[str, ...]
    twelve_hour: bool = False  # AM/PM accepted after a typed time

    @property
    def date_time_pattern(self) -> str:
        time = "h:mm:ss" if self.code == "en_US" else "hh:mm:ss"
        return f"{self.date_pattern} {time}"

    @property
    def currency_pattern(self) -> str:
        decimals = "" if self.code == "ja_JP" else ".00"
        if self.currency_first:
            return f'"{self.currency}"#,##0{decimals}'
        return f'#,##0{decimals} "{self.currency}"'


_EN_US = Locale(
    "en_US",
    "MDY",
    ("/",),
    "m/d/yyyy",
    "h:mm:ss am/pm",
    ".",
    ",",
    (",",),
    "$",
    True,
    _EN_MONTHS,
    tuple(name[:3] for name in _EN_MONTHS),
    twelve_hour=True,
)

LOCALES = {
    "en_US": _EN_US,
    "en_GB": replace(
        _EN_US,
        code="en_GB",
        order="DMY",
        date_separators=("/", "-"),  # gspread #18: "25-12-2012 converts to 25/12/2012" (UK)
        date_pattern="dd/mm/yyyy",
        time_pattern="hh:mm:ss",
        currency="£",
    ),
    "de_DE": Locale(
        "de_DE",
        "DMY",
        (".",),
        "dd.mm.yyyy",
        "hh:mm:ss",
        ",",
        ".",
        (".",),
        "€",
        False,
        _DE_MONTHS,
        (
            "Jan.",
            "Feb.",
            "März",
            "Apr.",
            "Mai",
            "Juni",
            "Juli",
            "Aug.",
            "Sept.",
            "Okt.",
            "Nov.",
            "Dez.",
        ),
    ),
    "fr_FR": Locale(
        "fr_FR",
        "DMY",
        ("/",),
        "dd/mm/yyyy",
        "hh:mm:ss",
        ",",
        "\u202f",  # CLDR fr: a narrow no-break space groups digits
        (" ", "\u00a0", "\u202f"),
        "€",
        False,
        _FR_MONTHS,
        (
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ),
    ),
    "ja_JP": Locale(
        "ja_JP",
        "YMD",
        ("/",),
        "yyyy/mm/dd",
        "hh:mm:ss",
        ".",
        ",",
        (",",),
        "¥",
        True,
        tuple(f"{month}月" for month in range(1, 13)),
        tuple(f"{month}月" for month in range(1, 13)),
    ),
}

DEFAULT = LOCALES["en_US"]


def locale_of(code: object) -> Locale:
    """The Locale for a ``properties.locale`` value: the exact code, else the first supported
    locale of its language (``de_AT`` reads as ``de_DE``), else en_US (Google's default, as every
    recorded cassette's new spreadsheet shows)."""
    text = str(code or "")
    if text in LOCALES:
        return LOCALES[text]
    language = text.replace("-", "_").partition("_")[0].lower()
    return next((loc for key, loc in LOCALES.items() if key.startswith(language + "_")), DEFAULT)
