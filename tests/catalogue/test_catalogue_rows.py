"""The bad-input catalogue, row-level cases: each row problem is a message, never a crash.

Every test runs ``syncer sync FILE --today 2026-11-26 --json`` on a .csv (and, where the format
changes what a cell can hold, a .xlsx), then checks: no traceback, a message naming the tracker,
row and column, every person's cell unchanged, and the owned result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from syncer.backends.xlsx import XLSX_CELL_LIMIT
from syncer.drafts import CELL_LIMIT, SHORTENED_MARKER
from tests.catalogue.helpers import (
    BASE_HEADER,
    OWNED_HEADERS,
    TODAY_DATE,
    Run,
    assert_person_cells_kept,
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
APPLIED_DUE = follow_up_due(date.fromisoformat(APPLIED)).isoformat()


@dataclass
class Case:
    """A tracker file written, synced, and checked for untouched person's cells."""

    path: Path
    run: Run

    def owned(self, sheet_row: int) -> dict[str, object]:
        if self.path.suffix == ".csv":
            return dict(owned_cells(self.path, sheet_row))
        return xlsx_owned(self.path, sheet_row)


def run_case(
    tmp_path: Path,
    suffix: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    config: str | None = None,
    formulas: bool = True,
) -> Case:
    """Write the tracker, sync it once (with a config when given), check the person's cells."""
    path = tmp_path / f"tracker{suffix}"
    config_path = None
    if config is not None:
        config_path = tmp_path / "syncer.toml"
        config_path.write_text(f'{config}\n[[trackers]]\nsource = "{path.name}"\n')
    if suffix == ".csv":
        csv_file(path, header, rows)
        before = read_csv(path)
        run = sync(config=config_path) if config_path else sync(path)
        assert_person_cells_kept(before, read_csv(path))
    else:
        xlsx_file(path, header, rows, formulas=formulas)
        cells = xlsx_cells(path)
        run = sync(config=config_path) if config_path else sync(path)
        assert_xlsx_person_cells_kept(cells, path)
    assert "Traceback" not in run.output
    return Case(path, run)


def problem(run: Run, path: Path, sheet_row: int, column: str, *words: str) -> str:
    """The row is invalid; one message names the tracker, ``row N`` and the column header."""
    assert run.exit_code == 0, run.output
    assert run.row(sheet_row)["urgency"] == "invalid"
    row_word = re.compile(rf"\brow {sheet_row}\b")
    found = [
        message
        for message in run.tracker["errors"]
        if message.startswith(str(path)) and row_word.search(message) and column in message
    ]
    assert found, (sheet_row, column, run.tracker["errors"])
    for word in words:
        assert any(word in message for message in found), (word, found)
    assert column in run.row(sheet_row)["why"]
    return found[0]


def applied_row(applied: object = APPLIED, **cells: object) -> list[object]:
    """A row of BASE_HEADER: Company, Position, Stage, Applied On, Notes, My Column."""
    values = {"Company": "Acme", "Position": "Dev", "Stage": "applied", "Applied On": applied}
    values.update({key.replace("_", " "): value for key, value in cells.items()})
    return [values.get(name, "") for name in BASE_HEADER]


def assert_follow_up(run: Run, sheet_row: int, due: str = APPLIED_DUE) -> None:
    row = run.row(sheet_row)
    assert (row["action"], row["due"]) == ("follow_up", due), row
    assert not [e for e in run.tracker["errors"] if re.search(rf"\brow {sheet_row}\b", e)]


# -- text that looks like something else --------------------------------------------------------

FORMULA_PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=repr)
def test_formula_like_text_is_plain_text(tmp_path: Path, suffix: str, prefix: str) -> None:
    """Company, Notes and a person's column starting with a formula trigger: read as text, the
    row is planned as usual, and the draft that repeats the company name is stored as text."""
    company = f'{prefix}HYPERLINK("http://evil","Acme")'
    rows = [applied_row(Company=company, Notes=f"{prefix}1+1", My_Column=f"{prefix}cmd|' /C calc")]
    case = run_case(tmp_path, suffix, BASE_HEADER, rows, formulas=False)
    assert_follow_up(case.run, 2)
    draft = str(case.owned(2)["Draft"])
    assert company.strip() in draft
    assert not draft.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_syntax_in_notes_and_topics_stays_literal(tmp_path: Path, suffix: str) -> None:
    header = [*BASE_HEADER, "Topics Discussed", "Preferred Channel"]
    topics = "{{ 7*7 }} and {% for x in range(3) %}loop{% endfor %}"
    notes = "{{ config }} {# hidden #} {% raw %}"
    rows = [[*applied_row(Notes=notes), topics, "phone"]]
    case = run_case(tmp_path, suffix, header, rows)
    assert_follow_up(case.run, 2)
    draft = str(case.owned(2)["Draft"])
    assert topics in draft and notes in draft  # the phone talking points repeat the notes
    assert "49" not in draft and "looploop" not in draft


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_60000_character_note_is_kept_and_the_draft_fits_a_cell(
    tmp_path: Path, suffix: str
) -> None:
    note = ("Long note about the role. " * 2400)[:60_000]
    header = [*BASE_HEADER, "Topics Discussed", "Preferred Channel"]
    rows = [[*applied_row(Notes=note), note, "phone"]]
    case = run_case(tmp_path, suffix, header, rows)
    assert_follow_up(case.run, 2)
    draft = str(case.owned(2)["Draft"])
    assert 0 < len(draft) <= (CELL_LIMIT if suffix == ".csv" else XLSX_CELL_LIMIT)
    assert draft.endswith(SHORTENED_MARKER)


def test_a_long_draft_in_xlsx_is_not_a_conflict_on_the_next_run(tmp_path: Path) -> None:
    note = ("Long note about the role. " * 1200)[:30_000]  # fits an .xlsx cell
    header = [*BASE_HEADER, "Topics Discussed", "Preferred Channel"]
    case = run_case(tmp_path, ".xlsx", header, [[*applied_row(Notes=note), note, "phone"]])
    assert case.run.tracker["conflicts"] == []
    again = sync(case.path)
    assert again.tracker["conflicts"] == []
    assert again.tracker["cells_written"] == 0


def test_control_characters_in_text_cells(tmp_path: Path) -> None:
    """csv can hold any character: NUL, bell, escape, DEL, vertical tab."""
    company = "Ac\x00me\x07 Co\x1b"
    rows = [applied_row(Company=company, Notes="a\x0bb\x7fc\x01", My_Column="\x1f")]
    case = run_case(tmp_path, ".csv", BASE_HEADER, rows)
    assert_follow_up(case.run, 2)
    assert company in str(case.owned(2)["Draft"])


def test_control_characters_never_reach_an_xlsx_cell(tmp_path: Path) -> None:
    """A .xlsx cannot hold most control characters: the draft that repeats the name loses
    them (the person's cells, which could not contain them, are untouched)."""
    header = [*BASE_HEADER, "Topics Discussed"]
    path = xlsx_file(tmp_path / "t.xlsx", header, [[*applied_row(Company="Acme"), "the team"]])
    csv_case = run_case(
        tmp_path, ".csv", header, [[*applied_row(Company="Acme"), "the\x07 te\x1bam"]]
    )
    assert "\x07" in str(csv_case.owned(2)["Draft"])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet["G2"].value = "the team"  # a person's text; the control characters come from csv only
    book.save(path)
    cells = xlsx_cells(path)
    run = sync(path)
    assert_xlsx_person_cells_kept(cells, path)
    assert_follow_up(run, 2)
    draft = str(xlsx_owned(path, 2)["Draft"])
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", draft)


def test_right_to_left_and_zero_width_characters_in_names(tmp_path: Path) -> None:
    """Names keep their marks exactly; a zero-width space pasted into a stage or a date (copied
    from a web page) does not make the row invalid."""
    company = "\u200fשלום בע״מ\u200f"
    contact = "Zo\u200beï \u202eevil\u202c"
    header = [*BASE_HEADER, "Contact Name"]
    rows = [
        [*applied_row(Company=company), contact],
        [*applied_row(applied=f"\u200b{APPLIED}\u200b", Stage="\ufeffapplied\u200b"), ""],
    ]
    case = run_case(tmp_path, ".csv", header, rows)
    assert_follow_up(case.run, 2)
    assert_follow_up(case.run, 3)
    draft = str(case.owned(2)["Draft"])
    assert company in draft and contact in draft


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["MDY", "DMY"])
def test_31_february_is_a_bad_date_in_either_order(tmp_path: Path, order: str) -> None:
    rows = [applied_row("31/02/2025"), applied_row()]
    case = run_case(
        tmp_path, ".csv", BASE_HEADER, rows, config=f'[defaults]\ndate_order = "{order}"'
    )
    problem(case.run, case.path, 2, "Applied On", "'31/02/2025'", "not a real date")
    assert_follow_up(case.run, 3)
    assert case.owned(2)["Urgency"] == "invalid"
    assert case.owned(2)["Next Action"] == "" and case.owned(2)["Due Date"] == ""


@pytest.mark.parametrize(
    ("order", "meant"),
    [("MDY", date(2025, 3, 4)), ("DMY", date(2025, 4, 3))],
)
def test_03_04_2025_follows_the_date_order(tmp_path: Path, order: str, meant: date) -> None:
    config = f'[defaults]\ndate_order = "{order}"'
    case = run_case(tmp_path, ".csv", BASE_HEADER, [applied_row("03/04/2025")], config=config)
    due = follow_up_due(meant)
    assert_follow_up(case.run, 2, due.isoformat())
    assert case.owned(2)["Due Date"] == due.isoformat()
    assert case.owned(2)["Urgency"] == "overdue"


def test_03_04_2025_is_not_a_ymd_date(tmp_path: Path) -> None:
    config = '[defaults]\ndate_order = "YMD"'
    case = run_case(tmp_path, ".csv", BASE_HEADER, [applied_row("03/04/2025")], config=config)
    problem(case.run, case.path, 2, "Applied On", "'03/04/2025'", "YYYY/MM/DD")


@pytest.mark.parametrize("text", ["03/04", "April 3", "3 Apr", "04-03"])
def test_a_date_without_a_year(tmp_path: Path, text: str) -> None:
    case = run_case(tmp_path, ".csv", BASE_HEADER, [applied_row(text), applied_row()])
    problem(case.run, case.path, 2, "Applied On", repr(text), "expected YYYY-MM-DD")
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", ("'0'",)),
        ("-3", ("'-3'",)),
        ("9999-01-01", ("year 9999",)),
        ("12/31/9999", ("year 9999",)),
    ],
)
def test_serial_zero_negative_or_year_9999_in_csv(
    tmp_path: Path, value: str, words: tuple[str, ...]
) -> None:
    case = run_case(tmp_path, ".csv", BASE_HEADER, [applied_row(value), applied_row()])
    problem(case.run, case.path, 2, "Applied On", *words)
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, ("serial date 0", "out of range")),
        (-3, ("serial date -3", "out of range")),
        (datetime(9999, 12, 31), ("year 9999", "out of range")),
    ],
    ids=["serial-0", "serial-negative", "year-9999"],
)
def test_serial_zero_negative_or_year_9999_in_xlsx(
    tmp_path: Path, value: object, words: tuple[str, ...]
) -> None:
    case = run_case(tmp_path, ".xlsx", BASE_HEADER, [applied_row(value), applied_row()])
    problem(case.run, case.path, 2, "Applied On", *words)
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_past_only_date_in_the_future(tmp_path: Path, suffix: str) -> None:
    header = [*BASE_HEADER, "Last Response"]
    rows = [[*applied_row(), "2026-12-01"], [*applied_row(), ""]]
    case = run_case(tmp_path, suffix, header, rows)
    problem(case.run, case.path, 2, "Last Response", "after today", TODAY_DATE.isoformat())
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("text", ["#REF!", "#N/A", "#VALUE!"])
def test_spreadsheet_errors_in_a_date_column(tmp_path: Path, suffix: str, text: str) -> None:
    case = run_case(tmp_path, suffix, BASE_HEADER, [applied_row(text), applied_row()])
    problem(case.run, case.path, 2, "Applied On", repr(text), "not a date")
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formula_today_in_a_persons_column(tmp_path: Path, suffix: str) -> None:
    """In a .csv ``=TODAY()`` is text: a bad date, named. In a .xlsx the formula stays a formula
    (a file no spreadsheet app has saved has no computed value: the date reads as blank)."""
    rows = [applied_row("=TODAY()", My_Column="=TODAY()"), applied_row()]
    case = run_case(tmp_path, suffix, BASE_HEADER, rows)
    if suffix == ".csv":
        problem(case.run, case.path, 2, "Applied On", "'=TODAY()'")
    else:
        problem(case.run, case.path, 2, "Applied On", "blank")
        sheet = load_workbook(case.path).worksheets[0]
        assert sheet["D2"].value == "=TODAY()" and sheet["F2"].value == "=TODAY()"
    assert_follow_up(case.run, 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_true_false_checkboxes(tmp_path: Path, suffix: str) -> None:
    """A checkbox in a date column is named as not a date; a checkbox in a person's own column
    is theirs and is kept as it is (TRUE stays TRUE, a boolean stays a boolean)."""
    checked: object = True if suffix == ".xlsx" else "TRUE"
    unchecked: object = False if suffix == ".xlsx" else "FALSE"
    header = [*BASE_HEADER, "Thank-You Sent", "Follow-Ups Sent"]
    rows = [
        [*applied_row(My_Column=checked), checked, ""],
        [*applied_row(My_Column=unchecked), "", unchecked],
        [*applied_row(My_Column=checked), "", ""],
    ]
    case = run_case(tmp_path, suffix, header, rows)
    problem(case.run, case.path, 2, "Thank-You Sent", "TRUE", "not a date")
    problem(case.run, case.path, 3, "Follow-Ups Sent", "FALSE", "whole number")
    assert_follow_up(case.run, 4)


# -- stages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_unknown_stage(tmp_path: Path, suffix: str) -> None:
    case = run_case(tmp_path, suffix, BASE_HEADER, [applied_row(Stage="daydreaming")])
    problem(case.run, case.path, 2, "Stage", "'daydreaming'", "unknown stage", "interviewed")
    assert case.owned(2)["Urgency"] == "invalid"


@pytest.mark.parametrize(
    "stage",
    ["  Interview   SCHEDULED ", "interview-scheduled", "INTERVIEW_scheduled", "\tInterviewing"],
)
def test_stage_with_odd_spacing_and_case(tmp_path: Path, stage: str) -> None:
    header = ["Company", "Position", "Stage", "Interview Date"]
    case = run_case(tmp_path, ".csv", header, [["Acme", "Dev", stage, "2026-12-03"]])
    row = case.run.row(2)
    assert (row["action"], row["due"], row["urgency"]) == (
        "prepare_interview",
        "2026-12-01",
        "upcoming",
    )
    assert case.run.tracker["errors"] == []


# -- numbers that are text --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_phone_and_zip_with_leading_zeros_stay_text(tmp_path: Path, suffix: str) -> None:
    header = [*BASE_HEADER, "Contact Phone", "Preferred Channel", "Zip"]
    rows = [[*applied_row(), "007123", "phone", "02139"]]
    case = run_case(tmp_path, suffix, header, rows)
    assert_follow_up(case.run, 2)
    assert "007123" in str(case.owned(2)["Draft"])
    if suffix == ".xlsx":
        sheet = load_workbook(case.path).worksheets[0]
        assert (sheet["G2"].value, sheet["I2"].value) == ("007123", "02139")
    else:
        assert read_csv(case.path)[1][6:9] == ["007123", "phone", "02139"]


# -- owned cells a person typed into ----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_persons_value_typed_into_an_owned_cell_is_kept(tmp_path: Path, suffix: str) -> None:
    """Before any sync (an Urgency column the person made) and after one (Next Action typed
    over): the cell is kept and the conflict names tracker, row and column."""
    header = [*BASE_HEADER, "Urgency"]
    rows = [[*applied_row(), "hot!"], [*applied_row(), ""]]
    case = run_case(tmp_path, suffix, header, rows)
    conflicts = case.run.tracker["conflicts"]
    assert any(
        c.startswith(str(case.path)) and "row 2, column Urgency (G2)" in c for c in conflicts
    ), conflicts
    assert case.owned(2)["Urgency"] == "hot!"
    assert case.owned(3)["Urgency"] == "overdue"

    type_over_next_action(case.path)
    before = read_csv(case.path) if suffix == ".csv" else None
    cells = xlsx_cells(case.path) if suffix == ".xlsx" else None
    again = sync(case.path)
    if before is not None:
        assert_person_cells_kept(before, read_csv(case.path))
    if cells is not None:
        assert_xlsx_person_cells_kept(cells, case.path)
    owned = case.owned(2)
    assert owned["Next Action"] == "Called Bob"
    due = follow_up_due(date(2026, 11, 20))
    assert str(owned["Due Date"])[:10] == due.isoformat()  # the rest of the row moved on
    assert any("row 2, column Next Action" in c and "kept" in c for c in again.tracker["conflicts"])


def type_over_next_action(path: Path) -> None:
    """A person types over row 2's Next Action and moves both rows' Applied On to 11-20."""
    if path.suffix == ".csv":
        rows = read_csv(path)
        rows[1][rows[0].index("Next Action")] = "Called Bob"
        for row in rows[1:3]:
            row[rows[0].index("Applied On")] = "2026-11-20"
        path.write_bytes("".join(csv_line(row) for row in rows).encode())
        return
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(2, header.index("Next Action") + 1).value = "Called Bob"
    sheet["D2"].value = sheet["D3"].value = "2026-11-20"
    book.save(path)


# -- row shapes and identities ----------------------------------------------------------------


def test_ragged_rows(tmp_path: Path) -> None:
    """Rows shorter than the header, and one longer (a value without a header): every value is
    kept where it was, syncer's columns go to the right of the widest row."""
    path = tmp_path / "t.csv"
    lines = [
        "Company,Position,Stage,Applied On,Notes",
        f"Acme,Dev,applied,{APPLIED}",
        "Globex,Dev,wishlist",
        f"Initech,Dev,applied,{APPLIED},note,stray,stray2",
        "Umbrella",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    before = read_csv(path)
    run = sync(path)
    after = read_csv(path)
    assert_person_cells_kept(before, after)
    assert after[0][7:] == OWNED_HEADERS
    assert after[0][5:7] == ["", ""]  # the stray values' columns stay without a header
    assert_follow_up(run, 2)
    assert run.row(3)["action"] == "none"
    assert_follow_up(run, 4)
    problem(run, path, 5, "Position")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicate_row_identities(tmp_path: Path, suffix: str) -> None:
    """A row copied with its Row ID: the copy gets a new identity and a message says so."""
    case = run_case(tmp_path, suffix, BASE_HEADER, [applied_row(), applied_row(Company="Globex")])
    first_id = case.owned(2)["Row ID"]
    assert first_id
    if suffix == ".csv":
        lines = case.path.read_bytes().split(b"\r\n")
        case.path.write_bytes(b"\r\n".join([*lines[:3], lines[1], *lines[3:]]))
    else:
        book = load_workbook(case.path)
        sheet = book.worksheets[0]
        sheet.append([cell.value for cell in sheet[2]])
        book.save(case.path)
    before = read_csv(case.path) if suffix == ".csv" else None
    cells = xlsx_cells(case.path) if suffix == ".xlsx" else None
    run = sync(case.path)
    if before is not None:
        assert_person_cells_kept(before, read_csv(case.path))
    if cells is not None:
        assert_xlsx_person_cells_kept(cells, case.path)
    assert run.exit_code == 0
    message = [e for e in run.tracker["errors"] if "row 4, column Row ID" in e]
    assert message and str(first_id) in message[0] and "duplicate" in message[0]
    assert case.owned(2)["Row ID"] == first_id
    assert case.owned(4)["Row ID"] not in ("", None, first_id)
    assert (run.row(4)["action"], run.row(4)["due"]) == ("follow_up", APPLIED_DUE)
