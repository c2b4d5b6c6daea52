"""The coach's digest: HTML page, CSV and the files write_digest puts on disk."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syncer.digest import (
    client_views,
    digest_totals,
    neutralise_cell,
    render_csv,
    render_html,
    write_digest,
)
from syncer.errors import TrackerError
from syncer.model import Action, Decision, Urgency
from syncer.results import RowResult, TrackerResult

TODAY = date(2024, 5, 8)
GENERATED = datetime(2024, 5, 8, 2, 15, tzinfo=UTC)
SHEET = "https://docs.google.com/spreadsheets/d/abc123/edit"


def due_row(
    row: int,
    company: str,
    position: str,
    *,
    days: int,
    action: Action = Action.FOLLOW_UP,
    why: str = "No reply for a week.",
    link: str | None = None,
) -> RowResult:
    """A row due ``days`` after TODAY (negative: overdue)."""
    if days < 0:
        urgency = Urgency.OVERDUE
    elif days == 0:
        urgency = Urgency.TODAY
    else:
        urgency = Urgency.UPCOMING
    decision = Decision(action, TODAY + timedelta(days=days), urgency, why)
    return RowResult(row, company, position, decision, contact_name="Pat Lee", link=link)


def invalid_row(row: int, company: str, why: str) -> RowResult:
    return RowResult(row, company, "Analyst", Decision(None, None, Urgency.INVALID, why))


def done_row(row: int, company: str) -> RowResult:
    return RowResult(row, company, "Clerk", Decision(Action.NONE, None, Urgency.DONE, "Closed."))


@pytest.fixture
def results() -> list[TrackerResult]:
    return [
        TrackerResult(
            source="trackers/zoe.xlsx",
            client="Zoë Quinn",
            rows=[
                due_row(2, "Acme", "Engineer", days=-3),
                due_row(3, "Globex", "Designer", days=0, action=Action.SEND_THANK_YOU),
                invalid_row(4, "Initech", "Applied On is not a date: 'soon'"),
            ],
            conflicts=["Row 2: Due Date was edited by a person; kept."],
            cells_written=4,
        ),
        TrackerResult(
            source=SHEET,
            client="Adam Archer",
            url=SHEET,
            rows=[
                due_row(2, "Umbrella", "Chemist", days=5, link=SHEET + "#gid=0&range=A2:A2"),
                done_row(3, "Hooli"),
            ],
        ),
        TrackerResult(source="trackers/broken.csv", client="Bea Broke", failed="file not found"),
        TrackerResult(
            source="trackers/quiet.csv", client="Quinn Quiet", rows=[done_row(2, "Stark")]
        ),
        TrackerResult(
            source="trackers/mia.csv",
            client="Mia Moss",
            rows=[due_row(7, "Wayne", "Analyst", days=0, action=Action.RESPOND_TO_OFFER)],
            cells_written=2,
        ),
    ]


class _Structure(HTMLParser):
    """Collects tags, a few attributes and text, and checks that tags nest properly."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Structure:
    parser = _Structure()
    parser.feed(page)
    parser.close()
    return parser


def plain_text(page: str) -> str:
    """The page's visible text, one space between text nodes."""
    return re.sub(r"\s+", " ", " ".join(parse(page).text))


def test_page_is_well_formed_accessible_and_self_contained(results):
    page = render_html(results, today=TODAY, generated_at=GENERATED)
    structure = parse(page)
    assert structure.errors == []
    assert structure.stack == []
    tags = [tag for tag, _ in structure.tags]
    attributes = dict(structure.tags)
    assert attributes["html"]["lang"] == "en"
    assert any(tag == "meta" and attrs.get("charset") == "utf-8" for tag, attrs in structure.tags)
    assert "title" in tags and tags.count("h1") == 1 and "h2" in tags and "h3" in tags
    assert {"table", "caption", "thead", "th", "tbody"} <= set(tags)
    assert all(attrs.get("scope") in ("col", "row") for tag, attrs in structure.tags if tag == "th")
    # No network assets and no script: nothing the page would fetch or run.
    assert not {"script", "link", "img", "iframe"} & set(tags)
    assert "url(" not in page and "@import" not in page
    hrefs = [attrs["href"] for tag, attrs in structure.tags if tag == "a"]
    assert all(href and (href.startswith(("#", "https://"))) for href in hrefs)


def test_page_shows_totals_attention_and_clients_in_order(results):
    text = plain_text(render_html(results, today=TODAY, generated_at=GENERATED))
    assert "Wednesday 8 May 2024" in text
    header = text[: text.index("Needs attention")]
    for label, value in [
        ("Clients", 5),
        ("Synced", 2),
        ("Unchanged", 2),
        ("Failed", 1),
        ("Overdue", 1),
        ("Due today", 2),
        ("Upcoming", 1),
        ("Invalid rows", 1),
        ("Conflicts", 1),
    ]:
        assert f"{label} {value} " in header, label
    attention = text[text.index("Needs attention") : text.index("Due actions by client")]
    assert "Bea Broke" in attention and "file not found" in attention
    assert "Initech" in attention and "Applied On is not a date: 'soon'" in attention
    assert "Due Date was edited by a person" in attention
    sections = text[text.index("Due actions by client") :]
    # Overdue first, then due today, then upcoming; clients with nothing due listed at the end.
    order = [sections.rindex(name) for name in ("Zoë Quinn", "Mia Moss", "Adam Archer")]
    assert order == sorted(order)
    assert sections.index("Nothing due") < sections.rindex("Quinn Quiet")
    assert "Hooli" not in sections and "Stark" not in sections


def test_urgency_is_shown_by_text_as_well_as_colour(results):
    page = render_html(results, today=TODAY, generated_at=GENERATED)
    for urgency, text, when in [
        ("overdue", "Overdue", "3 days overdue"),
        ("today", "Today", "due today"),
        ("upcoming", "Upcoming", "in 5 days"),
    ]:
        badge = re.search(rf'<span class="badge {urgency}">\s*{text}</span>', page)
        assert badge, urgency
        assert when in page
        assert f".badge.{urgency}" in page and f"tr.{urgency}" in page


def test_rows_link_to_the_row_then_the_tracker_else_show_the_source(results):
    page = render_html(results, today=TODAY, generated_at=GENERATED)
    assert f'<a href="{SHEET}#gid=0&amp;range=A2:A2">Row 2</a>' in page
    assert f'<a href="{SHEET}">{SHEET}</a>' in page
    assert "trackers/zoe.xlsx" in page
    assert 'href="trackers/' not in page


def test_untrusted_text_is_escaped_and_unsafe_links_are_not_links():
    hostile = TrackerResult(
        source="javascript:alert(1)",
        client='<img src=x onerror="alert(1)">',
        rows=[due_row(2, "<script>alert('x')</script>", "Dev & Ops", days=-1)],
    )
    page = render_html([hostile], today=TODAY, generated_at=GENERATED)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "Dev &amp; Ops" in page
    assert 'href="javascript:' not in page
    # What a reader sees is the literal text.
    assert "<script>alert('x')</script>" in plain_text(page)
    assert '<img src=x onerror="alert(1)">' in plain_text(page)


def test_page_when_everything_is_fine_and_when_dry_run():
    fine = [TrackerResult(source="a.csv", client="Al", rows=[done_row(2, "X")], dry_run=True)]
    text = plain_text(render_html(fine, today=TODAY, generated_at=GENERATED))
    assert "Nothing needs fixing" in text
    assert "No follow-up is due for any client" in text
    assert "Dry run" in text


def test_client_views_group_trackers_of_one_client_and_sort_items():
    first = TrackerResult(source="a.csv", client="Sam", rows=[due_row(2, "B", "x", days=4)])
    second = TrackerResult(
        source="b.csv",
        client="Sam",
        rows=[due_row(5, "A", "y", days=4), due_row(9, "C", "z", days=-2)],
    )
    (view,) = client_views([first, second], TODAY)
    assert [link.text for link in view.trackers] == ["a.csv", "b.csv"]
    assert [item.row.company for item in view.items] == ["C", "A", "B"]
    assert view.summary == "1 overdue, 2 upcoming"


def test_totals_count_trackers_by_status(results):
    totals = digest_totals(results)
    assert (totals.clients, totals.trackers) == (5, 5)
    assert (totals.synced, totals.unchanged, totals.failed) == (2, 2, 1)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Acme", "Acme"),
        ("a=b", "a=b"),
        (7, "7"),
        (None, ""),
    ],
)
def test_neutralise_cell(cell, expected):
    assert neutralise_cell(cell) == expected


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_failed_trackers_and_one_line_per_due_action(results):
    lines = read_csv(render_csv(results, today=TODAY))
    assert [line["urgency"] for line in lines] == [
        "failed",
        "overdue",
        "today",
        "today",
        "upcoming",
    ]
    failed = lines[0]
    assert (failed["client"], failed["source"], failed["why"]) == (
        "Bea Broke",
        "trackers/broken.csv",
        "file not found",
    )
    overdue = lines[1]
    assert overdue == {
        "client": "Zoë Quinn",
        "source": "trackers/zoe.xlsx",
        "row": "2",
        "company": "Acme",
        "position": "Engineer",
        "action": Action.FOLLOW_UP.label,
        "due": (TODAY - timedelta(days=3)).isoformat(),
        "urgency": "overdue",
        "why": "No reply for a week.",
        "link": "trackers/zoe.xlsx",
    }
    assert lines[-1]["link"] == SHEET + "#gid=0&range=A2:A2"


def test_csv_neutralises_formulas_from_untrusted_cells():
    tracker = TrackerResult(
        source="t.csv",
        client="=cmd|' /C calc'!A0",
        rows=[due_row(2, "+Acme", "@Dev", days=1, why="-3 days")],
    )
    (line,) = read_csv(render_csv([tracker], today=TODAY))
    assert line["client"].startswith("'=")
    assert (line["company"], line["position"], line["why"]) == ("'+Acme", "'@Dev", "'-3 days")


def test_write_digest_writes_three_files_atomically(tmp_path: Path, results):
    out_dir = tmp_path / "digest" / "nightly"
    files = write_digest(results, out_dir, today=TODAY, generated_at=GENERATED)
    assert (files.html, files.csv, files.ics) == (
        out_dir / "digest.html",
        out_dir / "digest.csv",
        out_dir / "digest.ics",
    )
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    raw_csv = files.csv.read_bytes()
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert len(read_csv(raw_csv.decode("utf-8-sig"))) == 5
    assert files.ics.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert sorted(path.name for path in out_dir.iterdir()) == [
        "digest.csv",
        "digest.html",
        "digest.ics",
    ]
    # Contacts' names and companies: only the owner reads them, like the journal.
    for path in (files.html, files.csv, files.ics):
        assert path.stat().st_mode & 0o777 == 0o600
    assert out_dir.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "digest").stat().st_mode & 0o777 == 0o700


def test_digest_mode_from_the_config_and_an_existing_folder_keeps_its_mode(tmp_path: Path, results):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o775)
    files = write_digest(results, shared, today=TODAY, generated_at=GENERATED, mode=0o644)
    assert files.html.stat().st_mode & 0o777 == 0o644
    assert shared.stat().st_mode & 0o777 == 0o775
    new = tmp_path / "new"
    write_digest(results, new, today=TODAY, generated_at=GENERATED, mode=0o640)
    assert new.stat().st_mode & 0o777 == 0o750


def test_write_digest_replaces_previous_files_and_leaves_no_temporaries(tmp_path: Path, results):
    write_digest(results, tmp_path, today=TODAY, generated_at=GENERATED)
    fewer = results[:1]
    files = write_digest(fewer, tmp_path, today=TODAY, generated_at=GENERATED)
    assert "Adam Archer" not in files.html.read_text(encoding="utf-8")
    assert len(list(tmp_path.iterdir())) == 3


def test_failed_write_keeps_the_old_file(tmp_path: Path, results, monkeypatch):
    files = write_digest(results, tmp_path, today=TODAY, generated_at=GENERATED)
    before = files.html.read_bytes()

    def refuse(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(TrackerError, match=r"cannot write digest\.html: disk full"):
        write_digest(results[:1], tmp_path, today=TODAY, generated_at=GENERATED)
    assert files.html.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 3
