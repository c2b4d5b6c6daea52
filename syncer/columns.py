"""Finding columns by their header text, never by position.

Header matching ignores case, surrounding space and the difference between space, '-' and '_'.
Every field has a default header (schemas/tracker.schema.json); a config may map other header
texts to a field. Any other column is the person's own and is never written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from syncer.errors import HeaderError
from syncer.model import normalize_label, tracker_schema

REQUIRED_FIELDS = ("company", "position", "stage")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    header: str
    kind: str  # text, stage, channel, offer_decision, date, datetime, count


@cache
def input_fields() -> tuple[FieldSpec, ...]:
    props = tracker_schema()["properties"]
    return tuple(FieldSpec(name, spec["x-header"], spec["x-kind"]) for name, spec in props.items())


@cache
def owned_headers() -> dict[str, str]:
    """Owned field -> default header, in the order columns are created."""
    return {entry["field"]: entry["header"] for entry in tracker_schema()["x-owned-columns"]}


@cache
def owned_field(header: str) -> str | None:
    """The owned field a header text stands for (by its default header), else None."""
    key = normalize_label(header)
    for name, text in owned_headers().items():
        if normalize_label(text) == key:
            return name
    return None


@cache
def header_of(field_name: str) -> str:
    for spec in input_fields():
        if spec.name == field_name:
            return spec.header
    return owned_headers()[field_name]


@dataclass(frozen=True)
class ColumnMap:
    """Where each field stands in the header row (0-based column indexes)."""

    inputs: dict[str, int]  # input field -> column index
    owned: dict[str, int]  # owned field -> column index (after new columns are added)
    owned_header_text: dict[str, str]  # owned field -> header text as it stands in the sheet
    new_columns: tuple[str, ...]  # owned headers to create at the right, in order
    width: int  # number of header columns, new ones included


def resolve_columns(
    source: str,
    header: Sequence[object],
    aliases: Mapping[str, Sequence[str]] | None = None,
    *,
    synced_before: bool = False,
) -> ColumnMap:
    """Map header cells to fields. Raises HeaderError (zero writes) when the header is unusable.

    Missing owned columns are created at the right, unless the tracker was synced before
    (``synced_before``): then a missing owned header means a person renamed or deleted it, and
    writing a fresh one would scatter syncer's cells, so the tracker is skipped instead.
    """
    wanted: dict[str, str] = {}  # normalised header text -> field name
    for spec in input_fields():
        wanted[normalize_label(spec.header)] = spec.name
    for owned_name, owned_text in owned_headers().items():
        wanted[normalize_label(owned_text)] = owned_name
    for alias_field, alias_texts in (aliases or {}).items():
        for alias in alias_texts:
            wanted[normalize_label(alias)] = alias_field

    found: dict[str, int] = {}
    texts: dict[str, str] = {}
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        match = wanted.get(normalize_label(cell))
        if match is None:
            continue
        field_name = match
        if field_name in found:
            first = header[found[field_name]]
            raise HeaderError(
                source,
                f"header {str(cell).strip()!r} (column {column_letter(index)}) duplicates "
                f"{str(first).strip()!r} (column {column_letter(found[field_name])}); "
                "rename one so syncer knows which to use",
            )
        found[field_name] = index
        texts[field_name] = str(cell).strip()

    missing = [header_of(name) for name in REQUIRED_FIELDS if name not in found]
    if missing:
        raise HeaderError(
            source,
            f"missing required header{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} in the header row",
        )

    owned = owned_headers()
    inputs = {name: index for name, index in found.items() if name not in owned}
    placed = {name: index for name, index in found.items() if name in owned}
    absent = [name for name in owned if name not in placed]
    if absent and synced_before:
        raise HeaderError(
            source,
            f"owned header {owned[absent[0]]!r} is missing or was renamed since the last sync; "
            "restore it (or delete every syncer column to start afresh)",
        )
    # New columns go after the whole header row as read: a backend pads it with blanks up to
    # the rightmost column holding anything, so a column of data without a header is never hit.
    width = len(header)
    new_columns: list[str] = []
    for name in absent:
        placed[name] = width
        texts[name] = owned[name]
        new_columns.append(owned[name])
        width += 1
    owned_texts = {name: texts[name] for name in placed}
    return ColumnMap(inputs, placed, owned_texts, tuple(new_columns), width)


def find_column(header: Sequence[object], wanted: str) -> int | None:
    """0-based column of a header text: exact first, then ignoring case and separators."""
    texts = ["" if text is None else str(text).strip() for text in header]
    if wanted in texts:
        return texts.index(wanted)
    key = normalize_label(wanted)
    for index, text in enumerate(texts):
        if text and normalize_label(text) == key:
            return index
    return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
