"""The surgical .xlsx writer: everything but syncer's own cells survives a sync byte for byte."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.defined_name import DefinedName

from syncer.backends.base import CellUpdate, SyncState
from syncer.backends.local import open_local
from syncer.backends.xlsx import STATE_SHEET
from syncer.backends.xlsx_sheet import SheetEditor, split_reference
from syncer.backends.xlsx_styles import StyleBook
from syncer.backends.xlsx_zip import ZipCopier
from syncer.cli import cli

pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TRACKER_PART = "xl/worksheets/sheet1.xml"
HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date", "Score", "Notes"]
APPLIED_SERIAL = "46328"  # 2026-11-02, the cached value of the Applied On formula
X14_EXTENSION = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:dataValidations count="0" '
    b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>'
)
EXTRA_MEMBERS = {
    "xl/media/image1.png": b"\x89PNG\r\n\x1a\n fake picture",
    "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake macros",
    "xl/threadedComments/threadedComment1.xml": b'<?xml version="1.0"?><ThreadedComments/>',
    "xl/persons/person.xml": b'<?xml version="1.0"?><personList/>',
    "xl/pivotCache/pivotCacheDefinition1.xml": b'<?xml version="1.0"?><pivotCacheDefinition/>',
}


def rich_tracker(folder: Path, name: str = "tracker.xlsm") -> Path:
    """A workbook with a chart, comments, defined names, a formula with its cached value, an
    x14 extension, and (added to the zip) a picture, macros, threaded comments and a pivot."""
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.title = "Applications"
    sheet.append(HEADER)
    sheet.append(["Acme", "Engineer", "applied", "=DATE(2026,11,2)", None, 3, "met at fair"])
    sheet.append(["Globex", "Analyst", "interviewed", None, date(2026, 11, 20), 7, None])
    sheet["D2"].number_format = "yyyy-mm-dd"
    sheet["A2"].comment = Comment("call back", "me")
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=6, min_row=1, max_row=3), titles_from_data=True)
    sheet.add_chart(chart, "J5")
    workbook.create_sheet("Contacts")["A1"] = "Name"
    workbook.defined_names["Companies"] = DefinedName(
        "Companies", attr_text="Applications!$A$2:$A$3"
    )
    path = folder / name
    workbook.save(path)
    members = read_members(path)
    sheet_xml = members[TRACKER_PART]
    formula = b"<f>DATE(2026,11,2)</f>"
    cached = formula + f"<v>{APPLIED_SERIAL}</v>".encode()
    sheet_xml = sheet_xml.replace(formula + b"<v></v>", cached).replace(formula + b"<v/>", cached)
    if cached not in sheet_xml:
        sheet_xml = sheet_xml.replace(formula, cached)
    members[TRACKER_PART] = sheet_xml.replace(b"</worksheet>", X14_EXTENSION + b"</worksheet>")
    members.update(EXTRA_MEMBERS)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return path


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cells_by_reference(sheet_xml: bytes) -> dict[str, bytes]:
    root = etree.fromstring(sheet_xml)
    return {c.get("r"): etree.tostring(c) for c in root.iter(f"{{{MAIN}}}c")}


def run_sync(path: Path, today: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["sync", str(path), "--today", today, "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document["trackers"][0]


def owned_letters(path: Path) -> set[str]:
    sheet: Any = openpyxl.load_workbook(path, read_only=True)["Applications"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    return {
        openpyxl.utils.get_column_letter(index)
        for index, text in enumerate(header, start=1)
        if index > len(HEADER) and text
    }


def assert_person_cells_kept(before: bytes, after: bytes, owned: set[str]) -> None:
    old, new = cells_by_reference(before), cells_by_reference(after)
    kept = {ref for ref in old if ref.rstrip("0123456789") not in owned}
    assert kept and all(new[ref] == old[ref] for ref in kept)


def extension(sheet_xml: bytes) -> bytes:
    found = etree.fromstring(sheet_xml).find(f"{{{MAIN}}}extLst")
    assert found is not None
    return etree.tostring(found, method="c14n")


def state_part(members: dict[str, bytes]) -> str:
    rels = etree.fromstring(members["xl/_rels/workbook.xml.rels"])
    workbook = etree.fromstring(members["xl/workbook.xml"])
    (sheet,) = [s for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == STATE_SHEET]
    rel_id = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    (target,) = [r.get("Target") for r in rels if r.get("Id") == rel_id]
    return f"xl/{target}"


def test_two_syncs_change_only_the_tracker_state_and_structure_parts(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    original = read_members(path)
    run_sync(path, "2026-11-26")
    first = read_members(path)
    new_part = state_part(first)
    assert list(first) == [*original, new_part]
    changed = {name for name in original if first[name] != original[name]}
    structure = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert TRACKER_PART in changed
    assert changed <= {TRACKER_PART, "xl/styles.xml", *structure}
    owned = owned_letters(path)
    assert len(owned) >= 5
    assert_person_cells_kept(original[TRACKER_PART], first[TRACKER_PART], owned)
    assert extension(first[TRACKER_PART]) == extension(original[TRACKER_PART])

    run_sync(path, "2026-12-10")  # a week after the thank-you window: Globex's action changes
    second = read_members(path)
    assert list(second) == list(first)
    changed = {name for name in first if second[name] != first[name]}
    assert TRACKER_PART in changed
    assert changed <= {TRACKER_PART, new_part}
    assert_person_cells_kept(first[TRACKER_PART], second[TRACKER_PART], owned)
    for name, content in second.items():
        if name.endswith((".xml", ".rels")) and content.startswith(b"<?xml"):
            etree.fromstring(content)  # well-formed


def test_a_formula_keeps_its_cached_value_and_is_read_next_run(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    formula_cell = cells_by_reference(read_members(path)[TRACKER_PART])["D2"]
    assert APPLIED_SERIAL.encode() in formula_cell
    first = run_sync(path, "2026-11-26")
    assert cells_by_reference(read_members(path)[TRACKER_PART])["D2"] == formula_cell
    second = run_sync(path, "2026-11-26")
    for report in (first, second):
        acme = next(row for row in report["rows"] if row["row"] == 2)
        assert (acme["action"], acme["urgency"]) == ("follow_up", "overdue")
    assert open_local(path).read().rows[0][3] == datetime(2026, 11, 2)


def test_an_unchanged_second_sync_writes_nothing(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    run_sync(path, "2026-11-26")
    written = path.read_bytes()
    backup = (tmp_path / "tracker.xlsm.bak").read_bytes()
    run_sync(path, "2026-11-26")
    assert path.read_bytes() == written
    assert (tmp_path / "tracker.xlsm.bak").read_bytes() == backup


def test_openpyxl_sees_values_dates_wrapping_and_the_hidden_state(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    run_sync(path, "2026-11-26")
    workbook = openpyxl.load_workbook(path)
    sheet: Any = workbook["Applications"]
    header = [cell.value for cell in sheet[1]]
    assert header[: len(HEADER)] == HEADER
    column = {text: index for index, text in enumerate(header, start=1)}
    due = sheet.cell(2, column["Due Date"])
    assert (due.value, due.number_format) == (datetime(2026, 11, 9), "yyyy-mm-dd")
    synced = sheet.cell(2, column["Last Synced"])
    assert isinstance(synced.value, datetime) and synced.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(3, column["Draft"]).alignment.wrap_text
    assert sheet.cell(3, column["Draft"]).value
    assert sheet.cell(2, column["Urgency"]).value
    assert sheet["D2"].value == "=DATE(2026,11,2)"
    assert workbook[STATE_SHEET].sheet_state == "veryHidden"
    assert workbook.sheetnames[:2] == ["Applications", "Contacts"]
    assert workbook.defined_names["Companies"].attr_text == "Applications!$A$2:$A$3"


def test_new_rows_and_cells_are_inserted_in_order(tmp_path: Path) -> None:
    xml = (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:C3"/><sheetData>'
        '<row r="1" spans="1:3"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>'
        '<row r="3"><c r="B3"><v>4</v></c></row></sheetData></worksheet>'
    ).encode()
    editor = SheetEditor(xml)
    editor.set_text(1, 2, "b", 0)
    editor.set_text(2, 5, "new row", 0)
    editor.set_number(5, 1, "7", 0)
    editor.set_number(3, 1, "8", 0)
    root = etree.fromstring(editor.to_bytes())
    rows = root.iter(f"{{{MAIN}}}row")
    layout = [(row.get("r"), [c.get("r") for c in row]) for row in rows]
    assert layout == [
        ("1", ["A1", "B1", "C1"]),
        ("2", ["E2"]),
        ("3", ["A3", "B3"]),
        ("5", ["A5"]),
    ]
    assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:E5"
    assert root.find(f".//{{{MAIN}}}row").get("spans") == "1:3"
    assert split_reference("AB12") == (12, column_index_from_string("AB"))


def test_a_column_range_is_split_for_a_new_owned_column() -> None:
    xml = (
        f'<worksheet xmlns="{MAIN}"><cols><col min="1" max="10" width="9" style="2"/></cols>'
        "<sheetData/></worksheet>"
    ).encode()
    editor = SheetEditor(xml)
    editor.set_column(4, 60.0, hidden=True)
    cols = etree.fromstring(editor.to_bytes()).find(f"{{{MAIN}}}cols")
    assert [(c.get("min"), c.get("max"), c.get("width"), c.get("hidden")) for c in cols] == [
        ("1", "3", "9", None),
        ("4", "4", "60", "1"),
        ("5", "10", "9", None),
    ]


def test_a_derived_cell_format_is_added_once_and_reused() -> None:
    styles = StyleBook(
        f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0" fontId="0"/>'
        '<xf numFmtId="0" fontId="1"/></cellXfs></styleSheet>'.encode()
    )
    first = styles.with_number_format(1, "yyyy-mm-dd")
    assert first == 2 and styles.changed
    assert styles.with_number_format(1, "yyyy-mm-dd") == first
    assert styles.with_number_format(first, "yyyy-mm-dd") == first
    wrapped = styles.with_wrapped_text(0)
    assert wrapped == 3 and styles.with_wrapped_text(wrapped) == wrapped
    root = etree.fromstring(styles.to_bytes())
    assert root.find(f"{{{MAIN}}}cellXfs").get("count") == "4"
    formats = root.find(f"{{{MAIN}}}numFmts")
    assert [(f.get("numFmtId"), f.get("formatCode")) for f in formats] == [("164", "yyyy-mm-dd")]


def test_replacing_a_formula_drops_the_calculation_chain(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.append(["Company", "Why"])
    sheet.append(["Acme", "=1+1"])
    workbook.save(path)
    members = read_members(path)
    members["xl/calcChain.xml"] = (
        f'<calcChain xmlns="{MAIN}"><c r="B2" i="1"/></calcChain>'.encode()
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Why", "a reason")], [], SyncState())
    after = read_members(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert open_local(path).read().rows == [["Acme", "a reason"]]


@pytest.mark.parametrize(("date1904", "serial"), [(False, "46352"), (True, "44890")])
def test_dates_follow_the_workbook_epoch(tmp_path: Path, date1904: bool, serial: str) -> None:
    path = tmp_path / "t.xlsx"
    workbook = openpyxl.Workbook()
    workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904 if date1904 else workbook.epoch
    sheet: Any = workbook.active
    sheet.append(["Company", "Due Date"])
    sheet.append(["Acme", None])
    workbook.save(path)
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(2, "Due Date", date(2026, 11, 26))], [], SyncState())
    assert f"<v>{serial}</v>".encode() in read_members(path)[TRACKER_PART]
    assert open_local(path).read().rows[0][1] == date(2026, 11, 26)


# -- streaming: untouched rows keep their bytes --------------------------------------------------

ODD_SHEET = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\r\n"
    f"<worksheet xmlns='{MAIN}' xmlns:x14ac='http://schemas.microsoft.com/office/spreadsheetml/"
    "2009/9/ac'>\r\n  <dimension ref='A1:C4'/>\r\n  <sheetData>\r\n"
    "    <row r='1' x14ac:dyDescent='0.25'><c r='A1' t='inlineStr'><is><t>a &gt; b</t></is></c>"
    "<c r='B1'  s = '0' ><v>2</v></c></row>\r\n"
    "    <row r='2' spans='1:3' note='x > y'><c r='A2'><v>1</v></c><c r='C2'/></row>\r\n"
    "    <row r='3'/>\r\n"
    "    <row r='4' ><c r='A4'><f>1+1</f><v>2</v></c></row >\r\n"
    "  </sheetData>\r\n  <pageMargins left='0.7'/>\r\n</worksheet>"
).encode()


def row_bytes(xml: bytes, number: int) -> bytes:
    found = re.search(rb"<row r=[\"']%d[\"'].*?</row\s*>" % number, xml)
    assert found is not None
    return found.group()


def test_only_the_edited_row_and_dimension_change_byte_for_byte() -> None:
    editor = SheetEditor(ODD_SHEET)
    assert editor.used_width(1) == 2
    assert editor.style_of(2, 3) == 0
    editor.set_text(2, 5, "new <text>", 0)
    after = editor.to_bytes()
    old_row, new_row = row_bytes(ODD_SHEET, 2), row_bytes(after, 2)
    assert old_row != new_row
    restored = after.replace(new_row, old_row).replace(b'ref="A1:E4"', b"ref='A1:C4'")
    assert restored == ODD_SHEET
    root = etree.fromstring(after)
    cell = root.find(f".//{{{MAIN}}}c[@r='E2']")
    assert cell is not None and cell.findtext(f".//{{{MAIN}}}t") == "new <text>"
    assert root.find(f".//{{{MAIN}}}row[@r='2']").get("spans") == "1:5"


def test_a_sync_copies_every_untouched_row_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet.append(["Company", "Why"])
    for number in range(2, 8):
        sheet.append([f"Company {number}", f"reason {number}"])
    workbook.save(path)
    before = read_members(path)[TRACKER_PART]
    backend = open_local(path)
    backend.read()
    backend.write([CellUpdate(4, "Why", "changed")], [], SyncState())
    after = read_members(path)[TRACKER_PART]
    old_row = re.search(rb'<row r="4".*?</row>', before)
    new_row = re.search(rb'<row r="4".*?</row>', after)
    assert old_row and new_row and old_row.group() != new_row.group()
    assert after.replace(new_row.group(), old_row.group()) == before


def test_a_prefixed_main_namespace_and_a_self_closing_sheet_data() -> None:
    xml = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1"/><x:sheetData/></x:worksheet>'
    ).encode()
    editor = SheetEditor(xml)
    editor.set_number(3, 2, "5", 0)
    editor.set_text(1, 1, "head", 0)
    after = editor.to_bytes()
    assert b"<x:sheetData><x:row" in after and b"</x:row></x:sheetData>" in after
    root = etree.fromstring(after)
    rows = root.iter(f"{{{MAIN}}}row")
    assert [(row.get("r"), [c.get("r") for c in row]) for row in rows] == [
        ("1", ["A1"]),
        ("3", ["B3"]),
    ]
    assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:B3"


def test_comments_and_cdata_in_the_rows_are_read_by_a_full_parse() -> None:
    xml = (
        f'<worksheet xmlns="{MAIN}"><sheetData><!-- <row r="9"><c r="A9"/></row> -->'
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</row> & more]]></t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    editor = SheetEditor(xml)
    assert editor.used_width(1) == 1
    editor.set_text(2, 1, "two", 0)
    root = etree.fromstring(editor.to_bytes())
    assert [row.get("r") for row in root.iter(f"{{{MAIN}}}row")] == ["1", "2"]
    assert root.findtext(f".//{{{MAIN}}}t") == "</row> & more"


# -- zip members: unchanged ones keep their stored bytes ----------------------------------------


class _Unseekable:
    """A stream zipfile cannot seek back in, so it writes data descriptors."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def rezip(path: Path, *, descriptors: bool = False, zip64: bool = False) -> None:
    """Rewrite the workbook at compression level 1 (never what syncer uses), images stored."""
    members = read_members(path)
    target: Any = _Unseekable() if descriptors else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in members.items():
            entry: Any = name
            if name.endswith(".png"):
                entry = zipfile.ZipInfo(name, (2024, 5, 6, 7, 8, 10))
                entry.external_attr = 0o640 << 16
            with archive.open(entry, "w", force_zip64=zip64) as member:
                member.write(content)
    path.write_bytes((target.buffer if descriptors else target).getvalue())


def stored_members(path: Path) -> dict[str, tuple[bytes, tuple[Any, ...]]]:
    """Each member's local header, stored data and data descriptor, and its directory entry."""
    data = path.read_bytes()
    found = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            start = info.header_offset
            flags = struct.unpack_from("<H", data, start + 6)[0]
            names, extras = struct.unpack_from("<HH", data, start + 26)
            end = start + 30 + names + extras + info.compress_size
            if flags & 0x08:
                end += 4 if data[end : end + 4] == b"PK\x07\x08" else 0
                end += 20 if extras else 12
            entry = (info.date_time, info.compress_type, info.flag_bits, info.CRC)
            found[info.filename] = (data[start:end], (*entry, info.external_attr, info.extra))
    return found


@pytest.mark.parametrize(
    ("descriptors", "zip64"), [(False, False), (True, False), (True, True), (False, True)]
)
def test_unchanged_members_keep_their_stored_bytes(
    tmp_path: Path, descriptors: bool, zip64: bool
) -> None:
    path = rich_tracker(tmp_path)
    rezip(path, descriptors=descriptors, zip64=zip64)
    original = stored_members(path)
    recompressed = zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("xl/styles.xml")
    assert zlib.compress(recompressed)[2:-4] not in original["xl/styles.xml"][0]  # can fail
    run_sync(path, "2026-11-26")
    after = stored_members(path)
    rewritten = {TRACKER_PART, "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    rewritten |= {"[Content_Types].xml", "xl/styles.xml"}
    kept = [name for name in original if name not in rewritten]
    assert len(kept) >= 10
    assert all(after[name] == original[name] for name in kept)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    assert openpyxl.load_workbook(path)["Applications"]["A2"].value == "Acme"


def test_a_member_whose_descriptor_does_not_match_is_recompressed(tmp_path: Path) -> None:
    path = rich_tracker(tmp_path)
    rezip(path, descriptors=True)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/media/image1.png")
    names, extras = struct.unpack_from("<HH", data, info.header_offset + 26)
    descriptor = info.header_offset + 30 + names + extras + info.compress_size
    assert data[descriptor : descriptor + 4] == b"PK\x07\x08"
    data[descriptor + 4 : descriptor + 8] = b"\0\0\0\0"  # a wrong CRC in the descriptor
    source = bytes(data)
    assert not ZipCopier(io.BytesIO()).copy_raw(source, info)
    path.write_bytes(source)
    run_sync(path, "2026-11-26")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.read("xl/media/image1.png") == EXTRA_MEMBERS["xl/media/image1.png"]
        assert not archive.getinfo("xl/media/image1.png").flag_bits & 0x08


def test_an_edited_row_keeps_its_prefixed_attributes_without_new_declarations() -> None:
    editor = SheetEditor(ODD_SHEET)
    editor.set_text(1, 3, "owned", 0)
    after = editor.to_bytes()
    row = row_bytes(after, 1)
    assert row.startswith(b'<row r="1" x14ac:dyDescent="0.25">') and b"xmlns" not in row
    assert row_bytes(after, 2) == row_bytes(ODD_SHEET, 2)
    cells = etree.fromstring(after).find(f".//{{{MAIN}}}row")
    assert [c.get("r") for c in cells] == ["A1", "B1", "C1"]


def test_rows_and_cells_numbered_by_position() -> None:
    xml = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row><c><v>1</v></c><c><v>2</v></c></row>'
        "<row><c><v>3</v></c></row></sheetData></worksheet>"
    ).encode()
    editor = SheetEditor(xml)
    assert editor.used_width(1) == 2
    editor.set_number(2, 2, "4", 0)
    root = etree.fromstring(editor.to_bytes())
    rows = [(row.get("r"), [c.get("r") for c in row]) for row in root.iter(f"{{{MAIN}}}row")]
    assert rows == [(None, [None, None]), ("2", ["A2", "B2"])]
