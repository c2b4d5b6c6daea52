"""The bad-input catalogue, tracker-level cases: headers, sizes, workbooks and csv dialects.

A tracker problem fails that tracker (exit 1) with a message naming it and the header or file
problem, and writes nothing; a tracker that is odd but usable syncs without touching a person's
cell.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.catalogue.helpers import (
    BASE_HEADER,
    OWNED_HEADERS,
    Run,
    assert_person_cells_kept,
    assert_tracker_failed,
    assert_xlsx_person_cells_kept,
    csv_file,
    csv_line,
    follow_up_due,
    owned_cells,
    read_csv,
    sync,
    xlsx_cells,
    xlsx_file,
    xlsx_owned,
)

APPLIED = "2026-11-18"
DUE = follow_up_due(date.fromisoformat(APPLIED)).isoformat()
ROWS = [
    ["Acme", "Dev", "applied", APPLIED, "note", "mine"],
    ["Globex", "Analyst", "wishlist", "", "", "0042"],
]


def config_file(tmp_path: Path, source: Path, **settings: object) -> Path:
    lines = ["[[trackers]]", f'source = "{source.name}"']
    for key, value in settings.items():
        lines.append(f"{key} = {value!r}" if isinstance(value, int) else f'{key} = "{value}"')
    path = tmp_path / "syncer.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def files_beside(path: Path) -> dict[str, bytes]:
    """The tracker file, its backup and its state sidecar, as they are now."""
    names = [path.name, path.name + ".bak", path.name + ".syncer.json"]
    return {
        name: (path.parent / name).read_bytes() for name in names if (path.parent / name).exists()
    }


def assert_untouched(path: Path, before: dict[str, bytes], run: Run) -> None:
    """A failed tracker: the file, its backup and its state hold the same bytes as before."""
    assert run.tracker["cells_written"] == 0
    assert files_beside(path) == before


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["Company", "Position", "Stage", "stage"], ("'stage' (column D)", "'Stage' (column C)")),
        (
            ["Company", "Position", "Stage", "Due Date", "Due_Date"],
            ("'Due_Date' (column E)", "'Due Date' (column D)"),
        ),
    ],
    ids=["input", "owned"],
)
def test_duplicate_header(tmp_path: Path, header: list[str], words: tuple[str, ...]) -> None:
    path = csv_file(tmp_path / "t.csv", header, [["Acme", "Dev", "applied", "", ""]])
    original = files_beside(path)
    run = sync(path)
    assert_tracker_failed(run, path, "duplicates", "rename one", *words)
    assert_untouched(path, original, run)


def test_a_persons_own_header_may_repeat(tmp_path: Path) -> None:
    header = [*BASE_HEADER, "My Column"]
    path = csv_file(tmp_path / "t.csv", header, [[*ROWS[0], "again"]])
    before = read_csv(path)
    run = sync(path)
    assert run.exit_code == 0 and run.tracker["errors"] == []
    assert_person_cells_kept(before, read_csv(path))


@pytest.mark.parametrize("change", ["renamed", "missing"])
def test_owned_header_renamed_or_missing_after_a_sync(tmp_path: Path, change: str) -> None:
    path = csv_file(tmp_path / "t.csv", BASE_HEADER, ROWS)
    assert sync(path).exit_code == 0
    rows = read_csv(path)
    due = rows[0].index("Due Date")
    if change == "renamed":
        rows[0][due] = "When"
    else:
        rows = [row[:due] + row[due + 1 :] for row in rows]
    path.write_bytes("".join(csv_line(row) for row in rows).encode())
    original = files_beside(path)
    run = sync(path)
    assert_tracker_failed(run, path, "owned header 'Due Date'", "missing or was renamed")
    assert_untouched(path, original, run)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_title_rows_above_the_header(tmp_path: Path, suffix: str) -> None:
    """Two title rows: without header_row the tracker fails naming the missing headers; with
    header_row = 3 it syncs and the title rows stay as they were."""
    path = tmp_path / f"t{suffix}"
    above = [["My job hunt 2026"], ["updated weekly", "", "by me"]]
    if suffix == ".csv":
        text = "".join(csv_line(row) for row in [*above, BASE_HEADER, *ROWS])
        path.write_bytes(text.encode())
    else:
        xlsx_file(path, BASE_HEADER, ROWS, above=above)
    original = files_beside(path)
    failed = sync(path)
    assert_tracker_failed(failed, path, "missing required headers", "'Company'", "header row")
    assert_untouched(path, original, failed)

    before = read_csv(path) if suffix == ".csv" else None
    cells = xlsx_cells(path) if suffix == ".xlsx" else None
    run = sync(config=config_file(tmp_path, path, header_row=3))
    assert run.exit_code == 0, run.output
    if before is not None:
        assert_person_cells_kept(before, read_csv(path), header_index=2)
        assert owned_cells(path, 4, header_row=3)["Due Date"] == DUE
    if cells is not None:
        assert_xlsx_person_cells_kept(cells, path, header_row=3)
        assert str(xlsx_owned(path, 4, header_row=3)["Due Date"])[:10] == DUE
    row = run.row(4)
    assert (row["action"], row["due"]) == ("follow_up", DUE)


def test_owned_column_moved_between_runs(tmp_path: Path) -> None:
    """A person drags Urgency and Next Action to the front: found by header, written there."""
    path = csv_file(tmp_path / "t.csv", BASE_HEADER, ROWS)
    assert sync(path).exit_code == 0
    rows = read_csv(path)
    order = [rows[0].index("Urgency"), rows[0].index("Next Action")]
    order += [i for i in range(len(rows[0])) if i not in order]
    moved = [[row[i] for i in order] for row in rows]
    moved[2][moved[0].index("Stage")] = "applied"
    moved[2][moved[0].index("Applied On")] = APPLIED
    path.write_bytes("".join(csv_line(row) for row in moved).encode())
    before = read_csv(path)
    run = sync(path)
    assert run.exit_code == 0 and run.tracker["conflicts"] == [] and run.tracker["errors"] == []
    assert_person_cells_kept(before, read_csv(path))
    assert read_csv(path)[0][:2] == ["Urgency", "Next Action"]
    assert owned_cells(path, 3)["Urgency"] == "overdue"
    assert owned_cells(path, 3)["Next Action"] == "Follow up"
    assert owned_cells(path, 2)["Urgency"] == "overdue"


def test_merged_cells_in_a_workbook(tmp_path: Path) -> None:
    """Merged title cells above the header, a Notes cell merged over two rows, and an owned
    cell a person merged after the first sync: merges kept, no crash, the merged-away owned
    cell is left alone."""
    path = xlsx_file(tmp_path / "t.xlsx", BASE_HEADER, [*ROWS, list(ROWS[0])], above=[["Hunt"]])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("E3:E4")
    book.save(path)
    config = config_file(tmp_path, path, header_row=2)
    first = sync(config=config)
    assert first.exit_code == 0, first.output
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[2]]
    urgency = header.index("Urgency") + 1
    letter = sheet.cell(3, urgency).column_letter
    sheet.merge_cells(f"{letter}3:{letter}4")  # the person merges two rows' Urgency cells
    sheet["C3"].value = "wishlist"
    sheet["C4"].value = "wishlist"
    book.save(path)
    cells = xlsx_cells(path)
    merges = sorted(str(r) for r in load_workbook(path).worksheets[0].merged_cells.ranges)
    run = sync(config=config)
    assert run.exit_code == 0, run.output
    assert_xlsx_person_cells_kept(cells, path, header_row=2)
    after = load_workbook(path).worksheets[0]
    assert sorted(str(r) for r in after.merged_cells.ranges) == merges
    assert after.cell(3, urgency).value == "done"
    assert after.cell(4, urgency).value is None  # merged away: kept, and reported
    assert any(f"row 4, column Urgency ({letter}4)" in m for m in run.messages()), run.messages()


def test_headers_only(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "t.csv", BASE_HEADER, [])
    before = read_csv(path)
    run = sync(path)
    assert run.exit_code == 0, run.output
    assert run.tracker["rows"] == [] and run.tracker["errors"] == []
    after = read_csv(path)
    assert_person_cells_kept(before, after)
    assert after[0][len(BASE_HEADER) :] in ([], OWNED_HEADERS)


def test_zero_rows_where_the_last_run_saw_200(tmp_path: Path) -> None:
    rows = [[f"Co {i}", "Dev", "applied", APPLIED, "", ""] for i in range(200)]
    path = csv_file(tmp_path / "t.csv", BASE_HEADER, rows)
    assert sync(path).exit_code == 0
    header = path.read_bytes().split(b"\r\n", 1)[0]
    path.write_bytes(header + b"\r\n")
    original = files_beside(path)
    run = sync(path)
    assert_tracker_failed(run, path, "read 0 data rows where the last run saw 200", "--force")
    assert_untouched(path, original, run)


def test_20000_rows_by_100_columns(tmp_path: Path) -> None:
    """A wide, long csv syncs whole and keeps every person's cell (its speed is measured by
    the benchmarks under bench/, never timed here: a busy machine would fail a timed test)."""
    extra = [f"Col {i}" for i in range(100 - len(BASE_HEADER))]
    header = [*BASE_HEADER, *extra]
    filler = [f"v{i}" for i in range(len(extra))]
    stages = ["applied", "wishlist", "daydreaming", "rejected"]
    rows = [[f"Co {i}", "Dev", stages[i % 4], APPLIED, "", str(i), *filler] for i in range(20_000)]
    path = csv_file(tmp_path / "t.csv", header, rows)
    before = read_csv(path)
    run = sync(path)
    assert run.exit_code == 0, run.output
    assert len(run.tracker["rows"]) == 20_000
    assert sum(1 for row in run.tracker["rows"] if row["urgency"] == "invalid") == 10_000
    assert run.row(19_998)["action"] == "follow_up" and run.row(19_999)["action"] == "none"
    assert run.row(20_000)["urgency"] == run.row(20_001)["urgency"] == "invalid"
    assert_person_cells_kept(before, read_csv(path))


# -- workbooks --------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("corrupt", ("not a readable .xlsx file",)),
        ("truncated", ("not a readable .xlsx file",)),
        ("not-a-workbook", ("no xl/workbook.xml",)),
        ("password", ("password-protected", "Remove the password")),
    ],
)
def test_unusable_workbooks(tmp_path: Path, kind: str, words: tuple[str, ...]) -> None:
    good = xlsx_file(tmp_path / "good.xlsx", BASE_HEADER, ROWS)
    path = tmp_path / "t.xlsx"
    if kind == "corrupt":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:900])
    elif kind == "not-a-workbook":
        _zip(path, {"hello.txt": b"hi"})
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    original = path.read_bytes()
    good_before = xlsx_cells(good)
    run = sync(path, good)
    assert run.exit_code == 1
    bad, fine = run.document["trackers"]
    assert bad["status"] == "failed" and bad["source"] == str(path)
    for word in words:
        assert word in bad["failed"], (word, bad["failed"])
    assert path.read_bytes() == original
    assert fine["status"] == "synced"  # the other tracker still syncs
    assert_xlsx_person_cells_kept(good_before, good)


@pytest.mark.parametrize("suffix", [".xlsm", ".xlsx"])
def test_a_workbook_with_macros_syncs_and_keeps_them(tmp_path: Path, suffix: str) -> None:
    plain = xlsx_file(tmp_path / "plain.xlsx", BASE_HEADER, ROWS)
    with zipfile.ZipFile(plain) as source:
        members = {name: source.read(name) for name in source.namelist()}
    macro = b"\xd0\xcf\x11\xe0 a VBA project, byte for byte"
    path = _zip(tmp_path / f"t{suffix}", {**members, "xl/vbaProject.bin": macro})
    before = xlsx_cells(path)
    run = sync(path)
    assert run.exit_code == 0, run.output
    assert run.tracker["status"] == "synced"
    with zipfile.ZipFile(path) as written:
        assert written.read("xl/vbaProject.bin") == macro
    assert_xlsx_person_cells_kept(before, path)


def test_a_deleted_tab(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "t.xlsx", BASE_HEADER, ROWS, title="Now")
    original = files_beside(path)
    run = sync(config=config_file(tmp_path, path, tab="Applications"))
    assert_tracker_failed(run, path, "no tab named 'Applications'", "the tabs are: Now")
    assert_untouched(path, original, run)


def test_a_tab_titled_with_an_apostrophe_and_an_emoji(tmp_path: Path) -> None:
    title = "O'Brien's 🎯"
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Read me"
    first.append(["Company", "Position", "Stage"])  # a decoy: not the tracker
    tracker = book.create_sheet(title)
    for row in [BASE_HEADER, *ROWS]:
        tracker.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    cells = xlsx_cells(path)
    run = sync(config=config_file(tmp_path, path, tab=title))
    assert run.exit_code == 0, run.output
    assert_xlsx_person_cells_kept(cells, path, tab=title)
    sheet = load_workbook(path)[title]
    header = [cell.value for cell in sheet[1]]
    assert header[len(BASE_HEADER) :] == OWNED_HEADERS
    assert sheet.cell(2, header.index("Urgency") + 1).value == "overdue"
    assert [c.value for c in load_workbook(path)["Read me"][1]] == ["Company", "Position", "Stage"]


# -- csv dialects -----------------------------------------------------------------------------

BIG = "x" * 131_073 + "\r\nend"


@pytest.mark.parametrize(
    "dialect", ["bom", "semicolon", "crlf-in-quotes", "field-over-131072", "all-at-once"]
)
def test_csv_dialects(tmp_path: Path, dialect: str) -> None:
    delimiter = ";" if dialect in ("semicolon", "all-at-once") else ","
    notes = {
        "crlf-in-quotes": "line one\r\nline two",
        "field-over-131072": BIG,
        "all-at-once": "a; b\r\n" + BIG,
    }.get(dialect, "plain; note")
    rows = [["Acme; Inc", "Dev", "applied", APPLIED, notes, "0042"], ROWS[1]]
    text = "".join(csv_line(row, delimiter) for row in [BASE_HEADER, *rows])
    bom = dialect in ("bom", "all-at-once")
    path = tmp_path / "t.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    original = path.read_bytes()
    before = read_csv(path, delimiter)
    run = sync(path)
    assert run.exit_code == 0, run.output
    assert run.tracker["errors"] == []
    after_bytes = path.read_bytes()
    assert after_bytes.startswith(b"\xef\xbb\xbf") == bom
    first_line = original.split(b"\r\n", 1)[0]
    assert after_bytes.startswith(first_line + delimiter.encode() + b"Next Action")
    after = read_csv(path, delimiter)
    assert_person_cells_kept(before, after)
    assert after[1][4] == notes
    row = run.row(2)
    assert (row["action"], row["due"]) == ("follow_up", DUE)
    assert after[1][after[0].index("Due Date")] == DUE
