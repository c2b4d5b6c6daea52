"""Where things are in a worksheet part's bytes, found without parsing the whole part.

A 10,000-row tracker sheet parsed whole takes hundreds of megabytes; a sync edits a few cells
per row at most. ``SheetLayout`` scans the part as bytes once, noting where each ``<row>`` (and
the ``<dimension>``, ``<cols>`` and ``<sheetData>`` tags) starts and ends, so the editor parses
only the elements it changes and copies every other byte through. The scan relies on what
SpreadsheetML guarantees: rows are never nested and a literal ``<`` only starts markup. Comments,
CDATA sections and processing instructions would break that, so a part holding any before the
end of ``<sheetData>`` (or not in UTF-8) is first normalised by a full parse; Excel never
writes such parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from syncer.backends.xlsx_xml import MAIN_NS, serialise_xml

_NAME_END = b" \t\r\n/>"
_ATTRIBUTE = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_START_TAG_REST = re.compile(rb"(?:" + _ATTRIBUTE + rb")*\s*(/?)>")
_TAG_NAME = re.compile(rb"<([^\s/>!?]+)")
_NAMESPACE = re.compile(rb"""\sxmlns(?::([^\s=]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']+)["']""")
_FRAGMENT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, strip_cdata=False)
_NORMALISING_PARSER = etree.XMLParser(
    huge_tree=True,
    resolve_entities=False,
    no_network=True,
    strip_cdata=True,
    remove_comments=True,
    remove_pis=True,
)


class SheetFormatError(Exception):
    """The worksheet part is not one syncer can edit (no ``<sheetData>``, broken markup)."""


@dataclass(frozen=True)
class Span:
    """Bytes ``start`` to ``end`` (exclusive) of the part."""

    start: int
    end: int


@dataclass
class SheetLayout:
    """The byte positions of the parts of one worksheet the editor may change."""

    data: bytes
    #: The main namespace's prefix with its colon (b"" when it is the default namespace).
    prefix: bytes
    #: The namespace declarations in scope inside ``<sheetData>``, to parse fragments with.
    declarations: bytes
    sheet_data_tag: Span
    sheet_data_closed: bool
    rows_end: int
    dimension: Span | None
    cols: Span | None
    row_numbers: list[int] = field(default_factory=list)
    row_spans: list[Span] = field(default_factory=list)

    def tag_end(self, start: int) -> tuple[int, bool]:
        """(end, self-closing) of the start tag at ``start``."""
        name = _TAG_NAME.match(self.data, start)
        found = _START_TAG_REST.match(self.data, name.end()) if name else None
        if found is None:
            raise SheetFormatError(f"unreadable markup at byte {start}")
        return found.end(), bool(found.group(1))

    def element_end(self, start: int, local_name: bytes, limit: int) -> int:
        """The end of the element starting at ``start`` (its own kind never nests in it)."""
        end, closed = self.tag_end(start)
        if closed:
            return end
        closing = b"</" + self.prefix + local_name
        position = self.data.find(closing, end, limit)
        while position >= 0:
            after = position + len(closing)
            if self.data[after : after + 1] in (b">", b" ", b"\t", b"\r", b"\n"):
                return self.data.index(b">", after) + 1
            position = self.data.find(closing, after, limit)
        raise SheetFormatError(f"no end to the <{local_name.decode()}> at byte {start}")

    def find_element(self, local_name: bytes, start: int, limit: int, *, last: bool = False) -> int:
        """Where the first (or last) start tag of ``local_name`` in [start, limit) begins."""
        opening = b"<" + self.prefix + local_name
        search = self.data.rfind if last else self.data.find
        low, high = start, limit
        while True:
            position = search(opening, low, high)
            if position < 0:
                return -1
            after = position + len(opening)
            if after < len(self.data) and self.data[after] in _NAME_END:
                return position
            if last:
                high = position + len(opening) - 1
            else:
                low = after

    def parse(self, span: Span) -> etree._Element:
        """The element in ``span``, parsed inside a wrapper carrying the declarations in scope."""
        return parse_fragment(self.declarations, self.data[span.start : span.end])

    def new_element(self, tag: str) -> etree._Element:
        """A new element (in its own wrapper), prefixed as the part's namespaces say."""
        wrapper = parse_fragment(self.declarations, b"")
        return etree.SubElement(wrapper, tag)


def parse_fragment(declarations: bytes, fragment: bytes) -> etree._Element:
    """``fragment``'s element (or the empty wrapper when there is none)."""
    try:
        wrapper = etree.fromstring(
            b"<w" + declarations + b">" + fragment + b"</w>", _FRAGMENT_PARSER
        )
    except etree.XMLSyntaxError as error:
        raise SheetFormatError(f"unreadable worksheet markup ({error})") from error
    return wrapper[0] if len(wrapper) else wrapper


def serialise_fragment(element: etree._Element) -> bytes:
    """An element from ``parse_fragment`` as bytes, without the wrapper's declarations."""
    wrapper = element.getparent()
    assert wrapper is not None and len(wrapper) == 1
    text = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False)
    return text[text.index(b">") + 1 : text.rindex(b"</")]


def scan_sheet(data: bytes) -> SheetLayout:
    """The layout of a worksheet part (normalised first when the fast scan could misread it)."""
    if _needs_normalising(data):
        tree = etree.ElementTree(etree.fromstring(data, _NORMALISING_PARSER))
        data = serialise_xml(tree, data)
    return _scan(data)


def _needs_normalising(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00")):
        return True
    if data.startswith(b"<?xml"):
        encoding = _ENCODING.search(data, 0, data.find(b"?>"))
        if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return True
    root = _root_start(data)
    sheet_data_end = data.rfind(b"sheetData")  # in its closing (or self-closing) tag
    limit = len(data) if sheet_data_end < root else sheet_data_end
    return data.find(b"<!", root, limit) >= 0 or data.find(b"<?", root, limit) >= 0


def _root_start(data: bytes) -> int:
    """Where the root element's start tag begins, past the prolog (declaration, comments)."""
    position = data.find(b"<")
    while position >= 0:
        marker = data[position + 1 : position + 2]
        if marker == b"?":
            position = data.find(b"?>", position) + 2
        elif data.startswith(b"<!--", position):
            position = data.find(b"-->", position) + 3
        elif marker == b"!":
            bracket, close = data.find(b"[", position), data.find(b">", position)
            if 0 <= bracket < close:
                close = data.find(b"]", bracket)
                close = data.find(b">", close)
            position = close + 1
        else:
            return position
        if position <= 0:
            break
        position = data.find(b"<", position)
    raise SheetFormatError("the worksheet part has no root element")


def _scan(data: bytes) -> SheetLayout:
    root_start = _root_start(data)
    root_name = _TAG_NAME.match(data, root_start)
    root_tag = _START_TAG_REST.match(data, root_name.end()) if root_name else None
    if root_tag is None or root_tag.group(1):
        raise SheetFormatError("the worksheet has no <sheetData>")
    namespaces = _declarations(data[root_start : root_tag.end()])
    prefix = _main_prefix(namespaces)
    if prefix is None:
        raise SheetFormatError("the worksheet has no <sheetData>")
    layout = SheetLayout(
        data=data,
        prefix=prefix,
        declarations=b"",
        sheet_data_tag=Span(0, 0),
        sheet_data_closed=False,
        rows_end=0,
        dimension=None,
        cols=None,
    )
    open_start = layout.find_element(b"sheetData", root_tag.end(), len(data))
    if open_start < 0:
        raise SheetFormatError("the worksheet has no <sheetData>")
    open_end, closed = layout.tag_end(open_start)
    namespaces.update(_declarations(data[open_start:open_end]))
    layout.declarations = b"".join(
        b" xmlns" + (b":" + name if name else b"") + b'="' + uri + b'"'
        for name, uri in namespaces.items()
    )
    layout.sheet_data_tag = Span(open_start, open_end)
    layout.sheet_data_closed = closed
    if closed:
        layout.rows_end = open_end
    else:
        close = layout.element_end(open_start, b"sheetData", len(data))
        layout.rows_end = data.rindex(b"</", open_end, close)
    for name in (b"dimension", b"cols"):
        start = layout.find_element(name, root_tag.end(), open_start)
        if start >= 0:
            setattr(layout, name.decode(), Span(start, layout.element_end(start, name, open_start)))
    _index_rows(layout, open_end)
    return layout


def _declarations(start_tag: bytes) -> dict[bytes, bytes]:
    return {
        found.group(1) or b"": found.group(2) if found.group(2) is not None else found.group(3)
        for found in _NAMESPACE.finditer(start_tag)
    }


def _main_prefix(namespaces: dict[bytes, bytes]) -> bytes | None:
    main = MAIN_NS.encode()
    if namespaces.get(b"") == main:
        return b""
    for name, uri in namespaces.items():
        if uri == main:
            return name + b":"
    return None


def _index_rows(layout: SheetLayout, start: int) -> None:
    """Note every ``<row>``'s number (``r``, else the one after the previous) and span."""
    data, limit = layout.data, layout.rows_end
    number = 0
    position = layout.find_element(b"row", start, limit)
    while position >= 0:
        tag_end, _ = layout.tag_end(position)
        explicit = _ROW_NUMBER.search(data, position, tag_end)
        number = int(explicit.group(1)) if explicit else number + 1
        end = layout.element_end(position, b"row", limit)
        layout.row_numbers.append(number)
        layout.row_spans.append(Span(position, end))
        position = layout.find_element(b"row", end, limit)
