"""The coach's digest after a run: an HTML page, a CSV for Excel and an iCalendar file.

``write_digest`` is the one entry point; the three renderers are pure functions of the results.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, StrictUndefined, Template

from syncer.backends.local import FORMULA_TRIGGERS
from syncer.backends.replace_file import atomic_write, writing
from syncer.calendar import is_due, render_calendar, web_link
from syncer.digest_page import DIGEST_PAGE, LINK_MACRO
from syncer.model import Urgency
from syncer.results import RowResult, TrackerResult

HTML_NAME = "digest.html"
CSV_NAME = "digest.csv"
ICS_NAME = "digest.ics"

CSV_COLUMNS = (
    "client",
    "source",
    "row",
    "company",
    "position",
    "action",
    "due",
    "urgency",
    "why",
    "link",
)

_URGENCY_ORDER = {Urgency.OVERDUE: 0, Urgency.TODAY: 1, Urgency.UPCOMING: 2}
_URGENCY_TEXT = {Urgency.OVERDUE: "Overdue", Urgency.TODAY: "Today", Urgency.UPCOMING: "Upcoming"}


@dataclass(frozen=True)
class DigestFiles:
    html: Path
    csv: Path
    ics: Path


@dataclass(frozen=True)
class Link:
    """Text to show, and an http(s) target when there is a safe one."""

    text: str
    href: str | None

    @classmethod
    def to(cls, target: str) -> Link:
        return cls(target, web_link(target))


def tracker_link(tracker: TrackerResult) -> Link:
    return Link.to(tracker.url or tracker.source)


def row_link(tracker: TrackerResult, row: RowResult) -> Link:
    """The row's own link, else the tracker's URL, else the source text."""
    return Link.to(row.link) if row.link else tracker_link(tracker)


def client_name(tracker: TrackerResult) -> str:
    return tracker.client.strip() or tracker.source


@dataclass(frozen=True)
class DueItem:
    """One due action, with what the page shows about it."""

    client: str
    source: str
    row: RowResult
    link: Link
    today: date

    @property
    def urgency(self) -> str:
        return self.row.decision.urgency.value

    @property
    def urgency_text(self) -> str:
        return _URGENCY_TEXT.get(self.row.decision.urgency, self.urgency.title())

    @property
    def due_on(self) -> date:
        assert self.row.decision.due_on is not None
        return self.row.decision.due_on

    @property
    def due_iso(self) -> str:
        return self.due_on.isoformat()

    @property
    def due_text(self) -> str:
        return f"{self.due_on:%a} {self.due_iso}"

    @property
    def action_label(self) -> str:
        action = self.row.decision.action
        return action.label if action else ""

    @property
    def when(self) -> str:
        days = (self.due_on - self.today).days
        if days < 0:
            return f"{-days} day{'s' if days != -1 else ''} overdue"
        if days == 0:
            return "due today"
        return "tomorrow" if days == 1 else f"in {days} days"

    @property
    def sort_key(self) -> tuple[int, date, str, str, int]:
        return (
            _URGENCY_ORDER.get(self.row.decision.urgency, 9),
            self.due_on,
            self.row.company.casefold(),
            self.source,
            self.row.row,
        )


@dataclass(frozen=True)
class Problem:
    """A failed tracker or a conflict: who, where, and what."""

    client: str
    link: Link
    reason: str


@dataclass(frozen=True)
class InvalidRow:
    client: str
    row: RowResult
    link: Link


@dataclass(frozen=True)
class Count:
    label: str
    value: int
    css: str


@dataclass
class ClientView:
    """Everything one client's section shows (a client may have several trackers)."""

    name: str
    trackers: list[Link] = field(default_factory=list)
    items: list[DueItem] = field(default_factory=list)
    failed: bool = False
    anchor: str = ""

    def count(self, urgency: Urgency) -> int:
        return sum(1 for item in self.items if item.row.decision.urgency is urgency)

    @property
    def counts(self) -> list[Count]:
        counts = [
            Count(_URGENCY_TEXT[urgency].lower(), self.count(urgency), urgency.value)
            for urgency in _URGENCY_ORDER
        ]
        return [count for count in counts if count.value]

    @property
    def summary(self) -> str:
        return ", ".join(f"{count.value} {count.label}" for count in self.counts)

    @property
    def sort_key(self) -> tuple[int, str]:
        if self.count(Urgency.OVERDUE):
            rank = 0
        elif self.count(Urgency.TODAY):
            rank = 1
        else:
            rank = 2
        return (rank, self.name.casefold())


@dataclass(frozen=True)
class Totals:
    clients: int
    trackers: int
    synced: int
    unchanged: int
    failed: int
    overdue: int
    today: int
    upcoming: int
    invalid: int
    conflicts: int

    @property
    def tiles(self) -> list[Count]:
        return [
            Count("Clients", self.clients, "clients"),
            Count("Synced", self.synced, "synced"),
            Count("Unchanged", self.unchanged, "unchanged"),
            Count("Failed", self.failed, "failed"),
            Count("Overdue", self.overdue, "overdue"),
            Count("Due today", self.today, "today"),
            Count("Upcoming", self.upcoming, "upcoming"),
            Count("Invalid rows", self.invalid, "invalid"),
            Count("Conflicts", self.conflicts, "conflicts"),
        ]


def digest_totals(results: Sequence[TrackerResult]) -> Totals:
    statuses = [tracker.status for tracker in results]
    urgencies = [row.decision.urgency for tracker in results for row in tracker.rows]
    return Totals(
        clients=len({client_name(tracker) for tracker in results}),
        trackers=len(results),
        synced=statuses.count("synced"),
        unchanged=statuses.count("unchanged"),
        failed=statuses.count("failed"),
        overdue=urgencies.count(Urgency.OVERDUE),
        today=urgencies.count(Urgency.TODAY),
        upcoming=urgencies.count(Urgency.UPCOMING),
        invalid=urgencies.count(Urgency.INVALID),
        conflicts=sum(len(tracker.conflicts) for tracker in results),
    )


def client_views(results: Sequence[TrackerResult], today: date) -> list[ClientView]:
    """One view per client, those with overdue actions first, then due today, then by name."""
    views: dict[str, ClientView] = {}
    for tracker in results:
        name = client_name(tracker)
        view = views.setdefault(name, ClientView(name))
        view.trackers.append(tracker_link(tracker))
        view.failed = view.failed or tracker.failed is not None
        view.items.extend(
            DueItem(name, tracker.source, row, row_link(tracker, row), today)
            for row in tracker.rows
            if is_due(row) and tracker.failed is None
        )
    ordered = sorted(views.values(), key=lambda view: view.sort_key)
    for number, view in enumerate(ordered, start=1):
        view.items.sort(key=lambda item: item.sort_key)
        view.anchor = f"client-{number}"
    return ordered


def render_html(results: Sequence[TrackerResult], *, today: date, generated_at: datetime) -> str:
    """The digest page (autoescaped: names and companies are untrusted text)."""
    clients = client_views(results, today)
    failed = [
        Problem(client_name(tracker), tracker_link(tracker), tracker.failed)
        for tracker in results
        if tracker.failed is not None
    ]
    conflicts = [
        Problem(client_name(tracker), tracker_link(tracker), conflict)
        for tracker in results
        for conflict in tracker.conflicts
    ]
    invalid = [
        InvalidRow(client_name(tracker), row, row_link(tracker, row))
        for tracker in results
        for row in sorted(tracker.rows, key=lambda row: row.row)
        if row.decision.urgency is Urgency.INVALID
    ]
    return _page_template().render(
        today_iso=today.isoformat(),
        today_text=f"{today:%A} {today.day} {today:%B %Y}",
        generated_text=_moment_text(generated_at),
        dry_run=any(tracker.dry_run for tracker in results),
        totals=digest_totals(results),
        failed=failed,
        invalid=invalid,
        conflicts=conflicts,
        busy=[client for client in clients if client.items],
        quiet=[client for client in clients if not client.items and not client.failed],
    )


@cache
def _page_template() -> Template:
    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
    return environment.from_string(LINK_MACRO + DIGEST_PAGE)


def _moment_text(moment: datetime) -> str:
    text = moment.isoformat(sep=" ", timespec="minutes")
    return text.replace("+00:00", " UTC")


def neutralise_cell(value: object) -> str:
    """Text Excel will not run as a formula: a leading = + - @ (or tab/CR) gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def render_csv(results: Sequence[TrackerResult], *, today: date) -> str:
    """Failed trackers first (urgency "failed"), then every due action in the page's order."""
    lines: list[list[object]] = []
    for tracker in results:
        if tracker.failed is not None:
            link = tracker_link(tracker).text
            name = client_name(tracker)
            lines.append([name, tracker.source, "", "", "", "", "", "failed", tracker.failed, link])
    for view in client_views(results, today):
        for item in view.items:
            decision = item.row.decision
            lines.append(
                [
                    item.client,
                    item.source,
                    item.row.row,
                    item.row.company,
                    item.row.position,
                    item.action_label,
                    item.due_iso,
                    decision.urgency.value,
                    decision.why,
                    item.link.text,
                ]
            )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([neutralise_cell(cell) for cell in line] for line in lines)
    return buffer.getvalue()


#: The digest names contacts and companies: like the journal, only its owner reads it.
DIGEST_MODE = 0o600


def write_digest(
    results: Sequence[TrackerResult],
    out_dir: Path,
    *,
    today: date,
    generated_at: datetime,
    mode: int = DIGEST_MODE,
) -> DigestFiles:
    """Write digest.html, digest.csv and digest.ics into ``out_dir``, each atomically.

    The files get ``mode`` (0600 unless the config's ``run.digest_mode`` says otherwise); a
    folder syncer creates for them gets the matching folder mode (0700 for 0600). An existing
    folder keeps its mode: it may be one the coach shares on purpose.
    """
    folder_mode = mode | ((mode & 0o444) >> 2)  # a folder needs x where its files have r
    _make_folders(out_dir, folder_mode)
    files = DigestFiles(out_dir / HTML_NAME, out_dir / CSV_NAME, out_dir / ICS_NAME)
    previous_calendar = _read_text(files.ics)
    html = render_html(results, today=today, generated_at=generated_at)
    # The BOM makes Excel read the file as UTF-8 (names with accents, the em dash).
    table = render_csv(results, today=today)
    calendar = render_calendar(results, generated_at=generated_at, previous=previous_calendar)
    for path, data in (
        (files.html, html.encode("utf-8")),
        (files.csv, table.encode("utf-8-sig")),
        (files.ics, calendar.encode("utf-8")),
    ):
        atomic_write(path, writing(data), backup=False, mode=mode)
    return files


def _make_folders(folder: Path, mode: int) -> None:
    """Create ``folder`` and missing parents with ``mode`` (not the umask's), never changing
    a folder that exists."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        os.chmod(new, mode)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
