"""The workbook's hidden ``_syncer`` sheet as XML: written whole, or patched where it changed.

A whole sheet holds ``SyncState.iter_rows`` as inline strings, one ``<row>`` each, numbered from
1. A sheet still in exactly that markup (rows in any order and with gaps, as patches leave them)
is patched: a row whose state is unchanged keeps its bytes, a changed row is rewritten at its own
number, a row that is gone is dropped, and a new row takes a freed number or goes at the end
(``state_slots``). Anything else (the sheet saved by Excel or another tool: shared strings,
styles, other attributes; rows that do not match the state read) is written whole again.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, unescape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from syncer.backends.base import SyncState
from syncer.backends.state_slots import slots
from syncer.backends.xlsx_xml import MAIN_NS

_PREFIX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
).encode()
_SUFFIX = b"</sheetData></worksheet>"
#: One row as ``state_row_xml`` writes it: (the row, its number, its first cell's text).
_ROW = re.compile(
    rb'(<row r="([1-9][0-9]*)">'
    rb'<c r="A\2" t="inlineStr"><is><t xml:space="preserve">([^<]*)</t></is></c>'
    rb'<c r="B\2" t="inlineStr"><is><t xml:space="preserve">[^<]*</t></is></c></row>)'
)
_HEADER: Hashable = ("header",)
_META: Hashable = ("_meta",)


@dataclass(frozen=True)
class StatePatch:
    """The patched sheet, and how much of it was serialised afresh."""

    xml: bytes
    rows_written: int
    bytes_written: int


def state_sheet_xml(rows: Sequence[Sequence[str]]) -> bytes:
    """A minimal worksheet holding ``rows`` as inline strings."""
    body = "".join(state_row_xml(number, values) for number, values in enumerate(rows, start=1))
    return _PREFIX + body.encode("utf-8") + _SUFFIX


def state_row_xml(number: int, values: Sequence[str]) -> str:
    """Row ``number`` of the state sheet, one inline-string cell per value."""
    cells = "".join(
        f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is>'
        f'<t xml:space="preserve">{escape(ILLEGAL_CHARACTERS_RE.sub("", text))}</t></is></c>'
        for column, text in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


_HEADER_XML = state_row_xml(1, SyncState.STATE_HEADER).encode("utf-8")


def patched_state_xml(stored: bytes, old: SyncState, new: SyncState) -> StatePatch | None:
    """``stored`` (the sheet that reads as ``old``) rewritten to read as ``new``, only the rows
    that differ serialised; None when ``stored`` is not in the layout ``state_sheet_xml``
    writes, so the caller writes the sheet whole."""
    table = _stored_rows(stored, old)
    if table is None or "_meta" in new.cells:
        return None
    with_meta = new.data_rows is not None
    ids = list(new.cells)
    where = slots(
        [row[0] if row is not None else None for row in table],
        [_HEADER, *([_META] if with_meta else []), *ids],
    )
    final: list[bytes | None] = [None] * max(len(table), max(where) + 1)
    final[0] = _HEADER_XML
    meta_slot = -1
    if with_meta:
        if _stored_key(table, where[1]) == _META and old.data_rows == new.data_rows:
            final[where[1]] = _row_bytes(table, where[1])
        else:
            meta_slot = where[1]
    old_cells, new_cells = old.cells, new.cells
    rewrite: dict[str, int] = {}
    for row_id, slot in zip(ids, where[1 + with_meta :], strict=True):
        if _stored_key(table, slot) == row_id and old_cells[row_id] == new_cells[row_id]:
            final[slot] = _row_bytes(table, slot)
        else:
            rewrite[row_id] = slot
    changed = SyncState(
        cells={row_id: new_cells[row_id] for row_id in rewrite},
        data_rows=new.data_rows if meta_slot >= 0 else None,
    )
    written = 0
    rows = changed.iter_rows()
    next(rows)  # the header, kept
    for values in rows:
        slot = meta_slot if values[0] == "_meta" else rewrite[values[0]]
        row = state_row_xml(slot + 1, values).encode("utf-8")
        final[slot] = row
        written += len(row)
    xml = _PREFIX + b"".join(row for row in final if row is not None) + _SUFFIX
    return StatePatch(xml, len(rewrite) + (meta_slot >= 0), written)


def _stored_key(table: list[tuple[Hashable, bytes] | None], slot: int) -> Hashable | None:
    row = table[slot] if slot < len(table) else None
    return None if row is None else row[0]


def _row_bytes(table: list[tuple[Hashable, bytes] | None], slot: int) -> bytes:
    row = table[slot]
    assert row is not None
    return row[1]


def _stored_rows(stored: bytes, old: SyncState) -> list[tuple[Hashable, bytes] | None] | None:
    """(key, bytes) of each stored row by number - 1 (None for a gap), when the sheet is in
    syncer's layout and holds exactly ``old``'s rows: the header first, one ``_meta`` row when
    ``old`` has ``data_rows``, each Row ID of ``old`` once. None otherwise."""
    if not (stored.startswith(_PREFIX) and stored.endswith(_SUFFIX)):
        return None
    start, end = len(_PREFIX), len(stored) - len(_SUFFIX)
    found = _ROW.findall(stored, start, end)
    if not found or found[0][0] != _HEADER_XML or sum(len(row[0]) for row in found) != end - start:
        return None  # the matches do not tile the sheet: something else is in it
    table: list[tuple[Hashable, bytes] | None] = [(_HEADER, found[0][0])]
    ids: set[str] = set()
    metas = 0
    for row, number_text, first in found[1:]:
        number = int(number_text)
        if number <= len(table):
            return None  # rows out of order, or a number twice
        table.extend([None] * (number - len(table) - 1))
        try:
            text = first.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "&" in text:
            text = unescape(text)
        if text == "_meta":
            metas += 1
            table.append((_META, row))
        else:
            ids.add(text)
            table.append((text, row))
    holds_old = (
        metas == (old.data_rows is not None)
        and len(ids) == len(found) - 1 - metas
        and ids == old.cells.keys()
    )
    return table if holds_old else None
