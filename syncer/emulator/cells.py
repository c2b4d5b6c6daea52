"""Cell values: what a typed or RAW value is stored as, and how a stored value reads back.

A cell is stored the way the API describes it (a CellData dict: ``userEnteredValue``,
``userEnteredFormat``, ``note``, ``dataValidation``) so that field-mask updates (repeatCell,
updateCells) and reads (``fields=sheets.data...``) work on one shape. Numbers and dates are
serials (days since 1899-12-30); their FORMATTED_VALUE follows a small subset of Sheets number
formats.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from syncer.emulator.locales import DEFAULT, Locale


@dataclass(frozen=True)
class CellError:
    """A formula's error result (an ErrorValue): ``#DIV/0!`` and its kind and message."""

    code: str
    type: str
    message: str

    def extended_value(self) -> dict[str, Any]:
        return {"errorValue": {"type": self.type, "message": self.message}}


#: Each error code and its ErrorValue type, as the Sheets v4 discovery document lists them.
ERROR_TYPES = {
    "#ERROR!": "ERROR",
    "#NULL!": "NULL_VALUE",
    "#DIV/0!": "DIVIDE_BY_ZERO",
    "#VALUE!": "VALUE",
    "#REF!": "REF",
    "#NAME?": "NAME",
    "#NUM!": "NUM",
    "#N/A": "N_A",
}


class DateSerial(float):
    """A number a formula made from a date (TODAY, NOW): Sheets shows it as a date unless the
    cell has a number format of its own. ``kind`` is DATE or DATE_TIME."""

    kind: str

    def __new__(cls, value: float, kind: str = "DATE") -> DateSerial:
        serial = super().__new__(cls, value)
        serial.kind = kind
        return serial


Cell = dict[str, Any]  # a CellData as the API spells it
Value = str | float | bool | CellError | None

SHEETS_EPOCH = dt.date(1899, 12, 30)


def serial_number(moment: dt.date | dt.datetime) -> float:
    """Days since 1899-12-30, with the time of day as a fraction."""
    if isinstance(moment, dt.datetime):
        delta = moment - dt.datetime.combine(SHEETS_EPOCH, dt.time())
        return delta.total_seconds() / 86400
    return float((moment - SHEETS_EPOCH).days)


def raw_value(value: Any) -> dict[str, Any] | None:
    """ExtendedValue for RAW input: strings stay strings."""
    if value is None or value == "":
        return None
    if isinstance(value, CellError):
        return value.extended_value()
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": compact_number(value)}
    return {"stringValue": str(value)}


def compact_number(value: float) -> float | int:
    """An integral number as an int (as the API returns it), anything else as a float."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


# -- rendering ----------------------------------------------------------------------------------


def inferred_format(kind: str, locale: Locale = DEFAULT) -> dict[str, Any]:
    """The number format Sheets gives a formula's date (DATE) or date-time (DATE_TIME) result:
    the locale's default for the type (formats guide: a format without a pattern takes "the
    default format pattern for the specified type based on the spreadsheet's locale")."""
    pattern = locale.date_pattern if kind == "DATE" else locale.date_time_pattern
    return {"type": kind, "pattern": pattern}


def format_number(
    value: float, number_format: dict[str, Any] | None, locale: Locale = DEFAULT
) -> str:
    """The FORMATTED_VALUE of a number under a (small subset of) Sheets number formats, shown
    with the locale's decimal mark, grouping and month names ("the actual rendering of the
    format depends on the spreadsheet's locale", formats guide)."""
    kind = (number_format or {}).get("type")
    pattern = (number_format or {}).get("pattern", "")
    if kind in {"DATE", "DATE_TIME", "TIME"}:
        if not pattern:
            pattern = {
                "DATE": locale.date_pattern,
                "DATE_TIME": locale.date_time_pattern,
                "TIME": locale.time_pattern,
            }[kind]
        return _format_date(value, pattern, locale)
    if kind == "PERCENT" or pattern.endswith("%"):
        return _format_decimal(value * 100, pattern.rstrip("%") or "0", locale) + "%"
    if kind == "CURRENCY" and not pattern:
        pattern = locale.currency_pattern
    if pattern and kind in {"NUMBER", "CURRENCY", "SCIENTIFIC"}:
        return _format_decimal(value, pattern, locale)
    return format_general(value).replace(".", locale.decimal)


def format_general(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        mantissa, exponent = f"{value:.5E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{int(exponent):+03d}"
    digits = max(0, 10 - len(str(int(abs(value)))))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


_NUMBER_CORE = re.compile(r"[#0,.]*[#0][#0,.]*")


def _format_decimal(value: float, pattern: str, locale: Locale) -> str:
    """``pattern``'s digits (``#,##0.00``) with the literal text around them (``"$"``,
    ``" €"``), the separators the locale's."""
    core = _NUMBER_CORE.search(pattern)
    digits = core[0] if core else "0"
    before = _literal(pattern[: core.start()] if core else pattern)
    after = _literal(pattern[core.end() :] if core else "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    text = f"{abs(value):,.{decimals}f}" if "," in digits else f"{abs(value):.{decimals}f}"
    text = text.replace(",", "\0").replace(".", locale.decimal).replace("\0", locale.group)
    return ("-" if value < 0 else "") + before + text + after


def _literal(text: str) -> str:
    """The literal text of a pattern piece: quoted text, currency signs and spaces."""
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m[1] if m[1] is not None else m[2], text)


_DATE_TOKENS = re.compile(r'"[^"]*"|yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|am/pm', re.IGNORECASE)


def _format_date(value: float, pattern: str, locale: Locale) -> str:
    moment = dt.datetime.combine(SHEETS_EPOCH, dt.time()) + dt.timedelta(days=value)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    twelve_hour = "am/pm" in pattern.lower()
    out: list[str] = []
    position = 0
    after_hour = False
    for match in _DATE_TOKENS.finditer(pattern):
        out.append(pattern[position : match.start()])
        token = match[0].lower()
        position = match.end()
        if token.startswith('"'):
            out.append(match[0][1:-1])
            continue
        minute = after_hour and token in {"m", "mm"}
        out.append(_date_token(moment, token, minute, locale, twelve_hour))
        after_hour = token in {"h", "hh"} or (minute and after_hour)
    out.append(pattern[position:])
    return "".join(out)


def _date_token(
    moment: dt.datetime, token: str, minute: bool, locale: Locale, twelve_hour: bool
) -> str:
    if minute:
        return f"{moment.minute:02d}" if token == "mm" else str(moment.minute)
    hour = (moment.hour % 12 or 12) if twelve_hour else moment.hour
    table = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "mmmm": locale.months[moment.month - 1],
        "mmm": locale.short_months[moment.month - 1],
        "mm": f"{moment.month:02d}",
        "m": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{moment.second:02d}",
        "am/pm": "AM" if moment.hour < 12 else "PM",
    }
    return table[token]


def plain(value: dict[str, Any] | None) -> Value:
    """An ExtendedValue as a Python value."""
    if not value:
        return None
    for key in ("numberValue", "stringValue", "boolValue", "formulaValue"):
        if key in value:
            found: Value = value[key]
            return found
    if "errorValue" in value:
        return error_of(value["errorValue"])
    return None


def error_of(error_value: dict[str, Any]) -> CellError:
    """The CellError an ErrorValue dict describes."""
    kind = error_value.get("type", "ERROR")
    code = next((c for c, t in ERROR_TYPES.items() if t == kind), "#ERROR!")
    return CellError(code, kind, str(error_value.get("message", "")))
