"""Parsing and writing the XML parts of a .xlsx package, keeping what syncer does not change.

lxml keeps namespace prefixes, attribute order, comments and unknown elements as they were, so a
part syncer edits differs from the original only where it edited it.
"""

from __future__ import annotations

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"

WORKSHEET_REL_TYPE = f"{DOC_REL_NS}/worksheet"
CALC_CHAIN_REL_TYPE = f"{DOC_REL_NS}/calcChain"
WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

_PARSER = etree.XMLParser(
    huge_tree=True, resolve_entities=False, no_network=True, strip_cdata=False
)


def parse_xml(data: bytes) -> etree._ElementTree:
    """Parse one part (entities are not expanded, nothing is fetched)."""
    return etree.ElementTree(etree.fromstring(data, _PARSER))


def serialise_xml(tree: etree._ElementTree, original: bytes = b"") -> bytes:
    """The part's bytes, with the ``standalone`` its original XML declaration had."""
    declaration = original[: original.find(b"?>")] if original.startswith(b"<?xml") else b""
    standalone: bool | None = None
    if b"standalone" in declaration:
        standalone = b"yes" in declaration.split(b"standalone", 1)[1]
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=standalone)
