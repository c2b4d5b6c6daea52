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


#: The number format Sheets (en_US) gives a formula's date or date-time result.
INFERRED_DATE_FORMATS = {
    "DATE": {"type": "DATE", "pattern": "m/d/yyyy"},
    "DATE_TIME": {"type": "DATE_TIME", "pattern": "m/d/yyyy h:mm:ss"},
}

Cell = dict[str, Any]  # a CellData as the API spells it
Value = str | float | bool | CellError | None

SHEETS_EPOCH = dt.date(1899, 12, 30)

# -- user-entered values ------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PERCENT = re.compile(r"^([+-]?(\d+\.?\d*|\.\d+))%$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def serial_number(moment: dt.date | dt.datetime) -> float:
    """Days since 1899-12-30, with the time of day as a fraction."""
    if isinstance(moment, dt.datetime):
        delta = moment - dt.datetime.combine(SHEETS_EPOCH, dt.time())
        return delta.total_seconds() / 86400
    return float((moment - SHEETS_EPOCH).days)


def parse_user_entered(value: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(ExtendedValue, numberFormat to apply) for a value typed into the UI (USER_ENTERED)."""
    if not isinstance(value, str):
        return raw_value(value), None
    if value == "":
        return None, None
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    text = value.strip()
    if text.upper() in {"TRUE", "FALSE"}:
        return {"boolValue": text.upper() == "TRUE"}, None
    if _NUMBER.match(text.replace(",", "")) and not text.startswith(","):
        return {"numberValue": compact_number(float(text.replace(",", "")))}, None
    percent = _PERCENT.match(text)
    if percent:
        return {"numberValue": float(percent[1]) / 100}, {"type": "PERCENT", "pattern": "0%"}
    return _parse_date(text) or ({"stringValue": value}, None)


def _parse_date(text: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    iso = _ISO_DATE.match(text)
    us = _US_DATE.match(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        clock, pattern = iso.groups()[3:], "yyyy-mm-dd"
    elif us:
        month, day, year = int(us[1]), int(us[2]), int(us[3])
        clock, pattern = us.groups()[3:], "m/d/yyyy"
    else:
        return None
    try:
        moment = dt.datetime(
            year, month, day, int(clock[0] or 0), int(clock[1] or 0), int(clock[2] or 0)
        )
    except ValueError:
        return None
    if clock[0] is None:
        return {"numberValue": compact_number(serial_number(moment.date()))}, {
            "type": "DATE",
            "pattern": pattern,
        }
    pattern += " h:mm:ss" if pattern.startswith("m/") else " hh:mm:ss"
    return {"numberValue": serial_number(moment)}, {"type": "DATE_TIME", "pattern": pattern}


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


def format_number(value: float, number_format: dict[str, Any] | None) -> str:
    """The FORMATTED_VALUE of a number under a (small subset of) Sheets number formats."""
    kind = (number_format or {}).get("type")
    pattern = (number_format or {}).get("pattern", "")
    if kind in {"DATE", "DATE_TIME", "TIME"}:
        return _format_date(value, pattern or "yyyy-mm-dd")
    if kind == "PERCENT" or pattern.endswith("%"):
        return _format_decimal(value * 100, pattern.rstrip("%")) + "%"
    if pattern and kind in {"NUMBER", "CURRENCY", "SCIENTIFIC"}:
        return _format_decimal(value, pattern)
    return format_general(value)


def format_general(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        mantissa, exponent = f"{value:.5E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{int(exponent):+03d}"
    digits = max(0, 10 - len(str(int(abs(value)))))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _format_decimal(value: float, pattern: str) -> str:
    decimals = len(pattern.split(".")[1].rstrip("%")) if "." in pattern else 0
    prefix = pattern[: len(pattern) - len(pattern.lstrip("$€£\"'"))].strip("\"'")
    text = f"{abs(value):,.{decimals}f}" if "," in pattern else f"{abs(value):.{decimals}f}"
    return ("-" if value < 0 else "") + prefix + text


_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|am/pm", re.IGNORECASE)


def _format_date(value: float, pattern: str) -> str:
    moment = dt.datetime.combine(SHEETS_EPOCH, dt.time()) + dt.timedelta(days=value)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    out: list[str] = []
    position = 0
    after_hour = False
    for match in _DATE_TOKENS.finditer(pattern):
        out.append(pattern[position : match.start()])
        token = match[0].lower()
        minute = after_hour and token in {"m", "mm"}
        out.append(_date_token(moment, token, minute))
        after_hour = token in {"h", "hh"} or (minute and after_hour)
        position = match.end()
    out.append(pattern[position:])
    return "".join(out)


def _date_token(moment: dt.datetime, token: str, minute: bool) -> str:
    if minute:
        return f"{moment.minute:02d}" if token == "mm" else str(moment.minute)
    table = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.month:02d}",
        "m": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{moment.hour:02d}",
        "h": str(moment.hour),
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
