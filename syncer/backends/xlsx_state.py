"""The workbook's hidden ``_syncer`` sheet as XML: written whole, or patched where it changed.

A whole sheet holds ``SyncState.iter_rows`` as inline strings, one ``<row>`` each, numbered from
1. A sheet still in exactly that markup (rows in any order and with gaps, as patches leave them)
is patched: a row whose state is unchanged keeps its bytes, a changed row is rewritten at its own
number, a row that is gone is dropped, and a new row takes a freed number or goes at the end
(``state_slots``). Anything else (the sheet saved by Excel or another tool: shared strings,
styles, other attributes; rows that do not match the state read) is written whole again.
"""

from __future__ import annotations

import operator
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
    keys, rows = table
    old_cells, new_cells = old.cells, new.cells
    with_meta = new.data_rows is not None
    ids = list(new_cells)
    where = slots(keys, [_HEADER, *([_META] if with_meta else []), *ids])
    # A kept Row ID keeps its stored row (``slots``): only changed and new ones are written.
    rewrite = {
        row_id: slot
        for row_id, slot in zip(ids, where[1 + with_meta :], strict=True)
        if old_cells.get(row_id) != new_cells[row_id]
    }
    final = list(rows)
    final += [None] * (max(where) + 1 - len(final))
    gone: set[Hashable] = set(old_cells.keys() - new_cells.keys())
    meta_changed = old.data_rows != new.data_rows
    if meta_changed and old.data_rows is not None:
        gone.add(_META)  # written again below when ``new`` has data_rows
    if gone:
        position = dict(zip(keys, range(len(keys)), strict=True))
        for key in gone:
            final[position[key]] = None
    changed = SyncState(
        cells={row_id: new_cells[row_id] for row_id in rewrite},
        data_rows=new.data_rows if meta_changed else None,
    )
    written = 0
    serialised = changed.iter_rows()
    next(serialised)  # the header, kept
    for values in serialised:
        slot = where[1] if values[0] == "_meta" else rewrite[values[0]]
        row = state_row_xml(slot + 1, values).encode("utf-8")
        final[slot] = row
        written += len(row)
    xml = _PREFIX + b"".join(row for row in final if row is not None) + _SUFFIX
    return StatePatch(xml, len(rewrite) + (with_meta and meta_changed), written)


def _stored_rows(
    stored: bytes, old: SyncState
) -> tuple[list[Hashable | None], list[bytes | None]] | None:
    """The key and the bytes of each stored row by number - 1 (None for a gap), when the sheet
    is in syncer's layout and holds exactly ``old``'s rows: the header first, one ``_meta`` row
    when ``old`` has ``data_rows``, each Row ID of ``old`` once. None otherwise."""
    if not (stored.startswith(_PREFIX) and stored.endswith(_SUFFIX)):
        return None
    start, end = len(_PREFIX), len(stored) - len(_SUFFIX)
    found = _ROW.findall(stored, start, end)
    if not found or found[0][0] != _HEADER_XML or sum(len(row[0]) for row in found) != end - start:
        return None  # the matches do not tile the sheet: something else is in it
    wholes, number_texts, firsts = zip(*found, strict=True)
    numbers = list(map(int, number_texts))
    if any(map(operator.ge, numbers, numbers[1:])):
        return None  # rows out of order, or a number twice
    try:
        texts = [first.decode("utf-8") for first in firsts]
    except UnicodeDecodeError:
        return None
    keys: list[Hashable | None] = [unescape(text) if "&" in text else text for text in texts]
    keys[0] = _HEADER
    metas = keys.count("_meta")
    if metas:
        keys[keys.index("_meta")] = _META
    ids = set(keys)
    holds_old = (
        metas == (old.data_rows is not None)
        and len(ids) == len(keys)
        and ids - {_HEADER, _META} == old.cells.keys()
    )
    if not holds_old:
        return None
    if numbers[-1] == len(numbers):
        return keys, list(wholes)
    by_number: list[Hashable | None] = [None] * numbers[-1]
    rows: list[bytes | None] = [None] * numbers[-1]
    for number, key, whole in zip(numbers, keys, wholes, strict=True):
        by_number[number - 1], rows[number - 1] = key, whole
    return by_number, rows
