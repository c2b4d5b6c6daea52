"""A local tracker's sync state file (``<name>.csv.syncer.json``), written and read in pieces.

The file is ``json.dumps({"format": "syncer-state/1", "rows": rows}, indent=1)``, every state
row a [row id, packed pairs] list (``SyncState.iter_rows``). Any JSON with that format and rows
reads; the layout written here reads fastest: a 100,000-row state (25 MB) in a few regular
expression scans, each row kept as its packed text until the plan needs its pairs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring_ascii as _quote_ascii
from pathlib import Path
from typing import IO

from syncer.backends.base import StateCells, SyncState
from syncer.errors import TrackerError

_STATE_FORMAT = "syncer-state/1"
_STATE_ROWS_PER_WRITE = 5_000
_CHUNK_CHARS = 1 << 20


def state_json(rows: list[list[str]]) -> str:
    """``json.dumps({"format": ..., "rows": rows}, indent=1)``, byte for byte, built directly.

    With ``indent`` json.dumps runs its pure-Python encoder: most of a second for the state of
    a 100,000-row tracker. The state is text pairs only, so the layout is simple to write out.
    """
    if not all(type(cell) is str for row in rows for cell in row):
        return json.dumps({"format": _STATE_FORMAT, "rows": rows}, indent=1)
    return "".join(state_json_pieces(rows))


def state_json_pieces(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """``state_json`` in pieces (one per row), so a writer need not hold the whole text.

    Text cells are laid out by hand; any other cell must be a JSON scalar (number, bool, None),
    whose text json.dumps writes the same with or without ``indent``.
    """
    yield f'{{\n "format": {_quote_ascii(_STATE_FORMAT)},\n "rows": '
    opening = "[\n"
    for row in rows:
        if len(row) == 2 and type(row[0]) is str and type(row[1]) is str:  # every state row
            yield f"{opening}  [\n   {_quote_ascii(row[0])},\n   {_quote_ascii(row[1])}\n  ]"
        elif row:
            cells = ",\n".join(
                "   " + (_quote_ascii(cell) if type(cell) is str else json.dumps(cell))
                for cell in row
            )
            yield f"{opening}  [\n{cells}\n  ]"
        else:
            yield f"{opening}  []"
        opening = ",\n"
    yield "[]\n}" if opening == "[\n" else "\n ]\n}"


def write_state_json(out: IO[bytes], rows: Iterable[Sequence[object]]) -> None:
    """Write ``state_json(rows)`` and a final newline as UTF-8, a batch of rows at a time."""
    pieces = state_json_pieces(rows)
    while batch := list(itertools.islice(pieces, _STATE_ROWS_PER_WRITE)):
        out.write("".join(batch).encode("utf-8"))
    out.write(b"\n")


class _NotTheWrittenLayout(Exception):
    """The state file is not laid out as ``state_json_pieces`` writes it."""


_STATE_OPENING = ("{\n", f' "format": {_quote_ascii(_STATE_FORMAT)},\n', ' "rows": [\n')
_OPENING_TEXT = "".join(_STATE_OPENING)
_CLOSING_TEXT = " ]\n}"
#: A two-cell row as ``state_json_pieces`` lays it out, and the text around its cells.
_TEXT = r'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"'  # a JSON string's body, escapes and all
_PAIR_ROW = re.compile(rf"  \[\n   {_TEXT},\n   {_TEXT}\n  \],\n")
_PAIR_ROW_FRAME = len('  [\n   "",\n   ""\n  ],\n')
_ROW_START, _CELLS_APART, _ROW_END = '  [\n   "', '",\n   "', '"\n  ],\n'
_ROWS_APART = '"\n  ],\n  [\n   "'


def state_pairs_streamed(handle: IO[str]) -> Iterator[list[str]]:
    """The [row id, packed] rows of a state file laid out as ``state_json_pieces`` writes a
    state's, a chunk of text at a time, each chunk split in a few C-level passes. Anything
    else (a row of other than two texts, another layout) raises ``_NotTheWrittenLayout``:
    ``state_rows_streamed`` reads it then."""
    if handle.read(len(_OPENING_TEXT)) != _OPENING_TEXT:
        raise _NotTheWrittenLayout
    pending = ""
    while True:
        chunk = handle.read(_CHUNK_CHARS)
        text = pending + chunk
        if chunk:
            cut = text.rfind(_ROW_END) + len(_ROW_END)
            if cut < len(_ROW_END):  # no whole row yet: one longer than a chunk
                pending = text
                continue
            text, pending = text[:cut], text[cut:]
        else:
            text = text.removesuffix("\n")
            if not text.endswith("\n" + _CLOSING_TEXT):
                raise _NotTheWrittenLayout
            text = text[: -len(_CLOSING_TEXT) - 1]
            if not text.endswith("\n  ]"):
                raise _NotTheWrittenLayout
            text += ",\n"  # the last row, laid out as every other
        yield from _rows_of(text)
        if not chunk:
            return


def _rows_of(text: str) -> list[list[str]]:
    """The rows of whole two-text rows laid out as written, each ending ``],\\n``."""
    if "\\" in text:  # escapes (rare: a Row ID with an accent, say): one regular expression
        pairs = _PAIR_ROW.findall(text)
        covered = sum(map(len, itertools.chain.from_iterable(pairs)))
        if covered + len(pairs) * _PAIR_ROW_FRAME != len(text):  # it skipped some text
            raise _NotTheWrittenLayout
        return [[_unescaped(row_id), _unescaped(packed)] for row_id, packed in pairs]
    if not (text.startswith(_ROW_START) and text.endswith(_ROW_END)):
        raise _NotTheWrittenLayout
    rows = [
        row.split(_CELLS_APART) for row in text[len(_ROW_START) : -len(_ROW_END)].split(_ROWS_APART)
    ]
    # Each row split in two, and every quote and line break of the text is one of the layout's
    # (4 of each a row): no cell holds one, so the rows are exactly the layout's.
    expected = 4 * len(rows)
    if set(map(len, rows)) != {2} or text.count('"') != expected or text.count("\n") != expected:
        raise _NotTheWrittenLayout
    return rows


def _unescaped(body: str) -> str:
    return json.loads(f'"{body}"') if "\\" in body else body


def state_rows_streamed(lines: Iterable[str]) -> Iterator[list[str]]:
    """The rows of a state file as ``state_json_pieces`` lays it out, a line at a time.

    ``json.loads`` of a 1.6-million-row state holds the whole text and every row's list at
    once (about 700 MB beyond the state itself); this holds one row. Any other layout raises
    ``_NotTheWrittenLayout`` (the caller then parses it in full).
    """
    lines = iter(lines)
    if tuple(itertools.islice(lines, 3)) != _STATE_OPENING:
        raise _NotTheWrittenLayout
    row: list[str] | None = None
    for line in lines:
        if row is not None and line.startswith('   "'):
            body = line[3:].rstrip("\n").removesuffix(",")
            plain = "\\" not in body and len(body) >= 2 and body.endswith('"')
            row.append(body[1:-1] if plain else json.loads(body))  # json undoes escapes
        elif row is None and line in ("  [\n", "  []\n", "  [],\n"):
            if line == "  [\n":
                row = []
            else:
                yield []
        elif row is not None and line in ("  ]\n", "  ],\n"):
            yield row
            row = None
        elif row is None and line in (" ]\n", "}\n", "}"):
            continue
        else:
            raise _NotTheWrittenLayout


def read_state_file(
    path: Path, source: str, new_cells: Callable[[], StateCells] = StateCells
) -> SyncState:
    """The state a sidecar holds (none when there is no sidecar), its rows kept in a fresh
    ``new_cells()`` (a streamed sync's are on disk). Raises TrackerError."""
    if not path.exists():
        return SyncState(new_cells())
    unreadable = f"the sync state file {path.name} is unreadable"
    try:
        with path.open(encoding="utf-8") as handle:
            try:
                return SyncState.from_packed(state_pairs_streamed(handle), new_cells())
            except _NotTheWrittenLayout:
                handle.seek(0)
            return SyncState.from_rows(state_rows_streamed(handle), new_cells())
    except _NotTheWrittenLayout:
        pass  # written by hand or by another tool: the general parser below
    except (OSError, ValueError) as error:
        raise TrackerError(source, f"{unreadable}: {error}") from error
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        rows = stored["rows"] if stored.get("format") == _STATE_FORMAT else None
    except (OSError, ValueError, AttributeError, KeyError) as error:
        raise TrackerError(source, f"{unreadable}: {error}") from error
    if not isinstance(rows, list):
        raise TrackerError(source, f"{path.name} is not a syncer state file")
    return SyncState.from_rows(rows, new_cells())
