"""Formats and colours: the defaults a new spreadsheet carries, and how Sheets stores colours."""

from __future__ import annotations

import copy
import struct
from typing import Any

DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": c}} for t, c in _THEME_COLORS],
}


def with_color_styles(value: Any) -> Any:
    """Sheets mirrors every ``xColor`` into ``xColorStyle.rgbColor`` (and back)."""
    if isinstance(value, list):
        return [with_color_styles(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: with_color_styles(item) for key, item in value.items()}
    for key in list(result):
        if key.endswith(("Color", "rgbColor")) and isinstance(result[key], dict):
            result[key] = {k: _channel(v) for k, v in result[key].items() if v not in (0, None)}
        if key.endswith("Color") and key != "rgbColor" and isinstance(result[key], dict):
            result.setdefault(key + "Style", {"rgbColor": result[key]})
        if key.endswith("ColorStyle") and isinstance(result[key], dict):
            rgb = result[key].get("rgbColor")
            if rgb is not None:
                result.setdefault(key[: -len("Style")], rgb)
    return result


def _channel(value: Any) -> Any:
    """Sheets keeps 8 bits per colour channel (0.5 reads back as 127/255) and answers with the
    channel as a 32-bit float, written in its shortest form: 127/255 reads back 0.49803922
    (the recorded cassettes WorksheetTest.test_set_tab_color and test_update_tab_color)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return float32_text(int(value * 255 + 1e-6) / 255)
    return value


def float32_text(value: float) -> float:
    """``value`` rounded to a 32-bit float, as the fewest digits that read back as it."""
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        shortest = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", shortest))[0] == single:
            return shortest
    return single


def effective_format(user_entered_format: dict[str, Any]) -> dict[str, Any]:
    """A cell's effectiveFormat: its userEnteredFormat laid over the spreadsheet default."""
    return _merge(DEFAULT_FORMAT, user_entered_format)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
