"""xl/styles.xml for the surgical .xlsx writer: cell formats for syncer's dates and drafts.

A cell's look is an index into ``<cellXfs>``. To show a date, or wrap a draft, syncer needs the
cell's current format plus one change; it reuses an identical ``<xf>`` when the workbook has one
and appends a new one only otherwise, so the part is rewritten only when something was added.
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree

from syncer.backends.xlsx_xml import MAIN_NS, parse_xml, serialise_xml

_NUM_FMTS = f"{{{MAIN_NS}}}numFmts"
_NUM_FMT = f"{{{MAIN_NS}}}numFmt"
_CELL_XFS = f"{{{MAIN_NS}}}cellXfs"
_XF = f"{{{MAIN_NS}}}xf"
_ALIGNMENT = f"{{{MAIN_NS}}}alignment"
#: Number format ids below this are built in; a workbook's own formats start here.
_FIRST_CUSTOM_FORMAT = 164
_TRUE = ("1", "true")


class MissingStylesError(Exception):
    """The workbook has no styles part, so a date or wrapped cell cannot be given its look."""


class StyleBook:
    """The cell formats of one workbook, extended on demand."""

    def __init__(self, xml: bytes | None) -> None:
        self._original = xml or b""
        self._tree = parse_xml(xml) if xml is not None else None
        self.changed = False
        self._derived: dict[tuple[int, str], int] = {}

    def with_number_format(self, base: int, format_code: str) -> int:
        """The xf index showing ``format_code`` and otherwise looking like xf ``base``."""
        key = (base, "format:" + format_code)
        if key not in self._derived:
            xfs = self._cell_xfs()
            model = xfs[base] if base < len(xfs) else xfs[0]
            format_id = str(self._format_id(format_code))
            if model.get("numFmtId") == format_id:
                self._derived[key] = base
            else:
                wanted = deepcopy(model)
                wanted.set("numFmtId", format_id)
                wanted.set("applyNumberFormat", "1")
                self._derived[key] = self._index_of(wanted)
        return self._derived[key]

    def with_wrapped_text(self, base: int) -> int:
        """The xf index that wraps text and otherwise looks like xf ``base``."""
        key = (base, "wrap")
        if key not in self._derived:
            xfs = self._cell_xfs()
            model = xfs[base] if base < len(xfs) else xfs[0]
            alignment = model.find(_ALIGNMENT)
            if alignment is not None and alignment.get("wrapText") in _TRUE:
                self._derived[key] = base
            else:
                wanted = deepcopy(model)
                alignment = wanted.find(_ALIGNMENT)
                if alignment is None:
                    alignment = etree.SubElement(wanted, _ALIGNMENT)
                    wanted.insert(0, alignment)  # CT_Xf: alignment comes first
                alignment.set("wrapText", "1")
                wanted.set("applyAlignment", "1")
                self._derived[key] = self._index_of(wanted)
        return self._derived[key]

    def to_bytes(self) -> bytes:
        if self._tree is None:
            raise MissingStylesError
        return serialise_xml(self._tree, self._original)

    def _cell_xfs(self) -> etree._Element:
        if self._tree is None:
            raise MissingStylesError
        cell_xfs = self._tree.getroot().find(_CELL_XFS)
        if cell_xfs is None or len(cell_xfs.findall(_XF)) == 0:
            raise MissingStylesError
        return cell_xfs

    def _index_of(self, wanted: etree._Element) -> int:
        """The index of an xf identical to ``wanted``, appending it when there is none."""
        cell_xfs = self._cell_xfs()
        key = _signature(wanted)
        xfs = cell_xfs.findall(_XF)
        for index, xf in enumerate(xfs):
            if _signature(xf) == key:
                return index
        xfs[-1].addnext(wanted)
        wanted.tail = xfs[-1].tail
        cell_xfs.set("count", str(len(xfs) + 1))
        self.changed = True
        return len(xfs)

    def _format_id(self, format_code: str) -> int:
        assert self._tree is not None
        root = self._tree.getroot()
        formats = root.find(_NUM_FMTS)
        existing = [] if formats is None else formats.findall(_NUM_FMT)
        for number_format in existing:
            if number_format.get("formatCode") == format_code:
                return int(number_format.get("numFmtId", "0"))
        if formats is None:
            formats = etree.SubElement(root, _NUM_FMTS)
            root.insert(0, formats)  # CT_Stylesheet: numFmts comes first
        ids = [int(f.get("numFmtId", "0")) for f in existing]
        new_id = max([_FIRST_CUSTOM_FORMAT - 1, *ids]) + 1
        added = etree.SubElement(formats, _NUM_FMT)
        added.set("numFmtId", str(new_id))
        added.set("formatCode", format_code)
        formats.set("count", str(len(existing) + 1))
        self.changed = True
        return new_id


def _signature(xf: etree._Element) -> bytes:
    """An xf's content independent of attribute order and whitespace."""
    copied = deepcopy(xf)
    copied.tail = None
    for element in copied.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element is not copied and element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(copied, method="c14n")
