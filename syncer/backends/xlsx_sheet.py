"""The tracker worksheet part, edited in place: only the cells syncer owns change.

Every other cell, row attribute, formula and cached value stays as it was; rows syncer does not
touch are copied byte for byte (``xlsx_scan`` finds them without parsing the part). New ``<row>``
and ``<c>`` elements are inserted where Excel expects them (rows by number, cells by column), the
``<dimension>`` grows with the used range, and new owned columns get a ``<col>`` entry.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from syncer.backends.xlsx_scan import (
    SheetFormatError,
    Span,
    parse_fragment,
    scan_sheet,
    serialise_fragment,
)
from syncer.backends.xlsx_xml import MAIN_NS, XML_NS

__all__ = ["SheetEditor", "SheetFormatError", "split_reference"]

_ROW = f"{{{MAIN_NS}}}row"
_CELL = f"{{{MAIN_NS}}}c"
_VALUE = f"{{{MAIN_NS}}}v"
_FORMULA = f"{{{MAIN_NS}}}f"
_INLINE = f"{{{MAIN_NS}}}is"
_TEXT = f"{{{MAIN_NS}}}t"
_COLS = f"{{{MAIN_NS}}}cols"
_COL = f"{{{MAIN_NS}}}col"
_PRESERVE = f"{{{XML_NS}}}space"
_CONTENT = (_VALUE, _FORMULA, _INLINE)
#: How many parsed rows stay parsed; an edited row leaving this cache is kept as its bytes.
#: A row's lxml document costs tens of kilobytes, and a first sync edits every row.
_PARSED_ROWS_KEPT = 8
#: Cell attributes that describe the old value; they go when syncer replaces it.
_VALUE_ATTRIBUTES = ("t", "cm", "vm", "ph")
_CELL_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_MERGE_REFERENCE = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*?ref\s*=\s*["']([^"']*)["']""")


def split_reference(reference: str) -> tuple[int, int]:
    """("AB12") -> (row 12, column 28)."""
    letters = reference.rstrip("0123456789")
    return int(reference[len(letters) :]), _column_number(letters.lstrip("$"))


@lru_cache(maxsize=1024)
def _column_number(letters: str) -> int:
    return column_index_from_string(letters)


class SheetEditor:
    """One worksheet's XML, edited cell by cell; only the rows edited are ever parsed."""

    def __init__(self, xml: bytes) -> None:
        self._layout = scan_sheet(xml)
        layout = self._layout
        self._spans: dict[int, Span] = dict(zip(layout.row_numbers, layout.row_spans, strict=True))
        self._stored_numbers = sorted(self._spans)
        self._row_numbers = list(self._stored_numbers)
        self._rows: dict[int, etree._Element] = {}  # parsed, least recently used first
        self._cells: dict[int, dict[int, etree._Element]] = {}
        self._edited_rows: set[int] = set()
        self._edited_bytes: dict[int, bytes] = {}  # edited rows no longer parsed
        self._new_rows: set[int] = set()
        self._recent: int | None = None  # the most recently used parsed row
        self._content = re.compile(b"<" + re.escape(layout.prefix) + rb"(?:v|f|is)[\s/>]")
        self._dimension = layout.parse(layout.dimension) if layout.dimension else None
        self._cols = layout.parse(layout.cols) if layout.cols else None
        self._cols_edited = False
        self._max_row = 0
        self._max_column = 0
        self.formula_removed = False
        self._col_ranges: list[tuple[int, int, etree._Element]] | None = None

    # -- reading ----------------------------------------------------------------------------

    def used_width(self, from_row: int) -> int:
        """The rightmost column holding a value or formula, from ``from_row`` down."""
        width = 0
        for number in self._row_numbers[bisect_right(self._row_numbers, from_row - 1) :]:
            if number not in self._spans or number in self._rows or number in self._edited_rows:
                width = max(width, self._parsed_row_width(number))
            else:
                width = max(width, self._stored_row_width(number))
        return width

    def merged_width(self, from_row: int) -> int:
        """The rightmost column of a merged range reaching ``from_row`` or below (0: none)."""
        layout = self._layout
        width = 0
        for found in _MERGE_REFERENCE.finditer(layout.data, layout.rows_end):
            first, _, last = found.group(1).decode().replace("$", "").partition(":")
            try:
                last_row, last_column = split_reference(last or first)
            except ValueError:
                continue
            if last_row >= from_row:
                width = max(width, last_column)
        return width

    def style_of(self, row: int, column: int) -> int:
        """The cell's xf index; for a missing cell the row's or column's, as Excel shows it."""
        row_element = self._existing_row(row)
        cell = self._cells_of(row).get(column) if row_element is not None else None
        if cell is not None:
            return int(cell.get("s", "0"))
        if row_element is not None and row_element.get("customFormat") in ("1", "true"):
            return int(row_element.get("s", "0"))
        col = self._col_covering(column)
        return int(col.get("style", "0")) if col is not None else 0

    def has_formula(self, row: int, column: int) -> bool:
        """Whether the cell at (row, column) holds a formula (``<f>``, shared ones included)."""
        if self._existing_row(row) is None:
            return False
        cell = self._cells_of(row).get(column)
        return cell is not None and cell.find(_FORMULA) is not None

    def column_width(self, column: int) -> float | None:
        col = self._col_covering(column)
        width = col.get("width") if col is not None else None
        return float(width) if width else None

    # -- writing ----------------------------------------------------------------------------

    def set_text(self, row: int, column: int, text: str, style: int) -> None:
        cell = self._replace_value(row, column, style)
        cell.set("t", "inlineStr")
        inline = etree.SubElement(cell, _INLINE)
        element = etree.SubElement(inline, _TEXT)
        element.set(_PRESERVE, "preserve")
        element.text = text

    def set_number(self, row: int, column: int, number: str, style: int) -> None:
        cell = self._replace_value(row, column, style)
        etree.SubElement(cell, _VALUE).text = number

    def clear(self, row: int, column: int) -> None:
        """Empty a cell, keeping its look (a missing cell stays missing)."""
        if self._existing_row(row) is not None and column in self._cells_of(row):
            self._reset(self._cells_of(row)[column])
            self._edited_rows.add(row)

    def set_column(self, column: int, width: float, *, hidden: bool) -> None:
        """Give one column its own ``<col>``, splitting a range that covers it."""
        if self._cols is None:
            self._cols = self._layout.new_element(_COLS)
        self._cols_edited = True
        col = self._col_covering(column)
        self._col_ranges = None
        if col is None:
            col = etree.SubElement(self._cols, _COL)
            following = [
                c for c in self._cols.iterchildren(_COL) if int(c.get("min", "0")) > column
            ]
            if following:
                following[0].addprevious(col)
        else:
            low, high = int(col.get("min", "0")), int(col.get("max", "0"))
            if low < column:
                before = _copy(col)
                before.set("max", str(column - 1))
                col.addprevious(before)
            if high > column:
                after = _copy(col)
                after.set("min", str(column + 1))
                col.addnext(after)
        col.set("min", str(column))
        col.set("max", str(column))
        col.set("width", f"{width:g}")
        col.set("customWidth", "1")
        if hidden:
            col.set("hidden", "1")
        else:  # split out of a hidden range ("hide all unused columns"): shown
            col.attrib.pop("hidden", None)

    def to_bytes(self) -> bytes:
        """The part: the original bytes with the edited elements spliced in."""
        layout = self._layout
        edits: list[tuple[int, int, int, bytes]] = []
        if self._grow_dimension() and layout.dimension and self._dimension is not None:
            edits.append(_replacement(layout.dimension, serialise_fragment(self._dimension)))
        if self._cols_edited and self._cols is not None:
            cols = serialise_fragment(self._cols)
            if layout.cols:
                edits.append(_replacement(layout.cols, cols))
            else:  # CT_Worksheet: cols comes just before sheetData
                start = layout.sheet_data_tag.start
                edits.append((start, start, 0, cols))
        new_rows = sorted(self._new_rows)
        for number in self._edited_rows:
            if number in self._spans:
                edits.append(_replacement(self._spans[number], self._serialised_row(number)))
        if new_rows and layout.sheet_data_closed:
            tag = layout.data[layout.sheet_data_tag.start : layout.sheet_data_tag.end]
            opened = tag[: tag.rindex(b"/")].rstrip() + b">"
            edits.append(_replacement(layout.sheet_data_tag, opened))
            closing = b"</" + layout.prefix + b"sheetData>"
            edits.append((layout.rows_end, layout.rows_end, len(new_rows), closing))
        for order, number in enumerate(new_rows):
            following = bisect_right(self._stored_numbers, number)
            start = (
                self._spans[self._stored_numbers[following]].start
                if following < len(self._stored_numbers)
                else layout.rows_end
            )
            edits.append((start, start, order, self._serialised_row(number)))
        return _splice(layout.data, edits)

    # -- internals --------------------------------------------------------------------------

    def _replace_value(self, row: int, column: int, style: int) -> etree._Element:
        cell = self._cell(row, column)
        self._reset(cell)
        if style or cell.get("s") is not None:
            cell.set("s", str(style))
        self._max_row = max(self._max_row, row)
        self._max_column = max(self._max_column, column)
        self._edited_rows.add(row)
        return cell

    def _reset(self, cell: etree._Element) -> None:
        for child in list(cell):
            if child.tag == _FORMULA:
                self.formula_removed = True
            cell.remove(child)
        for name in _VALUE_ATTRIBUTES:
            cell.attrib.pop(name, None)

    def _cell(self, row: int, column: int) -> etree._Element:
        """The ``<c>`` at (row, column), created in order when missing."""
        row_element = self._row(row)
        cells = self._cells_of(row)
        if column in cells:
            return cells[column]
        cell = etree.SubElement(row_element, _CELL)
        cell.set("r", f"{get_column_letter(column)}{row}")
        later = [c for c in cells if c > column]
        if later:
            cells[min(later)].addprevious(cell)
        elif len(row_element) > 1 and row_element[-2].tag != _CELL:
            trailing = [el for el in row_element if el.tag != _CELL and el is not cell]
            trailing[0].addprevious(cell)
        cells[column] = cell
        _widen_spans(row_element, column)
        return cell

    def _existing_row(self, number: int) -> etree._Element | None:
        """The parsed ``<row>`` (parsed now if it is still only bytes), or None."""
        if number == self._recent:
            return self._rows[number]
        row = self._rows.pop(number, None)
        if row is None:
            if number in self._edited_bytes:
                row = parse_fragment(self._layout.declarations, self._edited_bytes.pop(number))
            elif number in self._spans:
                row = self._layout.parse(self._spans[number])
            else:
                return None
        self._keep_parsed(number, row)
        return row

    def _keep_parsed(self, number: int, row: etree._Element) -> None:
        """Cache a parsed row as the most recently used, dropping the least recently used."""
        self._rows[number] = row
        self._recent = number
        if len(self._rows) > _PARSED_ROWS_KEPT:
            oldest = next(iter(self._rows))
            if oldest in self._edited_rows:
                self._edited_bytes[oldest] = serialise_fragment(self._rows[oldest])
            del self._rows[oldest]
            self._cells.pop(oldest, None)

    def _row(self, number: int) -> etree._Element:
        """The ``<row>``, created (to be inserted in order) when the sheet has none."""
        existing = self._existing_row(number)
        if existing is not None:
            return existing
        row = self._layout.new_element(_ROW)
        row.set("r", str(number))
        self._new_rows.add(number)
        self._cells[number] = {}
        self._keep_parsed(number, row)
        self._row_numbers.insert(bisect_right(self._row_numbers, number), number)
        return row

    def _serialised_row(self, number: int) -> bytes:
        if number in self._rows:
            return serialise_fragment(self._rows[number])
        return self._edited_bytes[number]

    def _cells_of(self, number: int) -> dict[int, etree._Element]:
        """Column -> ``<c>`` of one row (cells without ``r`` get it, as Excel would write)."""
        if number not in self._cells:
            row = self._rows[number]
            if row.get("r") is None:
                row.set("r", str(number))
            cells: dict[int, etree._Element] = {}
            column = 0
            for cell in row.iterchildren(_CELL):
                reference = cell.get("r")
                if reference is None:
                    column += 1
                    cell.set("r", f"{get_column_letter(column)}{number}")
                else:
                    column = split_reference(reference)[1]
                cells[column] = cell
            self._cells[number] = cells
        return self._cells[number]

    def _parsed_row_width(self, number: int) -> int:
        row = self._existing_row(number)
        assert row is not None
        for cell in reversed(row.findall(_CELL)):
            if cell.get("r") is None:
                columns = [c for c, el in self._cells_of(number).items() if _has_content(el)]
                return max(columns, default=0)
            if _has_content(cell):
                return split_reference(cell.get("r", "A1"))[1]
        return 0

    def _stored_row_width(self, number: int) -> int:
        """The rightmost filled column of a row read from its bytes, last cell first."""
        layout, span = self._layout, self._spans[number]
        limit = span.end
        while True:
            start = layout.find_element(b"c", span.start, limit, last=True)
            if start < 0:
                return 0
            tag_end, closed = layout.tag_end(start)
            if not closed:
                end = layout.element_end(start, b"c", span.end)
                if self._content.search(layout.data, tag_end, end):
                    reference = _CELL_REFERENCE.search(layout.data, start, tag_end)
                    if reference is None:  # cells numbered by position: parse the row
                        return self._parsed_row_width(number)
                    return split_reference(reference.group(1).decode())[1]
            limit = start

    def _col_covering(self, column: int) -> etree._Element | None:
        if self._col_ranges is None:
            found = [] if self._cols is None else list(self._cols.iterchildren(_COL))
            self._col_ranges = [
                (int(col.get("min", "0")), int(col.get("max", "0")), col) for col in found
            ]
        for low, high, col in self._col_ranges:
            if low <= column <= high:
                return col
        return None

    def _grow_dimension(self) -> bool:
        """Widen ``<dimension>`` to the cells written; True if it changed."""
        dimension = self._dimension
        if dimension is None or not self._max_row:
            return False
        first, _, last = dimension.get("ref", "A1").partition(":")
        try:
            last_row, last_column = split_reference(last or first)
        except ValueError:
            return False
        row, column = max(last_row, self._max_row), max(last_column, self._max_column)
        if (row, column) == (last_row, last_column):
            return False
        dimension.set("ref", f"{first}:{get_column_letter(column)}{row}")
        return True


def _replacement(span: Span, content: bytes) -> tuple[int, int, int, bytes]:
    return span.start, span.end, 0, content


def _splice(data: bytes, edits: list[tuple[int, int, int, bytes]]) -> bytes:
    """``data`` with each (start, end, order, content) edit applied; insertions at one place
    go in ``order``, before a replacement starting there."""
    pieces = []
    position = 0
    for start, end, _, content in sorted(edits, key=lambda edit: edit[:3]):
        pieces.append(data[position:start])
        pieces.append(content)
        position = end
    pieces.append(data[position:])
    return b"".join(pieces)


def _has_content(cell: etree._Element) -> bool:
    return any(child.tag in _CONTENT for child in cell)


def _copy(element: etree._Element) -> etree._Element:
    """A childless twin of ``element`` in the same parent (the caller moves it into place)."""
    parent = element.getparent()
    assert parent is not None
    twin = etree.SubElement(parent, element.tag, dict(element.attrib))
    twin.tail = element.tail
    return twin


def _widen_spans(row: etree._Element, column: int) -> None:
    """Keep the row's optional ``spans`` hint covering its cells."""
    spans = row.get("spans")
    if not spans:
        return
    try:
        ranges = [tuple(int(n) for n in part.split(":")) for part in spans.split()]
        low, high = ranges[0][0], ranges[-1][-1]
    except (ValueError, IndexError):
        del row.attrib["spans"]
        return
    if column < low or column > high:
        row.set("spans", f"{min(low, column)}:{max(high, column)}")
