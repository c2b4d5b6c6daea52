"""What a new tracker looks like, as a workbook (``syncer init``) or a Google Sheet (``init
--sheet``): the dropdowns' choices and the overdue highlight, one definition for both.

Dropdowns offer the words people read ("Interview scheduled"); the parser takes them as the
codes, since stage, channel and decision matching ignores case and space/``-``/``_``.
"""

from __future__ import annotations

from enum import StrEnum

from syncer.model import Channel, OfferDecision, Stage, Urgency

#: Input fields that get a dropdown, and the codes it offers.
DROPDOWN_FIELDS: dict[str, type[StrEnum]] = {
    "stage": Stage,
    "preferred_channel": Channel,
    "offer_decision": OfferDecision,
}

#: The background of a row whose Urgency is overdue (Sheets' 0-1 RGB; see ``overdue_hex``).
OVERDUE_RGB = {"red": 0.98, "green": 0.82, "blue": 0.82}
OVERDUE = Urgency.OVERDUE.value


def readable(code: str) -> str:
    """``interview_scheduled`` -> ``Interview scheduled``."""
    return code.replace("_", " ").capitalize()


def dropdown_choices(field: str) -> list[str]:
    """The words a field's dropdown offers, in the codes' order."""
    return [readable(member.value) for member in DROPDOWN_FIELDS[field]]


def overdue_hex() -> str:
    """``OVERDUE_RGB`` as the RRGGBB hex a workbook stores."""
    return "".join(f"{round(OVERDUE_RGB[part] * 255):02X}" for part in ("red", "green", "blue"))


def overdue_formula(urgency_letter: str, first_row: int) -> str:
    """The conditional-format formula, relative to ``first_row``: true on an overdue row."""
    return f'${urgency_letter}{first_row}="{OVERDUE}"'
