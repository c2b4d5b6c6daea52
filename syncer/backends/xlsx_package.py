"""A .xlsx/.xlsm package (a zip of XML parts) rewritten with only the parts syncer changes.

Every other member is copied as it was: same name, same order, and the same stored (compressed)
bytes, local header included (``xlsx_zip``).
The workbook's sheet list, its relationships and ``[Content_Types].xml`` are edited (and so
rewritten) only when syncer adds its state sheet, or drops a calculation chain that would point
at a formula syncer replaced.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from typing import IO

from lxml import etree

from syncer.backends.xlsx_xml import (
    CALC_CHAIN_REL_TYPE,
    CONTENT_TYPES_NS,
    DOC_REL_NS,
    MAIN_NS,
    PACKAGE_REL_NS,
    WORKSHEET_CONTENT_TYPE,
    WORKSHEET_REL_TYPE,
    parse_xml,
    serialise_xml,
)
from syncer.backends.xlsx_zip import ZipCopier

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES_PART = "[Content_Types].xml"
_STYLES_REL_TYPE = f"{DOC_REL_NS}/styles"
_SHEET = f"{{{MAIN_NS}}}sheet"
_SHEETS = f"{{{MAIN_NS}}}sheets"
_WORKBOOK_PR = f"{{{MAIN_NS}}}workbookPr"
_REL_ID = f"{{{DOC_REL_NS}}}id"
_RELATIONSHIP = f"{{{PACKAGE_REL_NS}}}Relationship"
_OVERRIDE = f"{{{CONTENT_TYPES_NS}}}Override"


class PackageError(Exception):
    """The package lacks a part syncer needs (the message says which)."""


@dataclass(frozen=True)
class SheetEntry:
    """One tab of the workbook: its title, kind (relationship type) and zip member."""

    title: str
    part: str
    rel_type: str
    state: str

    @property
    def is_worksheet(self) -> bool:
        return self.rel_type == WORKSHEET_REL_TYPE


class _XmlPart:
    """A parsed part that is written back only when edited."""

    def __init__(self, data: bytes) -> None:
        self.original = data
        self.tree = parse_xml(data)
        self.edited = False

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    def to_bytes(self) -> bytes:
        return serialise_xml(self.tree, self.original)


class Package:
    """The zip members of one workbook, with replacements, additions and removals."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._archive = zipfile.ZipFile(io.BytesIO(data))
        self._by_lower_name = {
            info.filename.lower(): info.filename for info in self._archive.infolist()
        }
        self._replaced: dict[str, bytes] = {}
        self._added: dict[str, bytes] = {}
        self._dropped: set[str] = set()
        self._workbook = _XmlPart(self._member(WORKBOOK_PART))
        self._rels = _XmlPart(self._member(WORKBOOK_RELS_PART))
        self._content_types = _XmlPart(self._member(CONTENT_TYPES_PART))

    # -- the workbook's structure -------------------------------------------------------------

    def sheets(self) -> list[SheetEntry]:
        targets = {rel.get("Id"): rel for rel in self._rels.root.iterchildren(_RELATIONSHIP)}
        entries = []
        for sheet in self._workbook.root.iter(_SHEET):
            rel = targets.get(sheet.get(_REL_ID))
            if rel is None:
                continue
            entries.append(
                SheetEntry(
                    title=sheet.get("name", ""),
                    part=self._resolve(rel.get("Target", "")),
                    rel_type=rel.get("Type", ""),
                    state=sheet.get("state", "visible"),
                )
            )
        return entries

    def uses_1904_dates(self) -> bool:
        properties = self._workbook.root.find(_WORKBOOK_PR)
        return properties is not None and properties.get("date1904") in ("1", "true")

    def styles_part(self) -> str | None:
        for rel in self._rels.root.iterchildren(_RELATIONSHIP):
            if rel.get("Type") == _STYLES_REL_TYPE:
                return self._resolve(rel.get("Target", ""))
        return None

    def read(self, name: str) -> bytes:
        if name in self._replaced:
            return self._replaced[name]
        return self._member(name)

    def replace(self, name: str, data: bytes) -> None:
        self._replaced[name] = data

    def set_sheet_state(self, title: str, state: str) -> None:
        for sheet in self._workbook.root.iter(_SHEET):
            if sheet.get("name") == title and sheet.get("state", "visible") != state:
                sheet.set("state", state)
                self._workbook.edited = True

    def add_worksheet(self, title: str, data: bytes, *, state: str) -> None:
        """A new worksheet part at the end of the tab list (defined names keep their indexes)."""
        number = 1
        while f"xl/worksheets/sheet{number}.xml" in self._by_lower_name:
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        self._added[part] = data
        self._by_lower_name[part] = part
        rel_ids = {rel.get("Id", "") for rel in self._rels.root.iterchildren(_RELATIONSHIP)}
        serial = len(rel_ids) + 1
        while f"rId{serial}" in rel_ids:
            serial += 1
        rel = etree.SubElement(self._rels.root, _RELATIONSHIP)
        rel.set("Id", f"rId{serial}")
        rel.set("Type", WORKSHEET_REL_TYPE)
        rel.set("Target", f"worksheets/sheet{number}.xml")
        sheets = self._workbook.root.find(_SHEETS)
        if sheets is None:
            raise PackageError("the workbook lists no sheets")
        ids = [int(s.get("sheetId", "0")) for s in sheets.iterchildren(_SHEET)]
        sheet = etree.SubElement(sheets, _SHEET)
        sheet.set("name", title)
        sheet.set("sheetId", str(max([0, *ids]) + 1))
        sheet.set("state", state)
        sheet.set(_REL_ID, f"rId{serial}")
        override = etree.SubElement(self._content_types.root, _OVERRIDE)
        override.set("PartName", f"/{part}")
        override.set("ContentType", WORKSHEET_CONTENT_TYPE)
        self._workbook.edited = self._rels.edited = self._content_types.edited = True

    def drop_calc_chain(self) -> None:
        """Remove the calculation chain (Excel rebuilds it) so no entry names a formula gone."""
        for rel in list(self._rels.root.iterchildren(_RELATIONSHIP)):
            if rel.get("Type") != CALC_CHAIN_REL_TYPE:
                continue
            part = self._resolve(rel.get("Target", ""))
            self._rels.root.remove(rel)
            self._dropped.add(part)
            for override in list(self._content_types.root.iterchildren(_OVERRIDE)):
                if override.get("PartName", "").lstrip("/").lower() == part.lower():
                    self._content_types.root.remove(override)
            self._rels.edited = self._content_types.edited = True

    # -- writing ----------------------------------------------------------------------------

    def write(self, out: IO[bytes]) -> None:
        for name, part in (
            (WORKBOOK_PART, self._workbook),
            (WORKBOOK_RELS_PART, self._rels),
            (CONTENT_TYPES_PART, self._content_types),
        ):
            if part.edited:
                self._replaced[self._by_lower_name[name.lower()]] = part.to_bytes()
        copier = ZipCopier(out)
        for info in self._archive.infolist():
            if info.filename in self._dropped:
                continue
            content = self._replaced.get(info.filename)
            if content is not None:
                copier.add(info, content)
            elif not copier.copy_raw(self._data, info):
                # Its local header or data descriptor does not match the central directory:
                # copy what zipfile reads instead (same content, freshly compressed).
                copier.add(info, self._archive.read(info))
        for name, content in self._added.items():
            added = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            added.compress_type = zipfile.ZIP_DEFLATED
            copier.add(added, content)
        copier.finish(self._archive.comment)

    def close(self) -> None:
        self._archive.close()

    # -- internals --------------------------------------------------------------------------

    def _member(self, name: str) -> bytes:
        actual = self._by_lower_name.get(name.lower())
        if actual is None:
            raise PackageError(f"no {name} inside")
        return self._archive.read(actual)

    def _resolve(self, target: str) -> str:
        """A workbook relationship's target as a zip member name (OPC names ignore case)."""
        path = target[1:] if target.startswith("/") else posixpath.join("xl", target)
        path = posixpath.normpath(path)
        return self._by_lower_name.get(path.lower(), path)
