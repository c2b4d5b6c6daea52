"""The tracker worksheet part, edited in place: only the cells syncer owns change.

Every other cell, row attribute, formula and cached value stays as it was. New ``<row>`` and
``<c>`` elements are inserted where Excel expects them (rows by number, cells by column), the
``<dimension>`` grows with the used range, and new owned columns get a ``<col>`` entry.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from functools import lru_cache

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from syncer.backends.xlsx_xml import MAIN_NS, XML_NS, parse_xml, serialise_xml

_SHEET_DATA = f"{{{MAIN_NS}}}sheetData"
_ROW = f"{{{MAIN_NS}}}row"
_CELL = f"{{{MAIN_NS}}}c"
_VALUE = f"{{{MAIN_NS}}}v"
_FORMULA = f"{{{MAIN_NS}}}f"
_INLINE = f"{{{MAIN_NS}}}is"
_TEXT = f"{{{MAIN_NS}}}t"
_COLS = f"{{{MAIN_NS}}}cols"
_COL = f"{{{MAIN_NS}}}col"
_DIMENSION = f"{{{MAIN_NS}}}dimension"
_PRESERVE = f"{{{XML_NS}}}space"
_CONTENT = (_VALUE, _FORMULA, _INLINE)
#: Cell attributes that describe the old value; they go when syncer replaces it.
_VALUE_ATTRIBUTES = ("t", "cm", "vm", "ph")


class SheetFormatError(Exception):
    """The worksheet part is not one syncer can edit (no ``<sheetData>``)."""


def split_reference(reference: str) -> tuple[int, int]:
    """("AB12") -> (row 12, column 28)."""
    letters = reference.rstrip("0123456789")
    return int(reference[len(letters) :]), _column_number(letters.lstrip("$"))


@lru_cache(maxsize=1024)
def _column_number(letters: str) -> int:
    return column_index_from_string(letters)


class SheetEditor:
    """One worksheet's XML with a row index, edited cell by cell."""

    def __init__(self, xml: bytes) -> None:
        self._original = xml
        self._tree = parse_xml(xml)
        self._root = self._tree.getroot()
        sheet_data = self._root.find(_SHEET_DATA)
        if sheet_data is None:
            raise SheetFormatError("the worksheet has no <sheetData>")
        self._sheet_data = sheet_data
        self._rows: dict[int, etree._Element] = {}
        self._cells: dict[int, dict[int, etree._Element]] = {}
        number = 0
        for row in sheet_data.iterchildren(_ROW):
            number = int(row.get("r") or number + 1)
            self._rows[number] = row
        self._row_numbers = sorted(self._rows)
        self._max_row = 0
        self._max_column = 0
        self.formula_removed = False
        self._col_ranges: list[tuple[int, int, etree._Element]] | None = None

    # -- reading ----------------------------------------------------------------------------

    def used_width(self, from_row: int) -> int:
        """The rightmost column holding a value or formula, from ``from_row`` down."""
        width = 0
        for number in self._row_numbers[bisect_right(self._row_numbers, from_row - 1) :]:
            row = self._rows[number]
            for cell in reversed(row.findall(_CELL)):
                if cell.get("r") is None:
                    columns = [c for c, el in self._cells_of(number).items() if _has_content(el)]
                    width = max(width, *columns, 0)
                    break
                if _has_content(cell):
                    width = max(width, split_reference(cell.get("r", "A1"))[1])
                    break
        return width

    def style_of(self, row: int, column: int) -> int:
        """The cell's xf index; for a missing cell the row's or column's, as Excel shows it."""
        cell = self._cells_of(row).get(column) if row in self._rows else None
        if cell is not None:
            return int(cell.get("s", "0"))
        row_element = self._rows.get(row)
        if row_element is not None and row_element.get("customFormat") in ("1", "true"):
            return int(row_element.get("s", "0"))
        col = self._col_covering(column)
        return int(col.get("style", "0")) if col is not None else 0

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
        if row in self._rows and column in self._cells_of(row):
            self._reset(self._cells_of(row)[column])

    def set_column(self, column: int, width: float, *, hidden: bool) -> None:
        """Give one column its own ``<col>``, splitting a range that covers it."""
        self._col_ranges = None
        cols = self._root.find(_COLS)
        if cols is None:
            cols = etree.SubElement(self._root, _COLS)
            self._sheet_data.addprevious(cols)  # CT_Worksheet: cols comes just before sheetData
        col = self._col_covering(column)
        if col is None:
            col = etree.SubElement(cols, _COL)
            following = [c for c in cols.iterchildren(_COL) if int(c.get("min", "0")) > column]
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
        self._col_ranges = None
        col.set("width", f"{width:g}")
        col.set("customWidth", "1")
        if hidden:
            col.set("hidden", "1")

    def to_bytes(self) -> bytes:
        self._grow_dimension()
        return serialise_xml(self._tree, self._original)

    # -- internals --------------------------------------------------------------------------

    def _replace_value(self, row: int, column: int, style: int) -> etree._Element:
        cell = self._cell(row, column)
        self._reset(cell)
        if style or cell.get("s") is not None:
            cell.set("s", str(style))
        self._max_row = max(self._max_row, row)
        self._max_column = max(self._max_column, column)
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
        cells = self._cells_of(row) if row in self._rows else {}
        if column in cells:
            return cells[column]
        row_element = self._row(row)
        cell = etree.SubElement(row_element, _CELL)
        cell.set("r", f"{get_column_letter(column)}{row}")
        later = [c for c in cells if c > column]
        if later:
            cells[min(later)].addprevious(cell)
        else:
            trailing = [el for el in row_element if el.tag != _CELL and el is not cell]
            if trailing:
                trailing[0].addprevious(cell)
        self._cells[row][column] = cell
        _widen_spans(row_element, column)
        return cell

    def _row(self, number: int) -> etree._Element:
        if number in self._rows:
            return self._rows[number]
        row = etree.SubElement(self._sheet_data, _ROW)
        row.set("r", str(number))
        position = bisect_right(self._row_numbers, number)
        if position < len(self._row_numbers):
            self._rows[self._row_numbers[position]].addprevious(row)
        insort(self._row_numbers, number)
        self._rows[number] = row
        self._cells[number] = {}
        return row

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

    def _col_covering(self, column: int) -> etree._Element | None:
        if self._col_ranges is None:
            cols = self._root.find(_COLS)
            found = [] if cols is None else list(cols.iterchildren(_COL))
            self._col_ranges = [
                (int(col.get("min", "0")), int(col.get("max", "0")), col) for col in found
            ]
        for low, high, col in self._col_ranges:
            if low <= column <= high:
                return col
        return None

    def _grow_dimension(self) -> None:
        dimension = self._root.find(_DIMENSION)
        if dimension is None or not self._max_row:
            return
        first, _, last = dimension.get("ref", "A1").partition(":")
        try:
            last_row, last_column = split_reference(last or first)
        except ValueError:
            return
        row, column = max(last_row, self._max_row), max(last_column, self._max_column)
        if (row, column) != (last_row, last_column):
            dimension.set("ref", f"{first}:{get_column_letter(column)}{row}")


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
