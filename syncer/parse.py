"""Turning one tracker row's raw cells into an ``Application``, and its problems into words."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from syncer.columns import ColumnMap, input_fields
from syncer.dates import BadDate, DateOrder, parse_datetime, strip_invisible
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


def text_value(value: CellValue) -> str | None:
    """A text field's value as ``RowParser.parse`` reads it (None when blank)."""
    return _text(value)


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


_UNKNOWN: Any = object()
_Known = TypeVar("_Known")


def _remembered(
    known: dict[str, _Known], raw: CellValue, compute: Callable[[CellValue], _Known]
) -> _Known:
    """``compute(raw)``, kept in ``known`` per distinct text (up to ``DATE_CACHE_LIMIT``); a
    value that raises is computed, and raises, each time."""
    if type(raw) is not str:
        return compute(raw)
    found = known.get(raw, _UNKNOWN)
    if found is _UNKNOWN:
        found = compute(raw)
        if len(known) < DATE_CACHE_LIMIT:
            known[raw] = found
    return found


#: How many distinct date texts (and, apart, choice texts) one parser remembers; trackers repeat
#: the same dates, stages and channels a lot.
DATE_CACHE_LIMIT = 20_000


class RowParser:
    """Parses rows of one tracker (its columns, date order and stage aliases are fixed).

    Date texts are parsed once per distinct text: the result, or the bad date's message, is
    remembered (up to ``DATE_CACHE_LIMIT`` texts), so a tracker of 100,000 rows that repeats a
    few hundred dates pays for a few hundred parses.
    """

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
        fields = [
            (
                spec.name,
                spec.kind,
                columns.inputs[spec.name],
                str(header[columns.inputs[spec.name]]).strip(),
            )
            for spec in input_fields()
            if spec.name in columns.inputs
        ]
        # Text cells cannot be wrong, so they are read in a loop of their own; the others keep
        # the header order, which is the order their problems are reported in.
        self._text_fields = [(name, index) for name, kind, index, _ in fields if kind == "text"]
        self._fields = [field for field in fields if field[1] != "text"]
        self._moments: dict[str, datetime | str | None] = {}
        self._labels: dict[str, str] = {}
        #: Of date texts that parsed, the day (shared by the rows that repeat it).
        self._days: dict[str, date | None] = {}
        self._counts: dict[str, int] = {}

    def is_blank_row(self, cells: Sequence[CellValue]) -> bool:
        """A wholly blank row (every cell, the person's own columns included) is skipped."""
        owned = self._owned_indexes
        for index, value in enumerate(cells):
            if value is None or index in owned:
                continue
            if type(value) is str:
                if value and not value.isspace():
                    return False
            elif not is_blank(value):
                return False
        return True

    def parse(self, cells: Sequence[CellValue]) -> tuple[Application, list[Problem]]:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        width = len(cells)
        for name, index in self._text_fields:
            if index < width:
                raw = cells[index]
                if type(raw) is str:
                    if text := raw.strip():
                        values[name] = text
                elif raw is not None:
                    values[name] = _text(raw)
        for name, kind, index, header in self._fields:
            if index >= width:
                continue
            raw = cells[index]
            if raw is None:
                continue
            if type(raw) is str:
                if not raw or raw.isspace():
                    continue
            elif is_blank(raw):
                continue
            try:
                if kind == "date":
                    values[name] = self._day(raw)
                elif kind == "count":
                    values[name] = self._count(raw)
                else:
                    self._parse_cell(name, kind, raw, values)
            except BadDate as exc:
                problems.append(Problem(header, str(exc)))
            except ValueError:
                problems.append(Problem(header, self._expected(kind, raw)))
        return Application(**values), problems

    def moment(self, raw: CellValue) -> datetime | None:
        """``parse_datetime`` in this tracker's date order, remembered per distinct text."""
        if type(raw) is not str:
            return parse_datetime(raw, self.date_order)
        if raw in self._moments:
            known = self._moments[raw]
        else:
            try:
                known = parse_datetime(raw, self.date_order)
            except BadDate as exc:
                known = str(exc)
            if len(self._moments) < DATE_CACHE_LIMIT:
                self._moments[raw] = known
        if isinstance(known, str):
            raise BadDate(known)
        return known

    def _day(self, raw: CellValue) -> date | None:
        """A date cell's day: ``moment(raw).date()``, remembered per distinct text."""
        return _remembered(self._days, raw, self._day_of)

    def _day_of(self, raw: CellValue) -> date | None:
        moment = self.moment(raw)
        return moment.date() if moment is not None else None

    def _count(self, raw: CellValue) -> int:
        """``_count``, remembered per distinct text (a count that is not one is not)."""
        return _remembered(self._counts, raw, _count)

    def _label(self, raw: CellValue) -> str:
        """``_label``, remembered per distinct text (stages and channels repeat on every row)."""
        return _remembered(self._labels, raw, _label)

    def _parse_cell(self, name: str, kind: str, raw: CellValue, values: dict[str, Any]) -> None:
        if kind == "date":
            values[name] = self._day(raw)
        elif kind == "text":
            values[name] = _text(raw)
        elif kind == "stage":
            stage = self.stages.get(self._label(raw))
            if stage is None:
                raise ValueError
            values[name] = stage
        elif kind == "channel":
            channel = _CHANNEL_WORDS.get(self._label(raw))
            if channel is None:
                raise ValueError
            values[name] = channel
        elif kind == "offer_decision":
            decision = _DECISION_WORDS.get(self._label(raw))
            if decision is None:
                raise ValueError
            values[name] = decision
        elif kind == "count":
            values[name] = self._count(raw)
        elif kind == "datetime":
            moment = self.moment(raw)
            if moment is not None:
                values[name] = moment.date()
                values["interview_at"] = moment
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
