"""Excel Tables (ListObjects, ``xl/tables/tableN.xml``) over the tracker tab.

A Table's totals row is not an application, so the reader skips it. syncer's new columns, when
they are added right next to a Table whose header row is the tracker's, join the Table: its
``ref``, its ``autoFilter`` and its ``tableColumns`` grow, so the person's filters, banding and
styles cover them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from openpyxl.utils import get_column_letter

from syncer.backends.xlsx_package import Package, PackageError
from syncer.backends.xlsx_sheet import split_reference
from syncer.backends.xlsx_xml import MAIN_NS, PACKAGE_REL_NS, parse_xml, serialise_xml

TABLE_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_RELATIONSHIP = f"{{{PACKAGE_REL_NS}}}Relationship"
_AUTO_FILTER = f"{{{MAIN_NS}}}autoFilter"
_TABLE_COLUMNS = f"{{{MAIN_NS}}}tableColumns"
_TABLE_COLUMN = f"{{{MAIN_NS}}}tableColumn"


@dataclass
class Table:
    """One Table part: its cell range (1-based, inclusive) and how many totals rows it ends in."""

    part: str
    original: bytes
    tree: etree._ElementTree
    first_row: int
    first_column: int
    last_row: int
    last_column: int
    totals_rows: int

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    def totals(self) -> range:
        """The sheet rows of the totals row(s)."""
        return range(self.last_row - self.totals_rows + 1, self.last_row + 1)

    def join(self, header_row: int, first_new: int, names: Sequence[str]) -> bool:
        """Take in new columns ``first_new``... named ``names``, when they start right after
        the Table and share its header row; True when the Table changed."""
        if not names or self.first_row != header_row or self.last_column + 1 != first_new:
            return False
        self.last_column += len(names)
        last = get_column_letter(self.last_column)
        first = f"{get_column_letter(self.first_column)}{self.first_row}"
        self.root.set("ref", f"{first}:{last}{self.last_row}")
        auto_filter = self.root.find(_AUTO_FILTER)
        if auto_filter is not None:
            end = self.last_row - self.totals_rows
            auto_filter.set("ref", f"{first}:{last}{end}")
        columns = self.root.find(_TABLE_COLUMNS)
        if columns is None:
            columns = etree.SubElement(self.root, _TABLE_COLUMNS)
        existing = list(columns.iterchildren(_TABLE_COLUMN))
        taken = {column.get("name", "").casefold() for column in existing}
        next_id = max([0, *(int(c.get("id", "0")) for c in existing)]) + 1
        for name in names:
            column = etree.SubElement(columns, _TABLE_COLUMN)
            column.set("id", str(next_id))
            column.set("name", unique_name(name, taken))
            next_id += 1
        columns.set("count", str(len(existing) + len(names)))
        return True

    def to_bytes(self) -> bytes:
        return serialise_xml(self.tree, self.original)


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name2``, ``name3``... (Table column names are unique, ignoring case)."""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{name}{number}"
    taken.add(candidate.casefold())
    return candidate


def sheet_tables(package: Package, sheet_part: str) -> list[Table]:
    """The Tables on one worksheet part, as its relationships list them."""
    folder, name = posixpath.split(sheet_part)
    try:
        rels = parse_xml(package.read(posixpath.join(folder, "_rels", name + ".rels")))
    except PackageError:
        return []
    tables = []
    for rel in rels.getroot().iterchildren(_RELATIONSHIP):
        if rel.get("Type") != TABLE_REL_TYPE or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        part = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        try:
            original = package.read(posixpath.normpath(part))
        except PackageError:
            continue
        table = _table(posixpath.normpath(part), original)
        if table is not None:
            tables.append(table)
    return tables


def _table(part: str, original: bytes) -> Table | None:
    tree = parse_xml(original)
    first, _, last = tree.getroot().get("ref", "").replace("$", "").partition(":")
    try:
        first_row, first_column = split_reference(first)
        last_row, last_column = split_reference(last or first)
        totals = int(tree.getroot().get("totalsRowCount", "0") or 0)
    except ValueError:
        return None
    return Table(part, original, tree, first_row, first_column, last_row, last_column, totals)


def totals_rows(data: bytes, tab_title: str) -> set[int]:
    """The sheet rows that are a Table's totals row on the tab ``tab_title``."""
    package = Package(data)
    try:
        entries = {entry.title: entry for entry in package.sheets()}
        entry = entries.get(tab_title)
        if entry is None:
            return set()
        return {row for table in sheet_tables(package, entry.part) for row in table.totals()}
    finally:
        package.close()
