"""syncer's own text in a file whose encoding cannot hold every character (a Windows-1252 csv).

The decision: the file keeps its encoding (every byte a person wrote stays as it was), and
syncer writes into its own cells only what that encoding can hold. A character it cannot hold is
replaced the same way every time: by its letter without the accent where Unicode has one
(``ő`` -> ``o``), by a close ASCII look-alike for a few common ones (``Ł`` -> ``L``, ``→`` ->
``->``), else by ``?``. The plan compares and fingerprints the text as written, so the next run
reads back exactly what it wrote and never takes it for a person's edit. One note per run names
the rows, so the person can save the file as UTF-8 to keep every character.
"""

from __future__ import annotations

import unicodedata
from collections.abc import MutableMapping, Sequence
from functools import lru_cache

from syncer.model import CellValue

#: Letters and signs with no Unicode decomposition to a plainer letter.
_LOOK_ALIKES = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "ŀ": "l",
    "Ŀ": "L",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "ß": "ss",
    "Þ": "Th",
    "þ": "th",
    "→": "->",
    "←": "<-",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "✓": "v",
    "⏎": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
}

ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}


class TextFitter:
    """Fits syncer's text to one encoding; ``None`` stands for an encoding that holds all."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.name = ENCODING_NAMES.get(encoding, encoding)
        self.replaced: set[str] = set()
        self._fit_char = lru_cache(maxsize=4096)(self._fit_one)

    def fits(self, text: str) -> bool:
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def fit(self, text: str) -> str:
        """``text`` with every character the encoding cannot hold replaced (deterministic)."""
        if self.fits(text):
            return text
        return "".join(char if self.fits(char) else self._fit_char(char) for char in text)

    def _fit_one(self, char: str) -> str:
        self.replaced.add(char)
        if char in _LOOK_ALIKES and self.fits(_LOOK_ALIKES[char]):
            return _LOOK_ALIKES[char]
        plain = "".join(
            part
            for part in unicodedata.normalize("NFKD", char)
            if not unicodedata.combining(part) and self.fits(part)
        )
        return plain or "?"

    def fit_all(self, values: MutableMapping[str, CellValue]) -> bool:
        """Fit the text values in place; True when any changed."""
        changed = False
        for name, value in values.items():
            if type(value) is str:
                fitted = self.fit(value)
                if fitted is not value and fitted != value:
                    values[name] = fitted
                    changed = True
        return changed

    def note(self, source: str, rows: Sequence[int]) -> str:
        shown = ", ".join(str(row) for row in rows[:10]) + (", ..." if len(rows) > 10 else "")
        chars = " ".join(sorted(self.replaced)[:20])
        rows_word = "rows" if len(rows) > 1 else "row"
        return (
            f"{source} {rows_word} {shown}: the file is {self.name}, which cannot hold {chars}; "
            "syncer wrote the nearest plain letters in its own cells (save the file as UTF-8 "
            "to keep every character)"
        )


def fitter_for(encoding: str) -> TextFitter | None:
    """The fitter for a file's encoding, or None for UTF-8 (which holds every character)."""
    return None if encoding.replace("-", "").lower() == "utf8" else TextFitter(encoding)
