"""Building tracker files for tests: SPEC.md's headers, shuffled, with the person's own columns."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from syncer.columns import input_fields
from syncer.parse import RowParser

DEFAULT_HEADERS = [spec.header for spec in input_fields()]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def as_rows(header: Sequence[str], records: Sequence[dict[str, object]]) -> list[list[object]]:
    """Records keyed by header text -> rows in the header's order (missing keys blank)."""
    return [[record.get(name, "") for name in header] for record in records]


def shuffled(header: Sequence[str], seed: int) -> list[str]:
    order = list(header)
    random.Random(seed).shuffle(order)
    return order


def record_parsed_rows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first cell of each row ``RowParser.parse`` is given from now on (the rows a plan
    plans in full), as a list that grows."""
    parsed: list[str] = []
    real = RowParser.parse

    def counting(self: RowParser, cells):  # type: ignore[no-untyped-def]
        parsed.append(str(cells[0]))
        return real(self, cells)

    monkeypatch.setattr(RowParser, "parse", counting)
    return parsed
