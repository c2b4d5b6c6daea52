"""The report people read: what needs them, per tracker, capped, readable at 80 columns."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from syncer.cli import cli
from syncer.exitcodes import ExitCode
from syncer.model import Action, Decision, Urgency
from syncer.report import NEXT_DAYS, SECTION_LIMIT, print_report
from syncer.results import RowResult, TrackerResult
from tests.shipped import write_tracker

TODAY = date(2026, 11, 26)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LONG_WHY = (
    "No reply since 2026-11-12: follow up 7 days later (0 of 2 follow-ups sent); add Topics "
    "Discussed so the draft recalls something specific about the conversation on 2026-11-05"
)


def row(number: int, urgency: Urgency, due: date | None, company: str = "Northwind") -> RowResult:
    action = None if urgency is Urgency.INVALID else Action.FOLLOW_UP
    why = "Applied On: '31/02/2025' is not a real date" if action is None else LONG_WHY
    return RowResult(
        row=number,
        company=company,
        position="Senior Principal Staff Data Platform Engineer, Infrastructure",
        decision=Decision(action, due, urgency, why),
    )


def rendered(results: list[TrackerResult], *, width: int = 80, show_all: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    print_report(console, results, today=TODAY, show_all=show_all)
    return out.getvalue()


def busy_tracker() -> TrackerResult:
    rows = [row(2 + i, Urgency.OVERDUE, TODAY - timedelta(days=i + 1)) for i in range(20)]
    rows += [row(30, Urgency.TODAY, TODAY, "A" * 120)]
    rows += [row(31 + i, Urgency.UPCOMING, TODAY + timedelta(days=i + 1)) for i in range(12)]
    rows += [row(50, Urgency.INVALID, None), row(51, Urgency.DONE, None)]
    conflicts = [f"alex.xlsx row {n}, column Draft: you edited it; kept" for n in range(11)]
    return TrackerResult(
        source="/home/coach/clients/alex.xlsx", client="Alex Chen", rows=rows, conflicts=conflicts
    )


def assert_readable(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width, line
        assert not re.search(r"\b\d{4}-(\d{2}-?)?$", line), f"a date broken at the end: {line!r}"
        assert not re.match(r"\s*-?\d{2}(-\d{2})?\b(?!-)", line) or ISO_DATE.search(line), line


def test_the_default_report_lists_what_needs_the_person_capped() -> None:
    text = rendered([busy_tracker()])
    assert_readable(text)
    assert text.startswith("Alex Chen (/home/coach/clients/alex.xlsx)")
    assert "Overdue (20)" in text and f"… and {20 - SECTION_LIMIT} more" in text
    assert "Due today (1)" in text
    assert f"Due in the next {NEXT_DAYS} days ({NEXT_DAYS})" in text
    assert f"… and {12 - NEXT_DAYS} due later" in text
    assert "Invalid rows: fix these cells (1)" in text and "row 50" in text
    assert "Conflicts: your edits, kept (11)" in text
    assert "row 51" not in text, "a row with nothing to do is not listed"
    assert len(text.splitlines()) < 100  # every row listed would be over 130 lines
    assert "\x1b[" not in text, "plain text without a terminal"


def test_every_date_and_row_number_is_whole_at_80_columns() -> None:
    text = rendered([busy_tracker()], show_all=True)
    assert_readable(text)
    shown = {line.split("row ")[-1] for line in text.splitlines() if re.search(r"row \d+$", line)}
    assert {
        str(r.row) for r in busy_tracker().rows if r.decision.urgency is not Urgency.INVALID
    } <= shown
    for day in range(1, 21):
        assert (TODAY - timedelta(days=day)).isoformat() in text


def test_all_lists_every_row() -> None:
    text = rendered([busy_tracker()], show_all=True)
    assert "more" not in text
    assert "Later (5)" in text and "Nothing to do (1)" in text and "row 51" in text


def test_a_failed_tracker_is_named_with_its_file_and_reason() -> None:
    failed = TrackerResult(source="/srv/jo.csv", client="Jo Park", failed="Permission denied")
    text = rendered([busy_tracker(), failed])
    assert "FAILED Jo Park (/srv/jo.csv)" in text and "Permission denied" in text


def test_narrow_and_wide_consoles_keep_their_width() -> None:
    for width in (60, 120):
        assert_readable(rendered([busy_tracker()], width=width), width)


def test_the_cli_report_at_80_columns_is_plain_and_fits(tmp_path: Path) -> None:
    records: list[dict[str, object]] = [
        {
            "Company": f"Company with a rather long name number {n}",
            "Position": "Principal Engineer for Developer Experience and Tooling",
            "Stage": "applied",
            "Applied On": (TODAY - timedelta(days=5 + n)).isoformat(),
        }
        for n in range(30)
    ]
    tracker = write_tracker(tmp_path / "t.csv", records)
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        cli, ["sync", str(tracker), "--today", TODAY.isoformat()]
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert_readable(result.stdout)
    assert "\x1b[" not in result.stdout
    assert "… and " in result.stdout
    assert len(result.stdout.splitlines()) < 60


def test_dry_run_says_what_it_would_write(tmp_path: Path) -> None:
    tracker = write_tracker(tmp_path / "t.csv")
    dry = ["sync", str(tracker), "--today", TODAY.isoformat(), "--dry-run"]
    result = CliRunner().invoke(cli, dry)
    assert result.exit_code == ExitCode.OK, result.output
    as_json = CliRunner().invoke(cli, [*dry, "--json"])
    document = json.loads(as_json.stdout)
    (planned,) = document["trackers"]
    assert planned["status"] == "would_change" and planned["cells_written"] == 0
    cells, rows = planned["cells_planned"], planned["rows_planned"]
    assert cells > rows > 0 and planned["columns_planned"] == 7
    summary = document["summary"]
    assert (summary["cells_planned"], summary["rows_planned"], summary["unchanged"]) == (
        cells,
        rows,
        0,
    )
    phrase = f"would add 7 column(s) and write {cells} cell(s) in {rows} row(s)"
    assert phrase in result.stdout and phrase in result.stderr
    assert "unchanged" not in result.stdout
    assert "0 unchanged" in result.stderr and "1 would change" in result.stderr
    # After a real sync, a dry run plans nothing and says so.
    assert CliRunner().invoke(cli, dry[:-1]).exit_code == ExitCode.OK
    again = CliRunner().invoke(cli, [*dry, "--json"])
    (after,) = json.loads(again.stdout)["trackers"]
    assert (after["status"], after["cells_planned"]) == ("unchanged", 0)


def _reference_sections(rows: list[RowResult], show_all: bool) -> list[tuple[str, list[int], int]]:
    """What the report lists, computed the plain way: every row sorted, then capped."""
    order = sorted(rows, key=lambda r: (r.decision.due_on or date.max, r.row))
    horizon = TODAY + timedelta(days=NEXT_DAYS)

    def of(urgency: Urgency) -> list[RowResult]:
        return [r for r in order if r.decision.urgency is urgency]

    upcoming = of(Urgency.UPCOMING)
    soon = [r for r in upcoming if r.decision.due_on and r.decision.due_on <= horizon]
    later = [r for r in upcoming if r not in soon]
    groups = [("Overdue", of(Urgency.OVERDUE)), ("Due today", of(Urgency.TODAY))]
    groups += [(f"Due in the next {NEXT_DAYS} days", soon)]
    groups += [("Later", later)] if show_all else []
    groups += [("Invalid rows: fix these cells", of(Urgency.INVALID))]
    groups += [("Nothing to do", of(Urgency.DONE))] if show_all else []
    cap = None if show_all else SECTION_LIMIT
    return [
        (title, [r.row for r in listed[:cap]], len(listed)) for title, listed in groups if listed
    ]


def test_sections_list_what_sorting_every_row_would_list() -> None:
    """Rows in random order, due dates tied across rows: the one-pass sections (first rows
    kept as they come) list exactly the rows, counts and order of a full sort and cap."""
    import random

    from syncer.report import _sections

    chooser = random.Random(13)
    for trial in range(40):
        rows = []
        for number in chooser.sample(range(2, 400), chooser.randint(0, 120)):
            urgency = chooser.choice(list(Urgency))
            due = (
                None
                if urgency in (Urgency.INVALID, Urgency.DONE) or chooser.random() < 0.1
                else (TODAY + timedelta(days=chooser.randint(-5, 12)))
            )
            rows.append(row(number, urgency, due))
        result = TrackerResult(source="t.csv", rows=rows)
        for show_all in (False, True):
            got = [
                (s.title, [r.row for r in s.rows], s.count)
                for s in _sections(result, TODAY, show_all)
            ]
            assert got == _reference_sections(rows, show_all), (trial, show_all)


def test_default_report_of_a_huge_tracker_holds_a_few_rows_per_section() -> None:
    """200,000 rows streamed past the report (a streamed sync's rows are on disk): it keeps
    eight a section, so its memory does not grow with the tracker (tracemalloc's peak)."""
    import tracemalloc

    def streamed(count: int):  # type: ignore[no-untyped-def]
        for number in range(2, count + 2):
            yield row(number, Urgency.OVERDUE, TODAY - timedelta(days=number % 300 + 1))

    result = TrackerResult(source="huge.csv")
    result.rows = streamed(200_000)  # type: ignore[assignment]
    tracemalloc.start()
    try:
        text = rendered([result])
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Overdue (200000)" in text
    assert f"and {200_000 - SECTION_LIMIT} more" in text
    assert peak < 2_000_000, peak  # 200,000 rows held would be tens of MB
