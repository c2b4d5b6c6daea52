"""Turning one tracker row's raw cells into an ``Application``, and its problems into words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from syncer.columns import ColumnMap, input_fields
from syncer.dates import BadDate, DateOrder, parse_date, parse_datetime, strip_invisible
from syncer.model import (
    Application,
    CellValue,
    Channel,
    OfferDecision,
    Stage,
    normalize_label,
    tracker_schema,
)

_CHANNEL_WORDS = {
    "email": Channel.EMAIL,
    "e mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "phone": Channel.PHONE,
    "call": Channel.PHONE,
    "telephone": Channel.PHONE,
    "letter": Channel.LETTER,
    "post": Channel.LETTER,
    "handwritten": Channel.LETTER,
    "handwritten note": Channel.LETTER,
}
_DECISION_WORDS = {d.value: d for d in OfferDecision}
_STAGE_LIST = "a stage (" + ", ".join(s.value for s in Stage) + ")"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one cell (or the row): the column's header and what is wrong."""

    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


def stage_lookup(extra_aliases: Mapping[str, str] | None = None) -> dict[str, Stage]:
    """Normalised stage text -> Stage, with the schema's and the config's aliases."""
    lookup = {normalize_label(stage.value): stage for stage in Stage}
    for alias, target in tracker_schema()["x-stage-aliases"].items():
        lookup[normalize_label(alias)] = Stage(target)
    for alias, target in (extra_aliases or {}).items():
        lookup[normalize_label(alias)] = Stage(target)
    return lookup


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: CellValue) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _label(value: CellValue) -> str:
    """A choice cell's matching key; invisible marks pasted along with the word are ignored."""
    return normalize_label(strip_invisible(str(value)))


def _count(value: CellValue) -> int:
    if is_blank(value):
        return 0
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        number = int(value)
    else:
        text = strip_invisible(str(value)).strip()
        if not text.isdigit():
            raise ValueError
        number = int(text)
    if number < 0:
        raise ValueError
    return number


class RowParser:
    """Parses rows of one tracker (its columns, date order and stage aliases are fixed)."""

    def __init__(
        self,
        columns: ColumnMap,
        header: Sequence[object],
        *,
        date_order: DateOrder = DateOrder.MDY,
        stage_aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.columns = columns
        self.date_order = date_order
        self.stages = stage_lookup(stage_aliases)
        self._owned_indexes = frozenset(columns.owned.values())
        self._fields = [
            (spec, columns.inputs[spec.name], str(header[columns.inputs[spec.name]]).strip())
            for spec in input_fields()
            if spec.name in columns.inputs
        ]

    def is_blank_row(self, cells: Sequence[CellValue]) -> bool:
        """A wholly blank row (every cell, the person's own columns included) is skipped."""
        owned = self._owned_indexes
        return all(is_blank(v) for i, v in enumerate(cells) if i not in owned)

    def parse(self, cells: Sequence[CellValue]) -> tuple[Application, list[Problem]]:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for spec, index, header in self._fields:
            raw = cells[index] if index < len(cells) else None
            if is_blank(raw):
                continue
            try:
                self._parse_cell(spec.name, spec.kind, raw, values)
            except BadDate as exc:
                problems.append(Problem(header, str(exc)))
            except ValueError:
                problems.append(Problem(header, self._expected(spec.kind, raw)))
        return Application(**values), problems

    def _parse_cell(self, name: str, kind: str, raw: CellValue, values: dict[str, Any]) -> None:
        if kind == "text":
            values[name] = _text(raw)
        elif kind == "stage":
            stage = self.stages.get(_label(raw))
            if stage is None:
                raise ValueError
            values[name] = stage
        elif kind == "channel":
            channel = _CHANNEL_WORDS.get(_label(raw))
            if channel is None:
                raise ValueError
            values[name] = channel
        elif kind == "offer_decision":
            decision = _DECISION_WORDS.get(_label(raw))
            if decision is None:
                raise ValueError
            values[name] = decision
        elif kind == "count":
            values[name] = _count(raw)
        elif kind == "datetime":
            moment = parse_datetime(raw, self.date_order)
            if moment is not None:
                values[name] = moment.date()
                values["interview_at"] = moment
        elif kind == "date":
            values[name] = parse_date(raw, self.date_order)
        else:  # pragma: no cover - the schema names every kind
            raise AssertionError(kind)

    @staticmethod
    def _expected(kind: str, raw: CellValue) -> str:
        shown = str(raw).upper() if isinstance(raw, bool) else str(raw)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        expected = {
            "stage": _STAGE_LIST,
            "channel": "email, phone or letter",
            "offer_decision": "accept, negotiate or undecided",
            "count": "a whole number >= 0",
        }[kind]
        what = "unknown stage" if kind == "stage" else "not understood"
        return f"{shown!r}: {what}; expected {expected}"
